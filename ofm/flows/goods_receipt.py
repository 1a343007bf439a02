"""Goods receipts: procurement receipt confirmations applied to the receipts Odoo created for the orders.

Receipts are read from the procurement API (since the last watermark) or an export file, kept raw in
the inbox, mapped, and applied per order in receipt-date order: quantities converted into the moves'
units and written on the open receipt's moves, the picking validated as captured on a real Odoo 19;
a partial receipt follows the backorder policy (p2p.yaml `receipts.backorder`), the next one lands
on the backorder and adds; more than ordered is refused (`over_receipt`). A receipt is reported
`applied` only once Odoo shows its picking done; one Odoo did not carry out is quarantined
(`technical`) with what Odoo shows and applied again by the next run. A receipt whose order is not
in Odoo yet waits (quarantine `dependency`) and goes through by itself later.
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from ofm.tasks.p2p.common import RECEIPTS, Results, finish, take_in
from ofm.tasks.p2p.receipts import apply_receipts, map_receipts
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import running
from ofm.tasks.shared.runstate import finish as end_run
from ofm.tasks.shared.runstate import stamp


def _run_name() -> str:
    params = flow_run.parameters
    origin = "replay" if params.get("replay") else ("file" if params.get("source") else "api")
    return f"goods-receipt-{origin}-{stamp()}"


@flow(name="goods-receipt", flow_run_name=_run_name, log_prints=False)
def goods_receipt(source: str | None = None, full_refresh: bool = False, replay: list[int] | None = None,
                  actor: str = "ofm") -> dict:
    """Apply goods receipts in Odoo. `source`: an export file instead of the API; `full_refresh`:
    ignore the watermark; `replay`: quarantine ids to process again; `actor`: for the audit trail."""
    from ofm.mappings.p2p_policy import load_p2p_policy

    with running("goods-receipt", actor) as run:
        res = resources()
        policy = load_p2p_policy(res.settings.p2p_policy)
        writes_before = res.odoo.stats.writes
        intake = take_in(RECEIPTS, source, full_refresh, replay, run)
        results = Results(received=len(intake.items))
        mapped, refused = map_receipts(quote(intake.items), run)
        results.add(refused)
        results.add(apply_receipts(quote(mapped), policy, run))
        result = finish(results, RECEIPTS, intake, run, res.odoo.stats.writes - writes_before, "receipts",
                        extra=f"Backorder policy: **{policy.backorder}**; over-receipt allowed: "
                              f"**{policy.over_receipt_percent} %**.")
        return end_run(run, result, ("waiting", "rejected"), sources=["procurement"])
