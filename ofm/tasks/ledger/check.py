"""Checks and dates of a journal batch: refused entries to quarantine, locked ones refused, deferred or moved.

Wraps the pure rules (`ofm.rules.ledger`) with the store: each refused entry is quarantined with the
field and the reason (owner: the source's team, accounting by default), each deferred entry waits in
the deferred queue (quarantine category `deferred`), and every decision leaves an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.rules.ledger import BatchCheck, DateDecision, check_batch, decide_dates
from ofm.tasks.ledger.intake import DEFERRED, LedgerFile, deferred_payload
from ofm.tasks.ledger.odoo import Snapshot
from ofm.tasks.shared.audit import audit_rows, quarantine_records
from ofm.tasks.shared.ownership import ELSEWHERE
from ofm.tasks.shared.runinfo import RunInfo

POSTED, ALREADY, QUARANTINED = "posted", "already posted", "quarantined"
STATUSES = (POSTED, ALREADY, QUARANTINED, DEFERRED, ELSEWHERE)


@dataclass(frozen=True)
class EntryResult:
    """What became of one entry in this run."""

    record_ref: str
    status: str
    move_id: int | None = None
    move: str | None = None  # Odoo's name, e.g. MISC/2026/11/0003
    date: str | None = None  # the accounting date Odoo holds
    reasons: tuple[str, ...] = ()


@dataclass
class LedgerResults:
    """Outcomes of a run, one per entry received; `reconciles` checks nothing went missing."""

    received: int = 0
    by_ref: dict[str, EntryResult] = field(default_factory=dict)
    refused_runs: list[str] = field(default_factory=list)  # batches another live run was posting
    held_files: list[str] = field(default_factory=list)

    def add(self, results: list[EntryResult]) -> None:
        for r in results:
            self.by_ref[r.record_ref] = r

    def counts(self) -> dict[str, int]:
        out = {"received": self.received, **{s: 0 for s in STATUSES}}
        for r in self.by_ref.values():
            out[r.status] += 1
        return out

    def reconciles(self) -> bool:
        """received = posted + already posted + quarantined + deferred + in progress elsewhere."""
        c = self.counts()
        return c["received"] == sum(c[s] for s in STATUSES)


@dataclass
class Decided:
    """The entries to post on their dates (entry number -> decision), and the results of the others."""

    check: BatchCheck
    to_post: dict[str, DateDecision] = field(default_factory=dict)
    results: list[EntryResult] = field(default_factory=list)


def _quarantine(lf: LedgerFile, run: RunInfo, step: str, rows: list[tuple[str, str, str, str]]) -> list[EntryResult]:
    """(entry number, category, reason, field) into the quarantine; the entries' results."""
    owner = lf.mapping.owner_team
    quarantine_records(run, step, [(lf.entries[n], category, f"{lf.entries[n].record_ref}: {reason}", fld, owner)
                                   for n, category, reason, fld in rows], object_type="journal-entry")
    return [EntryResult(lf.entries[n].record_ref, DEFERRED if category == DEFERRED else QUARANTINED,
                        reasons=(reason,)) for n, category, reason, _ in rows]


@task(name="check-and-date-ledger-batch", cache_policy=NO_CACHE)
def check_and_decide(lf: LedgerFile, snap: Snapshot, run: RunInfo) -> Decided:
    """Run the checks; decide each passing entry's date against the lock dates under the source's policy."""
    check = check_batch(lf.batch, lf.mapping, snap.refs, lf.sums if lf.complete else None, lf.complete)
    decided = Decided(check)
    refused = [(r.number, r.category, r.reason, r.field) for r in check.refused]
    decisions = decide_dates(check.passed, snap.locks, snap.journal_type, lf.batch.locked_period)
    for number, landed in check.already.items():  # drafts a stopped run created: posted on their own date
        if landed.state == "draft":
            entry = lf.entry(number)
            on = date.fromisoformat(landed.date)
            binding = snap.locks.binding(on, snap.journal_type, any(line.tax_code for line in entry.lines))
            decisions[number] = DateDecision("post", on) if binding is None else DateDecision(
                "refuse", None, f"account.move {landed.move_id} is a draft dated {on} in a locked period "
                                f"({binding[0]} {binding[1]}); left as it is")
    for number, decision in decisions.items():
        if decision.action == "post":
            decided.to_post[number] = decision
        elif decision.action == "refuse":
            refused.append((number, "period", decision.reason, "accounting_date"))
    decided.results += _quarantine(lf, run, "check", refused)
    deferred = [n for n, d in decisions.items() if d.action == "defer"]
    if deferred:
        owner = lf.mapping.owner_team
        from ofm.tasks.shared.outcome import Received

        # the deferred queue keeps the entry itself, so a later run posts it without its file
        waiting = [Received(raw=deferred_payload(lf, lf.entry(n)), lineage=lf.entries[n].lineage,
                            mapping=f"ledger/{lf.batch.source}") for n in deferred]
        quarantine_records(run, "defer", [(w, DEFERRED, f"{w.record_ref}: {decisions[n].reason}", "accounting_date",
                                           owner) for w, n in zip(waiting, deferred, strict=True)],
                           object_type="journal-entry")
        decided.results += [EntryResult(lf.entries[n].record_ref, DEFERRED, reasons=(decisions[n].reason,))
                            for n in deferred]
    # an entry posted on its own date has its audit row when posted; one moved to the first open date here too
    audit_rows(run, "dated", [(lf.entries[n].record_ref, lf.entries[n].lineage.correlation_id,
                               {"post_date": str(d.post_date), "original_date": str(d.original_date),
                                "reason": d.reason})
                              for n, d in decided.to_post.items() if d.original_date])
    return decided
