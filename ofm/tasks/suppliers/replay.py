"""Replay from quarantine: a person fixed the data or approved a held change; run it again.

Approval-category entries carry the approval with them: replaying a held bank-account change
applies it, replaying a lookalike creates the supplier as new. Entries that are delivered on
replay are closed as `replayed`; the others stay open with their (new) reason.
"""

from __future__ import annotations

from dataclasses import replace

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.tasks.shared.outcome import Outcome, Tally
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo
from ofm.tasks.suppliers.intake import Extracted, to_inbox
from ofm.tasks.suppliers.partners import Approvals

DELIVERED = (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED)


@task(name="extract-from-quarantine", cache_policy=NO_CACHE)
def extract_replay(ids: list[int], run: RunInfo) -> tuple[Extracted, Approvals]:
    """Raw payloads of open quarantine entries, back through the inbox, with their approvals."""
    store = resources().store
    rows = []
    for qid in ids:
        row = store.get_quarantine(qid)
        if row is None:
            raise ValueError(f"quarantine entry {qid} does not exist")
        if row.status != "open":
            raise ValueError(f"quarantine entry {qid} is {row.status}; only open entries can be replayed")
        rows.append(row)
    items = []
    for mapping in sorted({r.source for r in rows}):
        group = [r for r in rows if r.source == mapping]
        received = to_inbox([r.payload for r in group], mapping, run)
        qids = {r.record_ref: r.id for r in group}
        items += [replace(item, quarantine_id=qids.get(item.record_ref)) for item in received]
    approved = [r for r in rows if r.category == "approval"]
    approvals = Approvals(
        review=frozenset(r.record_ref for r in approved if r.field != "bank_accounts"),
        bank=frozenset(r.record_ref for r in approved if r.field == "bank_accounts"))
    return Extracted(items, None, "replay"), approvals


@task(name="settle-quarantine", cache_policy=NO_CACHE)
def settle_replayed(ids: list[int], tally: Tally, run: RunInfo) -> None:
    """Close the replayed entries that were delivered; keep the others open."""
    store = resources().store
    for result in tally.results.values():
        qid = result.received.quarantine_id
        if qid in ids and result.outcome in DELIVERED:
            note = f"replayed: {result.outcome.value}"
            note += f", Odoo id {result.odoo_id}" if result.odoo_id else ""
            store.set_quarantine_status(qid, "replayed", actor=run.actor, note=note)


@task(name="close-delivered-quarantine", cache_policy=NO_CACHE)
def close_delivered(tally: Tally, run: RunInfo) -> int:
    """A record delivered now (fixed at the source, say) no longer needs its open quarantine entries."""
    refs = sorted(r.received.record_ref for r in tally.results.values() if r.outcome in DELIVERED)
    if not refs:
        return 0
    return resources().store.resolve_open(refs, actor=run.actor, note=f"delivered in run {run.run_id}")
