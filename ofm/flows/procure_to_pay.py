"""Procure-to-pay in the order the documents depend on each other: orders, then receipts, then bills.

One scheduled deployment runs this: each step is its own flow run (a subflow, visible on its own in
the Prefect UI with its summary and exceptions table), and a step that fails stops the ones after
it, since receipts need their orders in Odoo and bills their orders and receipts. Every step reads
the procurement API from its own watermark, so a run after a failed one picks up where it stopped.
"""

from __future__ import annotations

from prefect import flow

from ofm.flows.goods_receipt import goods_receipt
from ofm.flows.po_sync import po_sync
from ofm.flows.three_way_match import three_way_match
from ofm.tasks.shared.runinfo import current_run, preflight
from ofm.tasks.shared.runstate import EXCEPTIONS_STATE, finish, stamp


def _run_name() -> str:
    return f"procure-to-pay-{stamp()}"


@flow(name="procure-to-pay", flow_run_name=_run_name, log_prints=False)
def procure_to_pay(actor: str = "ofm") -> dict:
    """po-sync, goods-receipt and three-way-match from the procurement API, in that order."""
    preflight("procure-to-pay")  # every step's rights before the first step writes; the steps then ask none
    steps = {}
    for name, step in (("po-sync", po_sync), ("goods-receipt", goods_receipt), ("three-way-match", three_way_match)):
        result = step(actor=actor)
        steps[name] = {"counts": result["counts"], "odoo_writes": result["odoo_writes"],
                       "flow_run_id": result["flow_run_id"], "state": result["state"]}
    waiting = [name for name, s in steps.items() if s["state"] == EXCEPTIONS_STATE]  # each step's run says what
    return finish(current_run("procure-to-pay", actor),
                  {"steps": steps, "odoo_writes": sum(s["odoo_writes"] for s in steps.values())}, len(waiting),
                  counts={"steps": len(steps), "with exceptions": len(waiting)}, sources=["procurement"],
                  warnings=[f"{name} ended with exceptions" for name in waiting])
