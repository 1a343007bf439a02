"""Onboarding N suppliers into the Odoo sandbox: the flow against a ceiling and a naive client.

Three contenders, each against a fresh in-process Odoo sandbox that costs what a real Odoo 19
costs per the contract: 12 ms per call (latency.json: common.version median 11.6 ms) plus 2.3 ms
per record created or written (throughput.json: 500 partners in one create call, 1.15-1.25 s):

- ceiling: the same res.partner values created raw, in batches (no inbox, checks, outbox);
- naive:   one `create` call per supplier, as a point-to-point script would;
- flow:    the supplier-onboarding Prefect flow end to end, from a JSON export file.

Ratios are taken in one run (the machine is noisy; absolute numbers are not comparable
between runs). Usage: python -m bench.supplier_onboarding [--n 5000] [--latency-ms 12]
[--record-cost-ms 2.3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _client(sandbox):
    from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
    from ofm.sandbox.odoo import SandboxTransport

    config = OdooConfig(url="http://odoo.sandbox", db="sandbox", login="integration@example.com",
                        api_key=SecretStr("sandbox-key"), retry=RetryPolicy(max_attempts=3))
    return OdooClient(config, transport=SandboxTransport(sandbox))


COST = {"record_cost_ms": 2.3}


def _sandbox(latency_ms: int):
    from ofm.sandbox.odoo import Faults, OdooSandbox

    sandbox = OdooSandbox()
    sandbox.faults = Faults(latency_ms=latency_ms, record_cost_ms=COST["record_cost_ms"])
    return sandbox


def _vals(records: list[dict]) -> list[dict]:
    """The partner values the flow would write, built the plain way (for the two baselines)."""
    return [{"name": r["legal_name"], "vat": r["tax_id"], "ref": r["vendor_code"], "email": r["email"],
             "supplier_rank": 1, "is_company": True,
             "bank_ids": [(0, 0, {"acc_number": b["iban"]}) for b in r["bank_accounts"]]}
            for r in records]


def ceiling(records: list[dict], latency_ms: int, batch: int) -> float:
    client = _client(_sandbox(latency_ms))
    vals = _vals(records)
    start = time.perf_counter()
    for i in range(0, len(vals), batch):
        client.create("res.partner", vals[i:i + batch])
    return time.perf_counter() - start


def naive(records: list[dict], latency_ms: int) -> float:
    client = _client(_sandbox(latency_ms))
    start = time.perf_counter()
    for vals in _vals(records):
        client.create("res.partner", [vals])
    return time.perf_counter() - start


def flow(records: list[dict], latency_ms: int, batch: int, workdir: Path) -> tuple[float, dict]:
    from ofm.flows.supplier_onboarding import supplier_onboarding
    from ofm.settings import Settings
    from ofm.store import Store
    from ofm.tasks.shared.resources import Resources, use_resources

    source = workdir / "suppliers.json"
    source.write_text(json.dumps(records))
    settings = Settings(_env_file=None, database_url=f"sqlite:///{workdir / 'bench.db'}",
                        ack_dir=workdir / "acks", odoo_batch_size=batch)
    store = Store(settings.database_url)
    store.migrate()
    odoo = _client(_sandbox(latency_ms))
    with use_resources(Resources(settings=settings, store=store, odoo=odoo)):
        start = time.perf_counter()
        result = supplier_onboarding(source=str(source), actor="bench")
        return time.perf_counter() - start, {**result, "odoo_calls": odoo.stats.total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=12)
    parser.add_argument("--record-cost-ms", type=float, default=2.3)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    COST["record_cost_ms"] = args.record_cost_ms

    from prefect.testing.utilities import prefect_test_harness

    from ofm.sandbox.procurement import generate_suppliers

    records = generate_suppliers(args.n, seed=42, dirty=False)
    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=90):
        supplier_onboarding_warmup(records[:20], args.latency_ms, args.batch, Path(tmp) / "warm")
        t_flow, result = flow(records, args.latency_ms, args.batch, Path(tmp))
        t_ceiling = ceiling(records, args.latency_ms, args.batch)
        t_naive = naive(records, args.latency_ms)
    n = args.n
    created = result["counts"]["created"]
    rows = [("ceiling: raw batched create", t_ceiling), ("flow: supplier-onboarding", t_flow),
            ("naive: one call per record", t_naive)]
    print(f"Onboarding {n} suppliers into the Odoo sandbox ({args.latency_ms} ms per call + "
          f"{args.record_cost_ms} ms per record written, batches of {args.batch}); the flow created {created}, "
          f"reconciles={result['reconciles']}, Odoo calls {result['odoo_calls']}")
    for name, seconds in rows:
        print(f"  {name:<30} {seconds:8.2f} s  {n / seconds:9.1f} records/s")
    print(f"  flow / ceiling throughput: {t_ceiling / t_flow:.2f}   flow / naive throughput: {t_naive / t_flow:.2f}")


def supplier_onboarding_warmup(records: list[dict], latency_ms: int, batch: int, workdir: Path) -> None:
    """One small run first, so imports and the first flow run's set-up are not billed to the flow."""
    workdir.mkdir(parents=True, exist_ok=True)
    flow(records, latency_ms, batch, workdir)


if __name__ == "__main__":
    main()
