"""The outbox: an intent with a unique idempotency key is recorded before Odoo is called.

The database's unique index keeps one row per key; one conditional UPDATE decides which run owns it.
`claim` inserts what is missing with ON CONFLICT DO NOTHING, locks the keys' rows in key order (so
concurrent claimers cannot deadlock), and in the same transaction sets `owner` and `lease_until`
only where the key is not done and has no owner, is already this run's, has an expired lease, or has
an owner known to be dead (owners.py). PostgreSQL (READ COMMITTED) re-checks that WHERE on the newest
row version after a lock wait, and SQLite runs one writer at a time (BEGIN IMMEDIATE), so exactly one
run owns a key at any moment. Only the owner may mark it sent (which renews the lease).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ofm.store import tables as t
from ofm.store.engine import chunks, insert
from ofm.store.owners import is_dead
from ofm.store.redaction import redact
from ofm.store.values import OutboxIntent, OutboxRow

ERROR_LIMIT = 1000
DEFAULT_LEASE_SECONDS = 900.0


class NotOwnerError(LookupError):
    """Keys this run was about to send are owned by another run now (its lease ran out): nothing was marked."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = tuple(sorted(keys))
        super().__init__(f"{len(self.keys)} outbox key(s) are owned by another run now, e.g. {self.keys[0]!r}")

_KEY, _OID = "b_key", "b_odoo_id"  # bind names must differ from column names


def _row(r: Any) -> OutboxRow:
    return OutboxRow(**{name: getattr(r, name) for name in OutboxRow.__dataclass_fields__})


def rows(conn: sa.Connection, keys: Sequence[str]) -> dict[str, OutboxRow]:
    """The stored rows of these keys."""
    found: dict[str, OutboxRow] = {}
    for part in chunks(sorted(set(keys))):
        for r in conn.execute(sa.select(t.outbox).where(t.outbox.c.idempotency_key.in_(part))):
            found[r.idempotency_key] = _row(r)
    return found


def _lock_in_key_order(conn: sa.Connection, where: Any) -> list[Any]:
    """Lock the rows in key order before a multi-row UPDATE (which would lock them in scan order): every
    writer then takes its locks in the same order, so concurrent runs wait for each other, never deadlock."""
    c = t.outbox.c
    return conn.execute(sa.select(c.owner, c.lease_until, c.state).where(where)
                        .order_by(c.idempotency_key).with_for_update()).all()


def claim(conn: sa.Connection, intents: Sequence[OutboxIntent], owner: str, lease_seconds: float,
          now: datetime, redo_done_before: datetime | None = None) -> list[OutboxRow]:
    """Insert the keys not yet known (pending), take the ones free for `owner`; return every key's row.

    `redo_done_before`: keys done before then are taken too, pending again (an idempotent write re-sent).
    """
    if not intents:
        return []
    first: dict[str, OutboxIntent] = {}
    for i in intents:
        first.setdefault(i.idempotency_key, i)
    values = [{"idempotency_key": k, "object_type": i.object_type, "record_ref": i.record_ref,
               "target_model": i.target_model, "operation": i.operation, "payload_hash": i.payload_hash,
               "state": "pending", "attempts": 0, "correlation_id": i.correlation_id, "flow_run_id": i.flow_run_id,
               "created_at": now, "updated_at": now} for k, i in sorted(first.items())]
    conn.execute(insert(conn, t.outbox).on_conflict_do_nothing(index_elements=["idempotency_key"]), values)
    c = t.outbox.c
    for part in chunks(sorted(first)):
        held = _lock_in_key_order(conn, c.idempotency_key.in_(part))
        dead = sorted({r.owner for r in held if r.owner and r.owner != owner and r.state != "done"
                       and r.lease_until is not None and r.lease_until >= now and is_dead(r.owner)})
        free = sa.and_(c.state != "done",
                       sa.or_(c.owner.is_(None), c.owner == owner, c.lease_until < now, c.owner.in_(dead)))
        if redo_done_before is not None:
            free = sa.or_(free, sa.and_(c.state == "done", c.done_at < redo_done_before))
        conn.execute(sa.update(t.outbox).where(c.idempotency_key.in_(part), free)
                     .values(owner=owner, lease_until=now + timedelta(seconds=lease_seconds),
                             state=sa.case((c.state == "done", "pending"), else_=c.state)))
    found = rows(conn, list(first))
    return [found[i.idempotency_key] for i in intents]


