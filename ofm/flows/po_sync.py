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

from prefect import flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from ofm.tasks.p2p.common import ORDERS, Results, finish, take_in
from ofm.tasks.p2p.orders import sync_orders
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import running
from ofm.tasks.shared.runstate import finish as end_run
from ofm.tasks.shared.runstate import stamp


def _run_name() -> str:
    params = flow_run.parameters
    origin = "replay" if params.get("replay") else ("file" if params.get("source") else "api")
    return f"po-sync-{origin}-{stamp()}"


@flow(name="po-sync", flow_run_name=_run_name, log_prints=False)
def po_sync(source: str | None = None, full_refresh: bool = False, replay: list[int] | None = None,
            actor: str = "ofm") -> dict:
    """Sync purchase orders into Odoo. `source`: an export file instead of the API; `full_refresh`:
    ignore the watermark; `replay`: quarantine ids to process again; `actor`: for the audit trail."""
    from ofm.mappings.p2p_policy import load_p2p_policy

    with running("po-sync", actor) as run:
        res = resources()
        policy = load_p2p_policy(res.settings.p2p_policy)  # a bad policy file stops the run before any read
        writes_before = res.odoo.stats.writes
        intake = take_in(ORDERS, source, full_refresh, replay, run, defer=True)  # kept chunk by chunk
        results = Results(received=intake.count)
        done, entities = sync_orders(quote(intake.unkept), quote(intake.items), policy, run)
        results.add(done)
        return end_run(run, finish(results, ORDERS, intake, run, res.odoo.stats.writes - writes_before, "orders"),
                       ("waiting", "rejected"), sources=["procurement"],
                       companies=entities)
