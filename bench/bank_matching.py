"""Bank matching at volume: the vectorised engine on N entries x N open items, and a nested loop.

Synthetic but shaped like a real month: most entries quote an invoice number (some an RF
creditor reference, some several invoices), some only come from a known IBAN or a known name,
some pay several invoices without saying which, some pay part, some lose a bank fee, some are
duplicates of one payment, and the rest are noise (unknown references, unknown payers). About
one open item in ten is never paid.

Each size is generated in one process and pickled; a fresh process loads the frames and times
the engine alone, so its peak resident memory (ru_maxrss) is the interpreter + the inputs + the
engine, never the generator. "of it engine" is that peak minus the resident memory just before
the call. The baseline is the plain way: for each entry, loop over the open items and test
reference-in-remittance and amount (then partner and amount); it runs on --loop-n entries x
items and the engine is timed on the same data.

CPU s is the engine's own processor time (time.process_time), load the 1-minute load average: on a
shared machine the wall time mostly measures the neighbours. The unmatched entries (reasons, suggestions)
are built when first read: "+ read unmatched" is that, timed after the engine, which a caller that reads
them all (the flow quarantines each) pays on top.

Usage: python -m bench.bank_matching [--sizes 10000,100000,1000000] [--repeat 1] [--loop-n 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import numpy as np
import pandas as pd

from bench.child import run_child, spawn
from ofm.rules.bank import load_policy, match

MIX = {  # share of entries per kind; items used per entry: multi 2-3, multi_ref 2, duplicate 0 extra
    "reference": 0.45, "creditor_ref": 0.05, "iban_only": 0.10, "name_only": 0.03, "multi": 0.04,
    "multi_ref": 0.03, "partial": 0.04, "fee": 0.04, "duplicate": 0.02, "unknown_ref": 0.10, "noise": 0.10,
}
START = np.datetime64("2026-01-01")


def generate(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(entries, items, partner_banks) with n entries and n open items."""
    rng = np.random.default_rng(seed)
    m, partners = n, max(50, n // 10)
    # open items: 80 % customer invoices (residual > 0), 20 % vendor bills (< 0); 90 % EUR
    sign = np.where(rng.random(m) < 0.8, 1, -1)
    prefix = np.where(sign > 0, "INV", "BILL")
    month = rng.integers(1, 13, m)
    number = np.arange(m) // 12 + 1
    names = [f"{p}/2026/{mo:02d}/{k:05d}" for p, mo, k in zip(prefix, month, number, strict=True)]
    currency = rng.choice(np.array(["EUR", "USD", "GBP"]), m, p=[0.9, 0.07, 0.03])
    residual = sign * rng.integers(1_000, 500_000, m)
    partner = rng.integers(1, partners + 1, m)
    maturity = START + rng.integers(0, 120, m).astype("timedelta64[D]")
    rf = np.where(rng.random(m) < 0.1, [f"RF{k % 97:02d}{k:09d}" for k in range(m)], None)
    partner_names = np.array([f"Partner {k} GmbH" for k in range(partners + 1)], dtype=object)
    items = pd.DataFrame({
        "line_id": np.arange(1, m + 1, dtype=np.int64), "move_id": np.arange(1, m + 1, dtype=np.int64) + 10**7,
        "move_name": pd.Series(names, dtype="str"), "payment_reference": pd.Series(rf, dtype="str"),
        "ref": pd.Series([None] * m, dtype="str"), "partner_id": partner.astype(np.int64),
        "partner_name": pd.Series(partner_names[partner], dtype="str"), "residual_minor": residual.astype(np.int64),
        "currency": pd.Series(currency, dtype="str"), "date_maturity": maturity})
    ibans = np.array([f"DE{k:020d}" for k in range(partners + 1)], dtype=object)
    banks = pd.DataFrame({"partner_id": np.arange(1, partners + 1, dtype=np.int64),
                          "iban": pd.Series(ibans[1:], dtype="str")})
    return _entries(rng, n, items, ibans, partner_names), items, banks


def _entries(rng, n: int, items: pd.DataFrame, ibans, partner_names) -> pd.DataFrame:
    kinds = rng.choice(np.array(list(MIX)), n, p=np.array(list(MIX.values())))
    order = rng.permutation(len(items))  # items handed out in this order, each to one entry
    by_partner = items.assign(pos=np.arange(len(items))).sort_values(["partner_id", "currency", "residual_minor"])
    groups = {key: g.pos.to_numpy() for key, g in by_partner.groupby(["partner_id", "currency"])}
    used = np.zeros(len(items), dtype=bool)
    cursor = 0
    res, name, cur, part = (items[c].to_numpy() for c in ("residual_minor", "move_name", "currency", "partner_id"))
    pref, mat = items.payment_reference.to_numpy(), items.date_maturity.to_numpy().astype("datetime64[D]")
    rows = []
    last = None
    for k, kind in enumerate(kinds.tolist()):
        row = {"entry_id": f"E{k:08d}", "remittance": None, "creditor_reference": None, "counterparty_iban": None,
               "counterparty_name": None, "end_to_end_id": None}
        if kind in ("noise", "unknown_ref") or (kind == "duplicate" and last is None):
            row.update(amount_minor=int(rng.integers(-200_000, 500_000)) or 1, currency="EUR",
                       booking_date=START + int(rng.integers(0, 120)),
                       remittance=f"Invoice INV/2026/13/{k % 99999:05d}" if kind == "unknown_ref" else "Transfer",
                       counterparty_iban=f"GB{k:020d}")
            rows.append(row)
            continue
        if kind == "duplicate":
            rows.append({**last, "entry_id": row["entry_id"]})
            continue
        if kind in ("multi", "multi_ref"):
            while cursor < len(order) and used[order[cursor]]:
                cursor += 1
            if cursor >= len(order):
                break
            first = order[cursor]
            pool = [p for p in groups[(part[first], cur[first])]
                    if not used[p] and np.sign(res[p]) == np.sign(res[first])]
            picked = pool[:2 if kind == "multi_ref" else int(rng.integers(2, 4))]
            if len(picked) < 2:
                picked = [first]
            used[picked] = True
            amount = int(res[picked].sum())
            row.update(amount_minor=amount, currency=cur[first], booking_date=mat[first] + int(rng.integers(0, 10)),
                       counterparty_iban=ibans[part[first]],
                       remittance=" ".join(name[picked]) if kind == "multi_ref" else "Sammelzahlung")
            rows.append(row)
            last = row
            continue
        while cursor < len(order) and used[order[cursor]]:
            cursor += 1
        if cursor >= len(order):
            break
        pos = order[cursor]
        used[pos] = True
        amount = int(res[pos])
        row.update(amount_minor=amount, currency=cur[pos], booking_date=mat[pos] + int(rng.integers(-10, 20)),
                   counterparty_iban=ibans[part[pos]])
        if kind == "creditor_ref" and isinstance(pref[pos], str):
            row["creditor_reference"] = pref[pos]
        elif kind in ("reference", "creditor_ref", "partial", "fee"):
            row["remittance"] = f"Payment {name[pos]} thank you"
        if kind == "name_only":
            row.update(counterparty_iban=f"CH{k:019d}", counterparty_name=partner_names[part[pos]].upper())
        elif kind == "partial":
            row["amount_minor"] = amount * int(rng.integers(3, 8)) // 10
        elif kind == "fee":
            row["amount_minor"] = amount - int(np.sign(amount)) * min(abs(amount) // 100, int(rng.integers(50, 500)))
        rows.append(row)
        last = row
    frame = pd.DataFrame(rows)
    for column in ("entry_id", "remittance", "creditor_reference", "counterparty_iban", "counterparty_name",
                   "end_to_end_id", "currency"):
        frame[column] = frame[column].astype("str")
    frame["amount_minor"] = frame.amount_minor.astype(np.int64)
    frame["booking_date"] = frame.booking_date.to_numpy().astype("datetime64[D]")
    frame["account"] = "DE02120300000000202051"
    return frame


def nested_loop(entries: pd.DataFrame, items: pd.DataFrame, banks: pd.DataFrame) -> int:
    """The plain way: per entry, scan every open item for its reference in the remittance and the amount."""
    partner_of = dict(zip(banks.iban, banks.partner_id, strict=True))
    open_items = [(row.line_id, row.move_name, row.payment_reference if isinstance(row.payment_reference, str) else "",
                   row.residual_minor, row.currency, row.partner_id) for row in items.itertuples()]
    taken: set[int] = set()
    matched = 0
    for e in entries.itertuples():
        text = " ".join(str(x) for x in (e.remittance, e.creditor_reference, e.end_to_end_id) if isinstance(x, str))
        partner = partner_of.get(e.counterparty_iban, 0)
        by_ref, by_partner = [], []
        for line, move, pref, residual, currency, item_partner in open_items:
            if line in taken or currency != e.currency or residual != e.amount_minor:
                continue
            if move in text or (pref and pref in text):
                by_ref.append(line)
            elif partner and item_partner == partner:
                by_partner.append(line)
        found = by_ref or by_partner
        if len(found) == 1:
            taken.add(found[0])
            matched += 1
    return matched


def _frames_mb(*frames: pd.DataFrame) -> float:
    return sum(f.memory_usage(deep=True).sum() for f in frames) / 2**20


def _rss_mb() -> float:
    """Current resident memory (Linux /proc), to tell the engine's share of the peak from the inputs'."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def gen_child(n: int, seed: int, path: str) -> dict:
    """Generate one size and pickle it, so the engine's process never holds the generator's garbage."""
    frames = generate(n, seed)
    pd.to_pickle(frames, path)
    return {"n": n}


def engine_child(n: int, path: str) -> dict:
    """Load one size, time the engine, report peak memory (ru_maxrss) and the match rate per rule."""
    entries, items, banks = pd.read_pickle(path)
    policy = load_policy()
    before = _rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    result = match(entries, items, banks, policy)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    start, read_cpu = time.perf_counter(), time.process_time()
    unmatched = list(result.unmatched)  # built when first read: timed apart, so nobody mistakes it for free
    read_s, read_cpu = time.perf_counter() - start, time.process_time() - read_cpu
    assert len(unmatched) == result.stats["unmatched"]["entries"]
    stats = result.stats
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "seconds": round(seconds, 2), "cpu": round(cpu, 2), "load": os.getloadavg()[0],
            "read_s": round(read_s, 2), "read_cpu": round(read_cpu, 2),
            "input_mb": round(_frames_mb(entries, items, banks)),
            "peak_rss_mb": round(peak), "engine_mb": round(peak - before),
            "rate": {r: round(v["entries"] / n, 3) for r, v in stats["rules"].items()},
            "matched": stats["match_rate"], "ambiguous": round(stats["unmatched"]["ambiguous"] / n, 3)}


def loop_child(n: int, seed: int) -> dict:
    entries, items, banks = generate(n, seed)
    start, cpu = time.perf_counter(), time.process_time()
    loop_matched = nested_loop(entries, items, banks)
    loop_s, loop_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    result = match(entries, items, banks, load_policy())
    engine_s, engine_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"n": n, "loop_s": round(loop_s, 2), "engine_s": round(engine_s, 3), "ratio": round(loop_s / engine_s),
            "cpu_ratio": round(loop_cpu / engine_cpu), "load": os.getloadavg()[0],
            "loop_matched": round(loop_matched / n, 3), "engine_matched": result.stats["match_rate"]}


def _spawn(*args: object) -> dict:
    return spawn("bench.bank_matching", *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--loop-n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="engine runs per size, each in a fresh process")
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        run_child(args._child, {"gen": lambda n, seed, path: gen_child(n, int(seed), path),
                                "engine": engine_child, "loop": lambda n, seed: loop_child(n, int(seed))})
        return
    rules = list(load_policy().rules)
    print(f"{'entries x items':>21} {'engine s':>9} {'CPU s':>6} {'load':>5} {'+ read unmatched s (CPU)':>25} "
          f"{'peak RSS MB':>12} {'of it engine':>13} "
          f"{'inputs MB':>10} {'matched':>8} " + " ".join(f"{r[:9]:>9}" for r in rules) + f" {'ambig.':>7}")
    sizes = [int(x) for x in args.sizes.split(",") if x]
    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp:
        for n in sizes:
            path = f"{tmp}/frames-{n}.pkl"
            _spawn("gen", n, args.seed, path)
            for _ in range(args.repeat):
                r = _spawn("engine", n, path)
                read = f"{r['read_s']:.2f} ({r['read_cpu']:.2f})"
                print(f"{n:>9,} x {n:<9,} {r['seconds']:>9.2f} {r['cpu']:>6.2f} {r['load']:>5.1f} {read:>25} "
                      f"{r['peak_rss_mb']:>12,} {r['engine_mb']:>13,} {r['input_mb']:>10,} {r['matched']:>8.1%} "
                      + " ".join(f"{r['rate'][x]:>9.1%}" for x in rules) + f" {r['ambiguous']:>7.1%}", flush=True)
    if args.loop_n:
        r = _spawn("loop", args.loop_n, args.seed)
        print(f"\nnested loop vs engine on {r['n']:,} x {r['n']:,}: loop {r['loop_s']} s (matched "
              f"{r['loop_matched']:.1%}), engine {r['engine_s']} s (matched {r['engine_matched']:.1%}): "
              f"engine {r['ratio']}x faster ({r['cpu_ratio']}x in CPU time; load {r['load']:.1f})")
        if sizes:  # the loop is quadratic: entries x items comparisons
            hours = r["loop_s"] * (max(sizes) / r["n"]) ** 2 / 3600
            print(f"the same loop on {max(sizes):,} x {max(sizes):,} would take about {hours:,.0f} h")


if __name__ == "__main__":
    main()
