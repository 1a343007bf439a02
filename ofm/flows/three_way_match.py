"""Three-way match: supplier bills checked against their purchase order lines and receipts, into Odoo once.

Bills come from the procurement platform's invoice intake (API since the watermark, or an export
file) or as UBL/Peppol files; each is kept raw in the inbox, mapped, matched by the vectorised
engine against the Odoo orders (price, quantity billable, tax, currency, duplicates) and written
as one Odoo vendor bill per source document, its lines linked to the order lines: matched bills
are posted, exceptions stay drafts with a note and wait in quarantine for the team that owns the
reason, duplicates are not created at all. A run leaves: acknowledgements at the source, a summary
with the match rate and an exceptions table in Prefect, an audit row per decision naming the
rules and tolerance that decided.
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from ofm.memory import freeze_once
from ofm.tasks.match.decide import decide
from ofm.tasks.match.intake import CURSOR, Bills, extract_bills, extract_replay, map_bills
from ofm.tasks.match.load import load_bills
from ofm.tasks.match.odoo import read_snapshot
from ofm.tasks.match.report import acknowledge, close_quarantine, publish
from ofm.tasks.match.results import ELSEWHERE, Outcomes
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import running
from ofm.tasks.shared.runstate import finish, stamp


def _run_name() -> str:
    params = flow_run.parameters
    origin = "replay" if params.get("replay") else ("file" if params.get("source") else "api")
    return f"match-{origin}-{stamp()}"


def post_matched_default() -> bool:
    """OFM_MATCH_POST_MATCHED (default true): post matched bills, or leave them as drafts for a person."""
    return resources().settings.match_post_matched


@flow(name="three-way-match", flow_run_name=_run_name, log_prints=False)
def three_way_match(source: str | None = None, replay: list[int] | None = None, actor: str = "ofm",
                    post_matched: bool | None = None) -> dict:
    """Match supplier bills and load them into Odoo. `source`: a JSON export, a UBL file or a folder of UBL
    files instead of the API; `replay`: quarantine ids of bills to match again (after the order or receipt
    was fixed); `post_matched`: post matched bills (default OFM_MATCH_POST_MATCHED, true); `actor`: audit."""
    freeze_once()  # the imports out of the collector's walk: no full collection over them mid-run
    with running("three-way-match", actor) as run:
        odoo = resources().odoo
        writes_before = odoo.stats.writes
        post = post_matched_default() if post_matched is None else post_matched
        bills = extract_replay(replay, run) if replay else extract_bills(source, run)
        outcomes = Outcomes(received=len(bills.items))
        mapped, rejected = map_bills(quote(bills.items), run)
        from ofm.rules.match3 import load_policy

        snapshot = read_snapshot(quote(mapped), load_policy().duplicate_window_days, run)
        decided = decide(quote(mapped), quote(snapshot), run)
        outcomes.add([*rejected, *decided.rejected, *load_bills(quote(decided), quote(snapshot), post, run,
                                                                   retry_refused=bool(replay))])
        writes = odoo.stats.writes - writes_before
        acknowledge(quote(outcomes), bills.origin, run)
        close_quarantine(quote(outcomes), replay, run)
        if not outcomes.counts().get(ELSEWHERE):  # should the run that owns them die, the next run reads them
            _advance_watermark(bills)
        markdown = publish(quote(outcomes), run, bills.origin, writes, decided.stats)
        results = list(outcomes.by_ref.values())
        return finish(run, {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "origin": bills.origin,
                "counts": outcomes.counts(), "match_rate": outcomes.match_rate(), "reconciles": outcomes.reconciles(),
                "odoo_writes": writes, "summary": markdown,
                "bills": [{"record": r.received.record_ref, "status": r.status, "odoo_id": r.odoo_id,
                           "odoo_ref": r.odoo_ref} for r in results],
                "exceptions": [{"record": r.received.record_ref, "outcome": r.status, "odoo_id": r.odoo_id,
                                "owner": r.owner, "codes": list(r.codes), "reasons": list(r.reasons)}
                               for r in results if r.status in ("held", "rejected")]},
                      ("held", "rejected"), sources=["procurement"],
                      companies=sorted({m.bill.legal_entity for m in mapped if m.bill.legal_entity}))


def _advance_watermark(bills: Bills) -> None:
    """Only after every bill has an outcome: a crash before this re-reads, never skips."""
    if bills.origin == "api" and bills.watermark:
        resources().store.set_cursor(CURSOR, bills.watermark)
