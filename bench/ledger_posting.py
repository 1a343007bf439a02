"""Posting N journal lines: the ledger-batch flow against the raw batched create ceiling, on the same target.

One payroll-style delivery (CSV, decimal commas, a trailer with control totals) of N lines, 10 per
entry (5 expense debits, 5 liability credits), posted into the MISC journal. Two contenders, each in a
fresh process (bench/child.py) against a fresh target:

- ceiling: the account.move values the flow sends (`ofm.tasks.ledger.post.move_vals`), created raw in
           batches of B entries (one `create` with a list of vals per batch) and posted with one
           `action_post` per batch: no inbox, mapping, checks, lock dates, outbox, read-back or audit
           (after an untimed warm-up of 20 entries, as the flow has);
- flow:    the ledger-batch Prefect flow end to end from the file (inbox, mapping, checks against
           Odoo, lock dates, run lock, outbox, create, effect check, lock dates again, post, date
           read-back, audit, summary), after a warm-up run of 20 entries in a target of its own.

Targets, a fresh one per contender, each a server process of its own as Odoo is (the middleware's own
work runs beside Odoo's, not in its interpreter): `--odoo sandbox` (default): `ofm sandbox odoo`,
charging what a real Odoo 19 costs per the contract (12 ms per call, 2.3 ms per record written);
`--odoo real`: a real Odoo 19 from the cached build (ofm.testbed; a fresh database; use a smaller N).
Ratios are taken in one run. Usage: python -m bench.ledger_posting [--lines 100000] [--batch 200]
[--odoo sandbox|real] [--latency-ms 12] [--record-cost-ms 2.3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import SecretStr

from bench.child import run_child, sandbox_server, spawn, timed_flow

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

PER_ENTRY = 10
ON = date(2026, 11, 30)
ACCOUNTS = {"sandbox": ("600000", "201000"), "real": ("620200", "455000")}
TARGET = "OFM_BENCH_LEDGER_ODOO"  # JSON {url, db, login, api_key} of a real database for the child


def delivery(lines: int, batch_id: str, debit_account: str, credit_account: str) -> str:
    """A payroll CSV of `lines` journal lines (10 per entry) with its trailer."""
    header = "record_type;batch;entity;period;entry;date;run;account;debit;credit;employee;text;cost_centers;" \
             "total_debit;total_credit;line_count"
    rows, total, count = [header], Decimal(0), 0
    for n in range(1, lines // PER_ENTRY + 1):
        for k in range(PER_ENTRY // 2):
            amount = Decimal(1000 + (n * 7 + k) % 997) + Decimal(n % 100) / 100
            text = f"{k}"
            rows.append(f"L;{batch_id};ACME-BE;2026-11;{n};{ON};{batch_id}-{n};{debit_account};"
                        f"{str(amount).replace('.', ',')};;;Gross {text};;;;")
            rows.append(f"L;{batch_id};ACME-BE;2026-11;{n};{ON};{batch_id}-{n};{credit_account};;"
                        f"{str(amount).replace('.', ',')};;Net {text};;;;")
            total, count = total + amount, count + 2
    rows.append(f"T;{batch_id};ACME-BE;2026-11;;;;;;;;;;{str(total).replace('.', ',')};"
                f"{str(total).replace('.', ',')};{count}")
    return "\n".join(rows) + "\n"


def mappings(folder: Path, company: str) -> Path:
    """The bundled payroll mapping for this target's company, without analytic codes or account types."""
    from ofm.mappings.ledger import BUNDLED_DIR

    doc = yaml.safe_load((BUNDLED_DIR / "payroll.yaml").read_text(encoding="utf-8"))
    doc["legal_entities"] = {"ACME-BE": company}
    doc.pop("allowed_account_types", None)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "payroll.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return folder


