"""Ledger batches: the journal batches sub-ledgers deliver (payroll, expenses, sales summaries), posted once.

Each delivery file (CSV or JSON, read through its ledger mapping) is kept raw in the inbox, mapped to a
journal batch, checked against Odoo before anything is posted (balance per currency, accounts, taxes,
analytic accounts and distributions, control totals, a batch id or an entry posted before), dated
against the company's lock dates under the source's policy (refuse, defer, or the first open date:
never Odoo's silent re-date), and posted as account.move entries in chunks, exactly once, one run per
company and period. Entries deferred by earlier runs are taken up first. Deliveries pulled from a
ledger-source API are kept in the inbox under the API's name and delivery id and go the same way; the
API's cursor moves past them once they have an outcome. A run leaves: a summary and an exceptions table
in Prefect, quarantine rows naming entry and field, audit rows with the dates.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from ofm.tasks.ledger.check import QUARANTINED, LedgerResults, check_and_decide
from ofm.tasks.ledger.intake import (
    API,
    DEFERRED,
    pull_api_deliveries,
    read_deliveries,
    reads_api,
    save_api_cursor,
    take_up_deferred,
    take_up_held,
)
from ofm.tasks.ledger.odoo import read_references
from ofm.tasks.ledger.post import post_entries
from ofm.tasks.ledger.report import close_through, held_file, publish, unmapped
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import running
from ofm.tasks.shared.runstate import finish, stamp


def _run_name() -> str:
    source = flow_run.parameters.get("source")
    return f"ledger-{Path(str(source)).name if source else 'drop'}-{stamp()}"


@flow(name="ledger-batch", flow_run_name=_run_name, log_prints=False)
def ledger_batch(source: str | None = None, actor: str = "ofm", approve: list[int] | None = None,
                 replay: list[int] | None = None) -> dict:
    """Post the journal batches of `source` (a file or a folder, or `api`: the deliveries of OFM_LEDGER_API_URL
    listed since the last run; default OFM_LEDGER_DROP_DIR, and the API when one is set) and the deferred
    entries whose period has opened. `approve`: quarantine ids of deferred entries a person approved, posted
    now on the first open date. `replay`: quarantine ids of held delivery files, read again from the inbox
    through today's mappings. `actor`: who runs it (or approves), for the audit trail."""
    with running("ledger-batch", actor) as run:
        odoo = resources().odoo
        writes_before = odoo.stats.writes
        results = LedgerResults()
        batches = []
        seen: set[str] = set()
        asked = approve or replay  # a person's decision on quarantined records: those only, unless a source is given
        deliveries = read_deliveries(source, run) if (not asked or source) and source != API else []
        pulled = pull_api_deliveries(run) if reads_api(source, asked) else None  # the ledger-source API
        deliveries = [*take_up_held(run, replay), *deliveries] if replay else deliveries
        deliveries += pulled.files if pulled else []
        unfinished: set[str] = set()  # pulled deliveries the next run must pull again
        for lf in [*take_up_deferred(run, approve), *deliveries]:
            if lf.error:
                results.received += 1
                results.held_files.append(f"{lf.name}: {lf.error}")
                results.add(held_file(lf))
                continue
            # an entry both waiting in the deferred queue and in a delivery read again is one entry received
            fresh = {r.record_ref for r in lf.entries.values()} - seen
            seen.update(fresh)
            results.received += len(fresh)
            results.add(unmapped(lf))
            snap = read_references(quote(lf))
            decided = check_and_decide(quote(lf), quote(snap), run)
            results.add(decided.results)
            posted, refusal = post_entries(quote(lf), quote(decided), quote(snap), run)
            results.add(posted)
            if refusal:
                results.refused_runs.append(f"{lf.name}: {refusal}")
                unfinished.update([lf.received.record_ref] if lf.received else [])
            batches.append({"file": lf.name, "source": lf.batch.source, "batch": lf.batch.batch_id,
                            "legal_entity": lf.batch.legal_entity, "period": lf.batch.period,
                            "entries": len(lf.entries), "refused": refusal})
        if pulled:
            save_api_cursor(quote(pulled), unfinished, run)
        writes = odoo.stats.writes - writes_before
        close_through(results, run)
        markdown = publish(quote(results), run, writes)
        result = {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "counts": results.counts(),
                  "reconciles": results.reconciles(), "odoo_writes": writes, "summary": markdown, "batches": batches,
                  "refused_runs": results.refused_runs, "held_files": results.held_files,
                  "pulled": pulled.listed if pulled else None,
                  "entries": {r.record_ref: {"status": r.status, "move": r.move, "move_id": r.move_id, "date": r.date,
                                             "reasons": list(r.reasons)} for r in results.by_ref.values()}}
        return finish(run, result,
                      (QUARANTINED, DEFERRED), sources=sorted({b["source"] for b in batches}),
                      companies=sorted({b["legal_entity"] for b in batches}))
