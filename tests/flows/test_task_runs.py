"""Prefect task runs per flow run stay flat in the number of records: at most 200 per 100,000 records.

Each flow run's task runs are counted through the Prefect API (`/task_runs/count` of that flow run,
read until the count settles: the server records task runs from events), for a small and a sized
input; the line through the two gives the count at 100,000 records. A flow that made a task per
record (or per small batch) would grow with the input and fail here.
"""

from __future__ import annotations

import json

import pytest
from flow_world import world
from p2p_world import export, line, order, seed_odoo

from bench.child import per_100k, task_runs
from ofm.flows.po_sync import po_sync
from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.sandbox.procurement import generate_suppliers

pytestmark = pytest.mark.usefixtures("prefect_harness")

SMALL, SIZED = 10, 300


def _suppliers(tmp_path, n: int) -> tuple[int, int]:
    """Task runs of a supplier-onboarding run over n suppliers, and how many Odoo holds afterwards."""
    folder = tmp_path / f"suppliers-{n}"
    folder.mkdir()
    with world(folder, batch_size=200) as w:
        source = folder / "suppliers.json"
        source.write_text(json.dumps(generate_suppliers(n, seed=11, dirty=False)))
        out = supplier_onboarding(source=str(source), actor="test")
        return task_runs(out["flow_run_id"]), len(w.partners())


def _orders(tmp_path, n: int) -> tuple[int, int]:
    """Task runs of a po-sync run over n orders, and how many Odoo holds confirmed afterwards."""
    folder = tmp_path / f"orders-{n}"
    folder.mkdir()
    with world(folder, batch_size=200) as w:
        seed_odoo(w.odoo)
        out = po_sync(source=export(folder, *[order(f"PO-{i:05d}", line(1), line(2, "OFM-DESK", "4", "450.00"))
                                              for i in range(n)]), actor="test")
        confirmed = w.odoo.search_count("purchase.order", [["state", "=", "purchase"]])
        return task_runs(out["flow_run_id"]), confirmed


@pytest.mark.parametrize("run", [_suppliers, _orders], ids=["supplier-onboarding", "po-sync"])
def test_task_runs_do_not_grow_with_the_records(run, tmp_path):
    small, small_in_odoo = run(tmp_path, SMALL)
    sized, sized_in_odoo = run(tmp_path, SIZED)
    assert (small_in_odoo, sized_in_odoo) == (SMALL, SIZED), "the runs did not deliver every record"
    assert 0 < small <= sized
    assert per_100k(SMALL, small, SIZED, sized) <= 200, f"{small} task runs for {SMALL} records, {sized} for {SIZED}"
