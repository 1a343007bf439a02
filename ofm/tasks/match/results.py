"""What happened to each bill of a three-way match run: the basis of acks, the summary and the counts.

Statuses are the ones the procurement platform is told: `posted` (matched and posted now),
`draft` (matched, left as a draft by policy), `held` (an exception: a draft bill in Odoo with a
note, and a quarantine entry for its owner team), `rejected` (not mapped, supplier unknown, or a
duplicate: nothing created in Odoo), `unchanged` (already in Odoo as it should be).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

STATUSES = ("posted", "draft", "held", "rejected", "unchanged")
ELSEWHERE = "in progress elsewhere"  # another live run owns the bill's intents: it writes and acknowledges it
DELIVERED = ("posted", "draft", "unchanged")
OBJECT_TYPE = "vendor-bill"


@dataclass(frozen=True)
class BillResult:
    """The outcome of one bill in one run."""

    received: Received
    status: str
    odoo_id: int | None = None
    odoo_ref: str | None = None  # the bill's name in Odoo (None while it is a draft)
    reasons: tuple[str, ...] = ()
    owner: str | None = None
    codes: tuple[str, ...] = ()


@dataclass
class Outcomes:
    """One result per bill received; `reconciles` checks that none went missing."""

    received: int = 0
    by_ref: dict[str, BillResult] = field(default_factory=dict)

    def add(self, results: list[BillResult]) -> None:
        for r in results:
            self.by_ref[r.received.record_ref] = r

    def counts(self) -> dict[str, int]:
        seen = Counter(r.status for r in self.by_ref.values())
        left = {ELSEWHERE: seen[ELSEWHERE]} if seen.get(ELSEWHERE) else {}  # only when runs overlapped
        return {"received": self.received, **{s: seen.get(s, 0) for s in STATUSES}, **left}

    def match_rate(self) -> float:
        """Bills that went through without a person, of those that reached the match."""
        c = self.counts()
        decided = c["posted"] + c["draft"] + c["unchanged"] + c["held"]
        return round((decided - c["held"]) / decided, 4) if decided else 0.0

    def reconciles(self) -> bool:
        return self.received == len(self.by_ref)


def reject(run: RunInfo, step: str, rows: list[tuple[Received, str, str, str | None, str]],
           status: str = "rejected", codes: dict[str, tuple[str, ...]] | None = None,
           odoo_ids: dict[str, int] | None = None) -> list[BillResult]:
    """Quarantine (bill, category, reason, field, owner team); audit it; return the outcomes with `status`."""
    from ofm.store import QuarantineEntry

    if not rows:
        return []
    stored = resources().store.quarantine([
        QuarantineEntry(record_ref=item.record_ref, source=item.mapping, object_type=OBJECT_TYPE, category=category,
                        reason=reason, field=fld, owner_team=owner, payload=item.raw,
                        correlation_id=item.lineage.correlation_id, flow_run_id=run.flow_run_id)
        for item, category, reason, fld, owner in rows])
    audit_rows(run, f"quarantined-at-{step}", [
        (item.record_ref, item.lineage.correlation_id, {"quarantine_id": q.id, "category": category,
                                                        "reason": reason, "field": fld, "owner_team": owner})
        for (item, category, reason, fld, owner), q in zip(rows, stored, strict=True)])
    codes, odoo_ids = codes or {}, odoo_ids or {}
    return [BillResult(item, status, odoo_id=odoo_ids.get(item.record_ref), reasons=(reason,), owner=owner,
                       codes=codes.get(item.record_ref, ()))
            for item, _, reason, _, owner in rows]
