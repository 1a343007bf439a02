"""Every flow on the Odoo sandbox, in one table: the flow against the raw batched ceiling and a naive client.

Each row is a flow; its three contenders each run in a fresh process (bench/child.py) against a
fresh `ofm sandbox odoo` server process charging what a real Odoo 19 costs per the captured
contract: 12 ms per call and 2.3 ms per record a create or write carries (the middleware's own
work runs beside the server's, not in its interpreter, as with a real Odoo):

- ceiling: the values the flow writes, created raw in batches (no inbox, checks, outbox, audit);
- naive:   the same writes, one call (or one create + its action) per record, as a script would;
- flow:    the Prefect flow end to end from its file, under a temporary Prefect server, after an
           untimed warm-up run against a server of its own.

Set-up (master data, orders to receive or bill, invoices to pay) is not billed. The naive client
runs on at most `--naive-n` records (its rate does not depend on the size: one call per record).
Besides records/s: the Odoo calls of the flow's timed run, and the Prefect task runs the flow run
created, counted through the Prefect API (`/task_runs/count` of that flow run) for the warm-up
and the full run; "per 100,000" extends that line (fixed + per record) to 100,000 records.
Ratios are taken in one run; absolute numbers move with the machine's load.
Usage: python -m bench.table [--flow NAME ...] [--scale 1.0] [--latency-ms 12] [--record-cost-ms 2.3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from bench.child import per_100k, sandbox_server, spawn, task_runs

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

TARGET = "OFM_BENCH_SANDBOX"  # JSON {target: {...}, warm: {...}} of the servers the parent started for the child


@dataclass(frozen=True)
class Row:
    """A flow's row: the bench module that provides `contender(flow, kind, client, n, workdir)`, its size."""

    flow: str
    module: str
    n: int  # records of the flow and the ceiling
    unit: str
    naive_n: int  # records of the naive client (its rate is flat in the size)
    warm_n: int  # records of the flow's untimed warm-up run (also the small point of the task-run count)


ROWS = (
    Row("supplier-onboarding", "bench.supplier_onboarding", 5000, "suppliers", 1000, 20),
    Row("po-sync", "bench.po_sync", 1000, "orders", 300, 20),
    Row("goods-receipt", "bench.sandbox_p2p", 300, "receipts", 100, 5),
    Row("three-way-match", "bench.sandbox_p2p", 300, "bills", 100, 5),
    Row("bank-reconciliation", "bench.sandbox_bank", 300, "entries", 100, 5),
    Row("ledger-batch", "bench.ledger_posting", 20_000, "journal lines", 2_000, 200),
)
BY_FLOW = {r.flow: r for r in ROWS}


def client_of(target: dict):
    from pydantic import SecretStr

    from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy

    return OdooClient(OdooConfig(url=target["url"], db=target["db"], login=target["login"],
                                 api_key=SecretStr(target["api_key"]), timeout_seconds=600,
                                 retry=RetryPolicy(max_attempts=3)))


def _child(flow: str, kind: str, n: str) -> dict[str, Any]:
    """In the child: one contender; the flow under a temporary Prefect server, warm-up first."""
    row = BY_FLOW[flow]
    module = import_module(row.module)
    servers = json.loads(os.environ[TARGET])
    client = client_of(servers["target"])
    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp:
        if kind != "flow":
            return module.contender(flow, kind, client, int(n), Path(tmp))
        from prefect.testing.utilities import prefect_test_harness

        with prefect_test_harness(server_startup_timeout=90):
            warm = module.contender(flow, kind, client_of(servers["warm"]), row.warm_n, Path(tmp) / "warm")
            out = module.contender(flow, kind, client, int(n), Path(tmp) / "run")
            out["task_runs"] = task_runs(out.pop("flow_run_id"))
            out["warm_task_runs"] = task_runs(warm["flow_run_id"])
            return out


def measure(row: Row, kind: str, n: int, latency_ms: int, record_cost_ms: float) -> dict[str, Any]:
    """One contender in a fresh process against fresh sandbox server(s)."""
    with sandbox_server(latency_ms, record_cost_ms) as target, \
            sandbox_server(latency_ms, record_cost_ms) as warm:
        os.environ[TARGET] = json.dumps({"target": target, "warm": warm})
        try:
            return spawn("bench.table", row.flow, kind, n)
        except subprocess.CalledProcessError as exc:  # show why the child failed, not only that it did
            sys.stderr.write(exc.stderr or "")
            raise


def run_row(row: Row, scale: float, latency_ms: int, record_cost_ms: float) -> dict[str, Any]:
    n = max(row.warm_n * 2, int(row.n * scale))
    naive_n = max(1, min(n, int(row.naive_n * scale)))
    out = {"row": row, "n": n, "naive_n": naive_n}
    for kind, size in (("flow", n), ("ceiling", n), ("naive", naive_n)):
        out[kind] = measure(row, kind, size, latency_ms, record_cost_ms)
    return out


def table(results: list[dict[str, Any]]) -> str:
    head = ("| flow | records | flow records/s | ceiling records/s | naive records/s | flow / ceiling | flow × naive "
            "| flow's Odoo calls | ceiling's Odoo calls | task runs (warm-up / run) | task runs per 100,000 |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        row, n, f, c, v = r["row"], r["n"], r["flow"], r["ceiling"], r["naive"]
        rf, rc, rv = n / f["seconds"], n / c["seconds"], r["naive_n"] / v["seconds"]
        lines.append(f"| {row.flow} | {n:,} {row.unit} | {rf:,.1f} | {rc:,.1f} | {rv:,.1f} | {rf / rc:.2f} "
                     f"| {rf / rv:.1f} | {f['calls']:,} | {c['calls']:,} | {f['warm_task_runs']} / {f['task_runs']} "
                     f"| {per_100k(row.warm_n, f['warm_task_runs'], n, f['task_runs']):,.0f} |")
    return "\n".join(lines)


def main(only: str | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow", action="append", choices=[r.flow for r in ROWS], help="only these rows")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every row's size")
    parser.add_argument("--latency-ms", type=int, default=12)
    parser.add_argument("--record-cost-ms", type=float, default=2.3)
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.flow = args.flow or ([only] if only else None)
    if args._child:
        flow, kind, n = args._child.split(":", 2)
        print(json.dumps(_child(flow, kind, n)))
        return
    results = []
    for row in ROWS:
        if args.flow and row.flow not in args.flow:
            continue
        try:
            result = run_row(row, args.scale, args.latency_ms, args.record_cost_ms)
        except subprocess.CalledProcessError:  # its child's error is on stderr; the other rows still run
            print(f"{row.flow}: FAILED (see above)", flush=True)
            continue
        results.append(result)
        f = result["flow"]
        print(f"{row.flow}: flow {f['seconds']:.2f} s, ceiling {result['ceiling']['seconds']:.2f} s, naive "
              f"{result['naive']['seconds']:.2f} s ({result['naive_n']} records); flow "
              f"{ {k: v for k, v in f.items() if k not in ('seconds', 'calls', 'by_method')} }; "
              f"flow calls {f.get('by_method')}", flush=True)
    print(f"\nEvery flow on the Odoo sandbox ({args.latency_ms} ms per call + {args.record_cost_ms} ms per record "
          "written), each contender in a fresh process against a fresh sandbox server:\n")
    print(table(results))


if __name__ == "__main__":
    main()
