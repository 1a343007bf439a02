"""Three-way match at volume: the vectorised engine on N bill lines x N order lines, and a per-line loop.

Synthetic but shaped like a month of supplier bills: one bill per purchase order of five lines,
half the lines billed on ordered and half on received quantities, one line in ten only partly
received. Most lines match; about 2 % carry a price above tolerance, 2 % a quantity above what
may be billed, 1 % a wrong tax rate, 0.5 % no order, 0.5 % another currency, 0.5 % a cancelled
order; one bill in a hundred repeats a bill already in Odoo (same number, or same total and date).

As in bench/bank_matching.py, each size is generated in one process and pickled; a fresh process
loads the frames and times the engine alone, so its peak resident memory (ru_maxrss) is the
interpreter + the inputs + the engine. The baseline is the straightforward way: a Python loop over
the bill lines with dict look-ups of the order line, the same checks and the same duplicate rules;
it runs on --loop-n lines and the engine is timed on the same data.

CPU s is the engine's own processor time (time.process_time), load the 1-minute load average: on a
shared machine the wall time mostly measures the neighbours.

Usage: python -m bench.three_way_match [--sizes 10000,100000,1000000] [--repeat 1] [--loop-n 10000] [--seed 7]
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
from ofm.rules.match3 import load_policy, match_bills

START = np.datetime64("2026-01-01")
LINES_PER_ORDER = 5


def _text(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    return prefix + pd.Series(numbers).astype(str).str.zfill(width)


def generate(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(bill_lines, bills, order_lines, previous_bills) with n bill lines and n order lines."""
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    order_no = k // LINES_PER_ORDER
    n_orders = int(order_no[-1]) + 1
    supplier_of_order = rng.integers(1, max(2, n_orders // 10) + 1, n_orders)
    qty = rng.integers(1, 200, n) * 1000
    received = np.where(rng.random(n) < 0.1, qty // 2, qty)
    method = np.where(rng.random(n) < 0.5, "purchase", "receive")
    price = rng.integers(100, 200_000, n)
    tax = rng.choice(np.array([19_000, 7_000, 0]), n, p=[0.8, 0.15, 0.05])
    state = np.where(rng.random(n) < 0.005, "cancel", "purchase")
    orders = pd.DataFrame({
        "order_number": _text("PO", order_no, 7), "order_line_ref": pd.Series(k % LINES_PER_ORDER).astype(str),
        "supplier_id": supplier_of_order[order_no], "state": state, "currency": "EUR", "product_code":
        _text("P-", k % 5000, 5), "purchase_method": method, "quantity_milli": qty, "received_milli": received,
        "invoiced_milli": np.zeros(n, dtype=np.int64), "unit_price_minor": price, "tax_percent_milli": tax})

    kind = rng.choice(np.array(["ok", "price", "qty", "tax", "no_order", "currency"]), n,
                      p=[0.94, 0.02, 0.02, 0.01, 0.005, 0.005])
    billable = np.where(method == "purchase", qty, received)
    bill_qty = billable + np.where(kind == "qty", 1000, 0)
    bill_price = np.where(kind == "price", price + np.maximum(price // 10, 60), price)
    bill_tax = np.where(kind == "tax", np.where(tax == 7_000, 19_000, 7_000), tax)
    bill_no = order_no  # one bill per order
    dates = START + rng.integers(0, 28, n_orders).astype("timedelta64[D]")
    net = (bill_qty * bill_price + 500) // 1000
    lines = pd.DataFrame({
        "bill_id": bill_no, "bill_line_id": k, "supplier_id": supplier_of_order[order_no],
        "bill_number": _text("INV-", bill_no, 7), "invoice_date": dates[bill_no],
        "currency": np.where(kind == "currency", "USD", "EUR"),
        "order_number": orders.order_number.where(kind != "no_order", None), "order_line_ref": orders.order_line_ref,
        "product_code": orders.product_code, "quantity_milli": bill_qty, "unit_price_minor": bill_price,
        "tax_percent_milli": bill_tax, "net_minor": net, "line_tax": (net * bill_tax + 50_000) // 100_000})
    bills = lines.groupby("bill_id", sort=False).agg(
        supplier_id=("supplier_id", "first"), bill_number=("bill_number", "first"),
        invoice_date=("invoice_date", "first"), net=("net_minor", "sum"), tax_minor=("line_tax", "sum")).reset_index()
    bills["currency"] = "EUR"
    bills["total_minor"] = bills.net + bills.tax_minor
    lines = lines.drop(columns="line_tax")
    # bills already in Odoo: older ones of other numbers, plus 1 % repeating a batch bill
    old = pd.DataFrame({"supplier_id": rng.integers(1, max(2, n_orders // 10) + 1, n_orders),
                        "bill_number": _text("OLD-", np.arange(n_orders), 7),
                        "invoice_date": START - rng.integers(30, 400, n_orders).astype("timedelta64[D]"),
                        "total_minor": rng.integers(1_000, 10_000_000, n_orders)})
    dup = bills.sample(frac=0.01, random_state=seed)
    same_number = dup.iloc[: len(dup) // 2].assign(invoice_date=lambda d: d.invoice_date - np.timedelta64(40, "D"))
    same_total = dup.iloc[len(dup) // 2:].assign(bill_number=lambda d: "X" + d.bill_number)
    previous = pd.concat([old, same_number[old.columns], same_total[old.columns]], ignore_index=True)
    return lines, bills.drop(columns="net"), orders, previous


def per_line_loop(lines: pd.DataFrame, bills: pd.DataFrame, orders: pd.DataFrame, previous: pd.DataFrame,
                  policy) -> int:
    """The straightforward way: one Python pass over the bill lines with dict look-ups; returns bills held."""
    order_of = {(o.order_number, o.order_line_ref): o for o in orders.itertuples(index=False)}
    taken: dict[tuple, int] = {}
    held: set = set()
    expected: dict = {}
    seen_numbers = {(p.supplier_id, str(p.bill_number).replace(" ", "").upper()) for p in previous.itertuples()}
    seen_totals: dict[tuple, list] = {}
    for p in previous.itertuples():
        seen_totals.setdefault((p.supplier_id, p.total_minor), []).append(p.invoice_date)
    for b in bills.sort_values(["invoice_date", "bill_id"]).itertuples():
        number = (b.supplier_id, str(b.bill_number).replace(" ", "").upper())
        dates = seen_totals.setdefault((b.supplier_id, b.total_minor), [])
        if number in seen_numbers or any(abs((b.invoice_date - d).days) <= policy.duplicate_window_days
                                         for d in dates):
            held.add(b.bill_id)
        seen_numbers.add(number)
        dates.append(b.invoice_date)
    ordered = lines.assign(_d=lines.invoice_date).sort_values(["_d", "bill_id", "bill_line_id"])
    for line in ordered.itertuples(index=False):
        o = order_of.get((line.order_number, line.order_line_ref)) if line.order_number else None
        tol = policy.tolerance(line.currency)
        if o is None or o.state in ("cancel", "draft") or o.currency != line.currency:
            held.add(line.bill_id)
            continue
        key = (o.order_number, o.order_line_ref)
        base = o.quantity_milli if o.purchase_method == "purchase" else o.received_milli
        available = base - o.invoiced_milli - taken.get(key, 0)
        taken[key] = taken.get(key, 0) + line.quantity_milli
        diff = abs(line.unit_price_minor - o.unit_price_minor)
        price_ok = diff * 1_000_000 <= o.unit_price_minor * tol.price_percent_e4 or diff <= tol.price_absolute_minor
        qty_ok = (line.quantity_milli - available) * 1_000_000 <= base * tol.quantity_percent_e4
        if not price_ok or not qty_ok or line.tax_percent_milli != o.tax_percent_milli:
            held.add(line.bill_id)
        net = (line.quantity_milli * o.unit_price_minor + 500) // 1000
        expected[line.bill_id] = expected.get(line.bill_id, 0) + net + (net * o.tax_percent_milli + 50_000) // 100_000
    for b in bills.itertuples():
        tol, want = policy.tolerance(b.currency), expected.get(b.bill_id, 0)
        diff = abs(b.total_minor - want)
        if not (diff * 1_000_000 <= want * tol.total_percent_e4 or diff <= tol.total_absolute_minor):
            held.add(b.bill_id)
    return len(held)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def gen_child(n: int, seed: int, path: str) -> dict:
    pd.to_pickle(generate(n, seed), path)
    return {"n": n}


def engine_child(n: int, path: str) -> dict:
    """Load one size, time the engine, report peak memory (ru_maxrss) and the outcome mix."""
    frames = pd.read_pickle(path)
    policy = load_policy()
    before = _rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    result = match_bills(*frames, policy)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    inputs = sum(f.memory_usage(deep=True).sum() for f in frames) / 2**20
    return {"n": n, "seconds": round(seconds, 2), "cpu": round(cpu, 2), "load": os.getloadavg()[0],
            "peak_rss_mb": round(peak), "engine_mb": round(peak - before),
            "input_mb": round(inputs), "bills": result.stats["bills"], "matched": result.stats["match_rate"],
            "reasons": result.stats["reasons"]}


def loop_child(n: int, seed: int) -> dict:
    frames, policy = generate(n, seed), load_policy()
    start, cpu = time.perf_counter(), time.process_time()
    held = per_line_loop(*frames, policy)
    loop_s, loop_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    result = match_bills(*frames, policy)
    engine_s, engine_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"n": n, "loop_s": round(loop_s, 2), "engine_s": round(engine_s, 3), "ratio": round(loop_s / engine_s, 1),
            "cpu_ratio": round(loop_cpu / engine_cpu, 1), "load": os.getloadavg()[0],
            "loop_held": held, "engine_held": result.stats["exceptions"]}


def _spawn(*args: object) -> dict:
    return spawn("bench.three_way_match", *args)


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
    print(f"{'bill lines x order lines':>25} {'bills':>7} {'engine s':>9} {'CPU s':>6} {'load':>5} {'peak RSS MB':>12} "
          f"{'of it engine':>13} {'inputs MB':>10} {'matched':>8}  reasons")
    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp:
        for n in [int(x) for x in args.sizes.split(",") if x]:
            path = f"{tmp}/frames-{n}.pkl"
            _spawn("gen", n, args.seed, path)
            for _ in range(args.repeat):
                r = _spawn("engine", n, path)
                reasons = ", ".join(f"{k} {v}" for k, v in sorted(r["reasons"].items()))
                print(f"{n:>11,} x {n:<11,} {r['bills']:>7,} {r['seconds']:>9.2f} {r['cpu']:>6.2f} {r['load']:>5.1f} "
                      f"{r['peak_rss_mb']:>12,} {r['engine_mb']:>13,} {r['input_mb']:>10,} {r['matched']:>8.1%}  "
                      f"{reasons}", flush=True)
    if args.loop_n:
        r = _spawn("loop", args.loop_n, args.seed)
        print(f"\nper-line loop vs engine on {r['n']:,} x {r['n']:,}: loop {r['loop_s']} s ({r['loop_held']:,} bills "
              f"held), engine {r['engine_s']} s ({r['engine_held']:,} held): engine {r['ratio']}x faster "
              f"({r['cpu_ratio']}x in CPU time; load {r['load']:.1f})")


if __name__ == "__main__":
    main()