def _client(target: str, latency_ms: int, record_cost_ms: float):
    """A client of the target the parent started for this child (its coordinates in the environment)."""
    from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy

    t = json.loads(os.environ[TARGET])
    return OdooClient(OdooConfig(url=t["url"], db=t["db"], login=t["login"], api_key=SecretStr(t["api_key"]),
                                 timeout_seconds=600, retry=RetryPolicy(max_attempts=3)))


def _company(client) -> str:
    return client.search_read("res.company", [], ["name"], limit=1)[0]["name"]


def _outcome(client, seconds: float, before: Counter, lines: int, **extra) -> dict:
    calls = Counter(client.stats.calls) - before
    posted = client.search_count("account.move", [("ref", "=like", "ofm:payroll:%"), ("state", "=", "posted")])
    return {"seconds": seconds, "calls": sum(calls.values()), "lines": lines, "posted_entries": posted,
            "by_method": {f"{m}.{f}": n for (m, f), n in sorted(calls.items())}, **extra}


def ceiling(target: str, lines: int, batch: int, latency_ms: int, record_cost_ms: float) -> dict:
    """The flow's own vals, created raw in batches and posted per batch (set-up untimed)."""
    return _raw(_client(target, latency_ms, record_cost_ms), target, lines, batch)


def _raw(client, target: str, lines: int, batch: int) -> dict:
    from ofm.mappings.ledger import load_ledger_mapping, parse_delivery
    from ofm.rules.ledger import AccountRef, DateDecision, LedgerReferences
    from ofm.tasks.ledger.post import move_vals

    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp:
        m = load_ledger_mapping(mappings(Path(tmp), _company(client)) / "payroll.yaml")
        parsed = parse_delivery(m, delivery(lines, "PAY-BENCH", *ACCOUNTS[target]), "payroll-bench.csv")
    codes = list(ACCOUNTS[target])
    accounts = {r["code"]: AccountRef(r["id"], r["code"], True, r["account_type"])
                for r in client.search_read("account.account", [("code", "in", codes)], ["code", "account_type"])}
    [journal] = client.search_read("account.journal", [("code", "=", "MISC")], ["code", "type"])
    refs = LedgerReferences(1, "EUR", journal, accounts, {}, {}, {}, {})
    vals = [move_vals(parsed.batch, e, DateDecision("post", e.accounting_date), refs, m) for e in parsed.batch.entries]
    warm = [{**v, "ref": f"warm-{i}"} for i, v in enumerate(vals[:20])]  # as the flow's warm-up run: untimed
    client.call("account.move", "action_post", ids=client.create("account.move", warm))
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    for i in range(0, len(vals), batch):
        ids = client.create("account.move", vals[i:i + batch])
        client.call("account.move", "action_post", ids=ids)
    return _outcome(client, time.perf_counter() - start, before, lines)


def _flow_run(client, target: str, lines: int, batch: int, workdir: Path, batch_id: str) -> dict:
    from ofm.flows.ledger_batch import ledger_batch

    workdir.mkdir(parents=True, exist_ok=True)
    folder = mappings(workdir / "mappings", _company(client))
    source = workdir / "payroll-bench.csv"
    source.write_text(delivery(lines, batch_id, *ACCOUNTS[target]))
    result, seconds, before = timed_flow(client, workdir, ledger_batch, source, odoo_batch_size=batch,
                                         ledger_mapping_dir=folder)
    return _outcome(client, seconds, before, lines, counts=result["counts"], reconciles=result["reconciles"],
                    odoo_writes=result["odoo_writes"], flow_run_id=result["flow_run_id"])


def contender(flow: str, kind: str, client, n: int, workdir: Path) -> dict:
    """One contender of ledger-batch's row of the bench table (bench/table.py), on `client`'s sandbox;
    the naive client creates and posts one entry per pair of calls."""
    if kind == "flow":
        return _flow_run(client, "sandbox", n, 200, workdir, "PAY-BENCH")
    return _raw(client, "sandbox", n, 200 if kind == "ceiling" else 1)


