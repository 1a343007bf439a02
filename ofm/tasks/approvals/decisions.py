"""What the approval flows share: the held entry a decision is about, one decision at a time per record, and a
rejected change discarded with its audit row in one transaction.

A decision names its record (`procurement:SUP-000123`) and, when it came from `ofm quarantine approve|reject`,
the quarantine entry; a webhook may name only the record, so the entry is looked up: the newest open one of that
record and kind. Deciding is serialised per record by a run lock in the store (every process, every host), and the
entry's status is read again under it: a decision delivered twice (the same event twice, the webhook and the CLI,
two approvers) finds the entry no longer open the second time and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from ofm.store import AuditEntry, QuarantineRow, Store
from ofm.store import audit as store_audit
from ofm.store import quarantine as store_quarantine
from ofm.store import tables as t
from ofm.store.engine import transaction
from ofm.tasks.shared.runinfo import RunInfo

LOCK_WAIT_SECONDS = 300.0  # another run deciding the same record: wait for it (its work is short)
DISCARDED_STEP = "quarantine-discarded"  # the step `ofm quarantine discard` writes too


@dataclass(frozen=True)
class Held:
    """What a decision is about: the kind of entry it may close."""

    object_type: str  # "supplier" | "purchase_order"
    field: str | None = None  # "bank_accounts" for a held bank account; None: any entry of the record

    def fits(self, row: QuarantineRow) -> bool:
        if self.object_type == "supplier":
            return row.category == "approval" and row.field == self.field
        return row.object_type == self.object_type and (self.field is None or row.field == self.field)


BANK_ACCOUNT = Held("supplier", "bank_accounts")
PURCHASE_ORDER = Held("purchase_order")


class MisaddressedDecision(ValueError):
    """The decision names a quarantine entry of another record or kind: nothing is done."""


def entries_of(store: Store, record_ref: str, held: Held) -> list[QuarantineRow]:
    """Every entry of the record that this kind of decision may close, newest first."""
    c = t.quarantine.c
    with transaction(store.engine, readonly=True) as conn:
        ids = list(conn.execute(sa.select(c.id).where(c.record_ref == record_ref)).scalars())
        found = store_quarantine.by_ids(conn, ids)
    return [found[i] for i in sorted(found, reverse=True) if held.fits(found[i])]


def the_entry(store: Store, record_ref: str, quarantine_id: int | None, held: Held) -> QuarantineRow | None:
    """The entry a decision is about: the one it names, else the record's newest open one, else its newest decided
    one (so a repeated decision can say who decided it); None when the record has none."""
    if quarantine_id is not None:
        row = store.get_quarantine(quarantine_id)
        if row is None:
            raise MisaddressedDecision(f"quarantine entry {quarantine_id} does not exist")
        if row.record_ref != record_ref or not held.fits(row):
            raise MisaddressedDecision(f"quarantine entry {quarantine_id} is {row.record_ref} ({row.object_type}, "
                                       f"{row.category}), not a held {held.object_type} of {record_ref}")
        return row
    rows = entries_of(store, record_ref, held)
    return next((r for r in rows if r.status == "open"), rows[0] if rows else None)


@contextmanager
def deciding(store: Store, record_ref: str, run: RunInfo, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the record's decision lock for the block, waiting while another live run holds it."""
    name, owner = f"approval:{record_ref}", run.owner
    deadline = time.monotonic() + wait_seconds
    while (holder := store.acquire_lock(name, owner).owner) != owner:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{record_ref} is being decided by {holder} for more than {wait_seconds:.0f} s")
        time.sleep(0.5)
    try:
        yield
    finally:
        store.release_lock(name, owner)


def already(row: QuarantineRow) -> str:
    """How an entry that is no longer open was closed, in words."""
    when = f" at {row.decided_at:%Y-%m-%d %H:%M:%S} UTC" if row.decided_at else ""
    return f"quarantine entry {row.id} was already {row.status} by {row.decided_by or 'someone'}{when}"


def discard(store: Store, row: QuarantineRow, run: RunInfo, reason: str | None, event_id: str | None) -> bool:
    """Close the entry as discarded by the approver and append the audit row, in one transaction; False when the
    entry was no longer open (someone decided it meanwhile: nothing written)."""
    note = f"rejected by {run.actor}" + (f": {reason}" if reason else "")
    with transaction(store.engine) as conn:
        try:
            store_quarantine.set_status(conn, row.id, "discarded", run.actor, note, _now())
        except ValueError:
            return False
        store_audit.append(conn, [AuditEntry(
            correlation_id=row.correlation_id or run.correlation_id(row.record_ref), flow_run_id=run.flow_run_id,
            actor=run.actor, step=DISCARDED_STEP, record_ref=row.record_ref,
            summary={"quarantine_id": row.id, "decision": "rejected", "note": note, "reason": reason,
                     "event_id": event_id, "field": row.field})], _now())
    return True


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)
