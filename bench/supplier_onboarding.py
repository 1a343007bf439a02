"""supplier-onboarding's row of the bench table (bench/table.py): N suppliers onboarded into the Odoo sandbox.

- ceiling: the same res.partner values created raw, in batches (no inbox, checks, outbox);
- naive:   one `create` call per supplier, as a point-to-point script would;
- flow:    the supplier-onboarding Prefect flow end to end, from a JSON export file.

Usage (this row only): python -m bench.supplier_onboarding [table options]
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from bench.child import timed_flow

BATCH = 200


def _vals(records: list[dict]) -> list[dict]:
    """The partner values the flow would write, built the plain way (for the two baselines)."""
    return [{"name": r["legal_name"], "vat": r["tax_id"], "ref": r["vendor_code"], "email": r["email"],
             "supplier_rank": 1, "is_company": True,
             "bank_ids": [(0, 0, {"acc_number": b["iban"]}) for b in r["bank_accounts"]]}
            for r in records]


def _records(n: int) -> list[dict]:
    from ofm.sandbox.procurement import generate_suppliers

    return generate_suppliers(n, seed=42, dirty=False)


def _outcome(client, seconds: float, before: Counter, **extra) -> dict:
    calls = client.stats.calls - before
    created = client.search_count("res.partner", [["supplier_rank", ">", 0]])
    return {"seconds": round(seconds, 3), "calls": sum(calls.values()), "outcome": {"suppliers in Odoo": created},
            "by_method": {f"{m}.{meth}": k for (m, meth), k in sorted(calls.items())}, **extra}


def contender(flow: str, kind: str, client, n: int, workdir: Path) -> dict:
    records = _records(n)
    if kind == "flow":
        from ofm.flows.supplier_onboarding import supplier_onboarding

        workdir.mkdir(parents=True, exist_ok=True)
        source = workdir / "suppliers.json"
        source.write_text(json.dumps(records))
        cpu = time.process_time()  # the process's CPU, every thread (Prefect's too), with the store's set-up
        result, seconds, before = timed_flow(client, workdir, supplier_onboarding, source, odoo_batch_size=BATCH)
        return _outcome(client, seconds, before, flow_run_id=result["flow_run_id"], counts=result["counts"],
                        cpu_seconds=round(time.process_time() - cpu, 3))
    vals = _vals(records)
    step = BATCH if kind == "ceiling" else 1
    before = Counter(client.stats.calls)
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(vals), step):
        client.create("res.partner", vals[i:i + step])
    return _outcome(client, time.perf_counter() - start, before, cpu_seconds=round(time.process_time() - cpu, 3))


if __name__ == "__main__":
    from bench.table import main

    main(only="supplier-onboarding")