def flow(target: str, lines: int, batch: int, latency_ms: int, record_cost_ms: float) -> dict:
    """The flow under a temporary Prefect server, after a warm-up run (20 entries, a batch id of its own)."""
    from prefect.testing.utilities import prefect_test_harness

    client = _client(target, latency_ms, record_cost_ms)
    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp, prefect_test_harness(server_startup_timeout=90):
        Path(tmp, "warm").mkdir()
        _flow_run(client, target, 20 * PER_ENTRY, batch, Path(tmp) / "warm", "PAY-WARM")
        Path(tmp, "run").mkdir()
        result = _flow_run(client, target, lines, batch, Path(tmp) / "run", "PAY-BENCH")
        del result["flow_run_id"]
        result["posted_entries"] -= 20  # the warm-up's
        return result


def _spawn(*args: object) -> dict:
    try:
        return spawn("bench.ledger_posting", *args)
    except subprocess.CalledProcessError as exc:  # show why the child failed, not only that it did
        sys.stderr.write(exc.stderr or "")
        raise


def _real(kind: str, lines: int, batch: int) -> dict:
    """One contender against a fresh database of the cached real Odoo 19 build."""
    from ofm.testbed.realodoo import Build, Server, find_source

    build = Build(find_source(19))
    state = build.ensure()
    db = build.new_database(f"bench_ledger_{kind}")
    try:
        with Server(build) as server:
            os.environ[TARGET] = json.dumps({"url": server.url, "db": db, "login": state["login"],
                                             "api_key": state["api_key"]})
            return _spawn(kind, lines, "real", batch, 0, 0.0)
    finally:
        build.drop_database(db)


def _sandboxed(kind: str, lines: int, batch: int, latency_ms: int, record_cost_ms: float) -> dict:
    with sandbox_server(latency_ms, record_cost_ms) as target:
        os.environ[TARGET] = json.dumps(target)
        return _spawn(kind, lines, "sandbox", batch, latency_ms, record_cost_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--odoo", choices=("sandbox", "real"), default="sandbox")
    parser.add_argument("--latency-ms", type=int, default=12)
    parser.add_argument("--record-cost-ms", type=float, default=2.3)
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        run_child(args._child, {
            "ceiling": lambda n, t, b, lat, cost: ceiling(t, n, int(b), int(lat), float(cost)),
            "flow": lambda n, t, b, lat, cost: flow(t, n, int(b), int(lat), float(cost))})
        return
    n = args.lines
    if args.odoo == "real":
        r_flow, r_ceiling = _real("flow", n, args.batch), _real("ceiling", n, args.batch)
        where = "a real Odoo 19 (fresh database per contender)"
    else:
        common = (n, args.batch, args.latency_ms, args.record_cost_ms)
        r_flow, r_ceiling = _sandboxed("flow", *common), _sandboxed("ceiling", *common)
        where = (f"the Odoo sandbox server ({args.latency_ms} ms per call + {args.record_cost_ms} ms per record "
                 "written)")
    print(f"Posting {n} journal lines ({n // PER_ENTRY} entries of {PER_ENTRY} lines) into {where}, batches of "
          f"{args.batch} entries; each contender in a fresh process")
    print(f"  flow: {r_flow['counts']}, reconciles={r_flow['reconciles']}, Odoo write calls {r_flow['odoo_writes']}")
    print(f"  {'contender':<36} {'seconds':>8} {'lines/s':>9} {'Odoo calls':>11} {'posted entries':>15}")
    for name, r in (("ceiling: raw batched create+post", r_ceiling), ("flow: ledger-batch", r_flow)):
        print(f"  {name:<36} {r['seconds']:8.2f} {n / r['seconds']:9.0f} {r['calls']:11d} {r['posted_entries']:15d}")
    print(f"  flow Odoo calls by method: {r_flow['by_method']}")
    print(f"  flow / ceiling throughput: {r_ceiling['seconds'] / r_flow['seconds']:.2f}")


if __name__ == "__main__":
    main()