def release(conn: sa.Connection, owner: str, now: datetime) -> int:
    """The run ends: its keys not done are free for the next claimer (a `sent` one is settled by anchor)."""
    c = t.outbox.c
    _lock_in_key_order(conn, sa.and_(c.owner == owner, c.state != "done"))
    return conn.execute(sa.update(t.outbox).where(c.owner == owner, c.state != "done")
                        .values(owner=None, lease_until=None, updated_at=now)).rowcount


def _require_all(conn: sa.Connection, keys: set[str], updated: int) -> None:
    if updated != len(keys):
        missing = sorted(keys - set(rows(conn, list(keys))))
        if not missing:  # the driver could not count: every key exists, so nothing is wrong
            return
        raise LookupError(f"{len(missing)} outbox key(s) were never claimed, e.g. {missing[0]!r}")


def mark_sent(conn: sa.Connection, keys: Sequence[str], owner: str, lease_seconds: float, now: datetime) -> None:
    """About to call Odoo: one more attempt, state sent, lease renewed; only for keys `owner` still owns.

    All or nothing: NotOwnerError when another run owns any of the keys now, LookupError for unknown keys.
    """
    c, updated = t.outbox.c, 0
    for part in chunks(sorted(set(keys))):
        _lock_in_key_order(conn, c.idempotency_key.in_(part))
        stmt = (sa.update(t.outbox).where(c.idempotency_key.in_(part), c.owner == owner, c.state != "done")
                .values(state="sent", attempts=c.attempts + 1, sent_at=now, updated_at=now,
                        lease_until=now + timedelta(seconds=lease_seconds)))
        updated += conn.execute(stmt).rowcount
    if updated != len(set(keys)):
        _require_all(conn, set(keys), updated)
        found = rows(conn, list(set(keys)))
        lost = [k for k, r in found.items() if r.owner != owner or r.state == "done"]
        if lost:
            raise NotOwnerError(lost)


def mark_done(conn: sa.Connection, done: Mapping[str, int], now: datetime) -> None:
    """Odoo confirmed: state done, with the id of the Odoo record (the owner stays, as who did it)."""
    if not done:
        return
    c = t.outbox.c
    stmt = (sa.update(t.outbox).where(c.idempotency_key == sa.bindparam(_KEY))
            .values(state="done", odoo_id=sa.bindparam(_OID), done_at=now, updated_at=now, lease_until=None))
    result = conn.execute(stmt, [{_KEY: k, _OID: int(v)} for k, v in sorted(done.items())])
    _require_all(conn, set(done), result.rowcount)


def settle(conn: sa.Connection, done: Mapping[str, int], now: datetime) -> int:
    """Mark done, with their Odoo ids, the known keys not done yet; unknown and done keys are left alone.

    For a re-run that finds in Odoo the record an interrupted run created (its key stayed `sent`): the
    re-run's search may return records this store never claimed, which is not an error here. A key
    already done keeps the Odoo id it was confirmed with. Returns how many rows changed (both drivers
    count the rows of an executemany).
    """
    if not done:
        return 0
    c = t.outbox.c
    stmt = (sa.update(t.outbox).where(c.idempotency_key == sa.bindparam(_KEY), c.state != "done")
            .values(state="done", odoo_id=sa.bindparam(_OID), done_at=now, updated_at=now, lease_until=None))
    return conn.execute(stmt, [{_KEY: k, _OID: int(v)} for k, v in sorted(done.items())]).rowcount


def mark_failed(conn: sa.Connection, key: str, error: str, permanent: bool, now: datetime) -> None:
    """Odoo refused (failed, not retried) or could not be reached (pending again, retried later): released."""
    stmt = (sa.update(t.outbox).where(t.outbox.c.idempotency_key == key)
            .values(state="failed" if permanent else "pending", last_error=redact(error)[:ERROR_LIMIT], updated_at=now,
                    owner=None, lease_until=None))
    _require_all(conn, {key}, conn.execute(stmt).rowcount)
