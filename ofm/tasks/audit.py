"""Audit and quarantine helpers shared by the tasks: one batched store call per step."""

from __future__ import annotations

from typing import Any

from ofm.tasks.outcome import Outcome, Received, RecordResult
from ofm.tasks.resources import resources
from ofm.tasks.runinfo import RunInfo


def audit_rows(run: RunInfo, step: str, rows: list[tuple[str | None, str, dict[str, Any]]]) -> None:
    """Append one audit row per (record_ref, correlation_id, summary), hash-linked, in one call."""
    from ofm.control.store import AuditEntry

    if not rows:
        return
    resources().store.audit([
        AuditEntry(correlation_id=corr, flow_run_id=run.flow_run_id, actor=run.actor, step=step,
                   record_ref=ref, summary=summary)
        for ref, corr, summary in rows
    ])


def quarantine_records(
    run: RunInfo, step: str, rows: list[tuple[Received, str, str, str | None, str]], object_type: str = "supplier",
) -> list[RecordResult]:
    """Quarantine (record, category, reason, field, owner team); audit it; return the outcomes."""
    from ofm.control.store import QuarantineEntry

    if not rows:
        return []
    stored = resources().store.quarantine([
        QuarantineEntry(record_ref=item.record_ref, source=item.mapping, object_type=object_type,
                        category=category, reason=reason, field=fld, owner_team=owner,
                        payload=item.raw, correlation_id=item.lineage.correlation_id,
                        flow_run_id=run.flow_run_id)
        for item, category, reason, fld, owner in rows
    ])
    audit_rows(run, f"quarantined-at-{step}", [
        (item.record_ref, item.lineage.correlation_id,
         {"quarantine_id": q.id, "category": category, "reason": reason, "field": fld,
          "owner_team": owner})
        for (item, category, reason, fld, owner), q in zip(rows, stored, strict=True)
    ])
    outcome = {"approval": Outcome.HELD}
    return [RecordResult(item, outcome.get(category, Outcome.QUARANTINED), reasons=(reason,))
            for item, category, reason, _, _ in rows]
