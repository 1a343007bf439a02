"""Keeping approvals: the raw event in the inbox and the approver in the audit chain, in one transaction.

The inbox is the store of record: source `webhook:<source>` (or `cli`), object type the event type,
external id the event id. Its unique key covers the content hash too, so exactly-once per event id is
settled here: under a per-source lock (SQLite: the write transaction's BEGIN IMMEDIATE; PostgreSQL: an
advisory lock) an event id already stored is a duplicate whatever its body. The same lock keeps each
source's inbox ids in commit order, which is what lets one cursor per source say what was emitted:
rows above `event-relay:<source>` in the sync cursors are stored but not emitted yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ofm.store import AuditEntry, InboxItem, Store
from ofm.store import audit as store_audit
from ofm.store import inbox as store_inbox
from ofm.store import tables as t
from ofm.store.engine import lock, transaction
from ofm.webhooks.schemas import DATA, Approval

CLI_SOURCE = "cli"  # intake source of `ofm quarantine approve|reject`
AUDIT_STEP = "approval-received"


@dataclass(frozen=True)
class Stored:
    """Where the event is kept; `duplicate`: its event id was already there (nothing new stored or audited)."""

    inbox_id: int
    duplicate: bool


def cursor_name(intake_source: str) -> str:
    return f"event-relay:{intake_source}"


def _stored_id(conn: sa.Connection, intake_source: str, event_id: str) -> int | None:
    c = t.inbox.c
    query = (sa.select(c.id).where(c.source == intake_source, c.object_type.in_(sorted(DATA)),
                                   c.external_id == event_id).order_by(c.id).limit(1))
    return conn.execute(query).scalar_one_or_none()


def store_approval(store: Store, intake_source: str, approval: Approval, raw: dict[str, Any]) -> Stored:
    """Keep the event (and, when new, the approver's audit row); a known event id is a duplicate."""
    item = InboxItem(source=intake_source, object_type=approval.kind, external_id=approval.event_id, revision=None,
                     payload={"approval": approval.as_dict(), **raw})
    now = datetime.now(UTC)
    with transaction(store.engine) as conn:
        lock(conn, f"inbox:{intake_source}")
        known = _stored_id(conn, intake_source, approval.event_id)
        if known is not None:
            return Stored(known, duplicate=True)
        row = store_inbox.receive(conn, [item], now)[0]
        store_audit.append(conn, [AuditEntry(
            correlation_id=f"{intake_source}:{approval.event_id}", flow_run_id=None, actor=approval.approver,
            step=AUDIT_STEP, record_ref=approval.record_ref,
            summary={"event": approval.event_name, "resource": approval.resource_id, "decision": approval.decision,
                     "via": approval.via, "event_id": approval.event_id, "inbox_id": row.id,
                     "quarantine_id": approval.quarantine_id, "decided_at": approval.decided_at,
                     "reason": approval.reason})], now)
        return Stored(row.id, duplicate=False)


def pending(store: Store, intake_source: str, limit: int = 100) -> list[tuple[int, Approval]]:
    """Stored events of one intake source not emitted yet, oldest first."""
    after = int(store.get_cursor(cursor_name(intake_source)) or 0)
    c = t.inbox.c
    query = (sa.select(c.id, c.payload).where(c.source == intake_source, c.object_type.in_(sorted(DATA)),
                                              c.id > after).order_by(c.id).limit(limit))
    with transaction(store.engine, readonly=True) as conn:
        return [(r.id, Approval.from_dict(r.payload["approval"])) for r in conn.execute(query)]


def mark_emitted(store: Store, intake_source: str, inbox_id: int) -> None:
    """Prefect has the event of this inbox row (and of every earlier row of the source)."""
    store.set_cursor(cursor_name(intake_source), str(inbox_id))


def emitted_up_to(store: Store, intake_source: str) -> int:
    return int(store.get_cursor(cursor_name(intake_source)) or 0)
