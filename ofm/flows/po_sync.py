"""Purchase-order sync: approved procurement orders become confirmed Odoo purchase orders, exactly once.

Orders are read from the procurement API (since the last watermark) or an export file, kept raw
in the inbox, mapped to canonical orders, and checked against Odoo before anything is written
(supplier, company by legal entity, currency, products, taxes, units, analytic accounts). An
order whose supplier is not onboarded yet waits (quarantine category `dependency`) and goes
through by itself in a later run. New orders are created with the procurement number as
`origin`/`partner_ref` and confirmed; a newer revision is written as a diff of the lines; a
cancellation is applied unless something was received or billed. The platform is told the Odoo
reference or the reason; every decision is in the audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from ofm.tasks.p2p_common import (
    ORDERS,
    Intake,
    Results,
    acknowledge,
    close_through,
    from_quarantine,
    merge,
    publish,
    read_source,
)
from ofm.tasks.po_sync import load_orders, map_orders, plan_orders
from ofm.tasks.resources import resources
from ofm.tasks.runinfo import current_run


def _run_name() -> str:
    params = flow_run.parameters
    origin = "replay" if params.get("replay") else ("file" if params.get("source") else "api")
    return f"po-sync-{origin}-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="po-sync", flow_run_name=_run_name, log_prints=False)
def po_sync(source: str | None = None, full_refresh: bool = False, replay: list[int] | None = None,
            actor: str = "ofm") -> dict:
    """Sync purchase orders into Odoo. `source`: an export file instead of the API; `full_refresh`:
    ignore the watermark; `replay`: quarantine ids to process again; `actor`: for the audit trail."""
    from ofm.mappings.p2p_policy import load_p2p_policy

    run = current_run("po-sync", actor)
    res = resources()
    policy = load_p2p_policy(res.settings.p2p_policy)  # a bad policy file stops the run before any read
    writes_before = res.odoo.stats.writes
    if replay:
        intake = Intake(from_quarantine(ORDERS, run, replay), None, "replay")
    else:
        intake = read_source(ORDERS, source, full_refresh, run)
        intake = Intake(merge(intake.items, from_quarantine(ORDERS, run)), intake.watermark, intake.origin)
    results = Results(received=len(intake.items))
    mapped, refused = map_orders(quote(intake.items), run)
    results.add(refused)
    plans, settled = plan_orders(quote(mapped), policy, run)
    results.add(settled)
    results.add(load_orders(quote(plans), run))
    writes = res.odoo.stats.writes - writes_before
    close_through(results, run)
    acknowledge(results, ORDERS, intake.origin, run)
    if intake.origin == "api" and intake.watermark:
        res.store.set_cursor(ORDERS.cursor, intake.watermark)  # only now: a crash before re-reads, never skips
    markdown = publish(results, ORDERS, run, intake.origin, writes)
    return {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "origin": intake.origin,
            "counts": results.counts(), "reconciles": results.reconciles(), "odoo_writes": writes,
            "summary": markdown,
            "orders": {r.received.lineage.external_id: {"status": r.status, "odoo": r.odoo_ref,
                                                        "reasons": list(r.reasons)}
                       for r in results.by_ref.values()}}
