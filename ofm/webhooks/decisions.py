"""A decision taken at the command line on a quarantine entry, as the same `Approval` a webhook carries.

A held supplier bank account (category `approval`, field `bank_accounts`) is approved or rejected as
`supplier_bank_account.*`; a purchase order entry can be approved as `purchase_order.approved`. Other entries
have no event: they are replayed or discarded as before. The event id is the entry and the decision, so
deciding the same entry the same way twice stores and emits it once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ofm.store import QuarantineRow
from ofm.webhooks.intake import CLI_SOURCE
from ofm.webhooks.schemas import Approval

DECISIONS = ("approved", "rejected")


def is_bank_account_hold(row: QuarantineRow) -> bool:
    return row.category == "approval" and row.field == "bank_accounts"


def approval_from_quarantine(row: QuarantineRow, decision: str, by: str, reason: str | None) -> Approval:
    """The approval event of a decision on an open entry; ValueError saying why there is none."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    if not by.strip():
        raise ValueError("--by must name the person who decides")
    if row.status != "open":
        raise ValueError(f"quarantine entry {row.id} is {row.status}; only open entries can be decided")
    system, colon, record_id = row.record_ref.partition(":")
    if not colon or not record_id:
        raise ValueError(f"quarantine entry {row.id} has no source record reference ({row.record_ref!r})")
    if is_bank_account_hold(row):
        kind, obj = f"supplier_bank_account.{decision}", "supplier"
    elif row.object_type == "purchase_order" and decision == "approved":
        kind, obj = "purchase_order.approved", "po"
    else:
        raise ValueError(f"quarantine entry {row.id} ({row.object_type}, {row.category}) is not a held bank account "
                         "or a purchase order to approve: use `ofm quarantine replay` or `discard`")
    return Approval(kind=kind, system=system, object=obj, record_id=record_id, approver=by.strip(),
                    event_id=f"quarantine-{row.id}-{decision}", via=CLI_SOURCE,
                    decided_at=datetime.now(UTC).isoformat(), quarantine_id=row.id, reason=reason)
