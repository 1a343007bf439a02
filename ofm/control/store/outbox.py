"""The outbox: an intent with a unique idempotency key is recorded before Odoo is called.

The database's unique index, not this code, decides who owns a key: `claim` inserts what is missing
with ON CONFLICT DO NOTHING (keys sorted, so concurrent claimers lock in the same order and cannot
deadlock) and then reads every key back, whoever inserted it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ofm.control.store import tables as t
from ofm.control.store.engine import chunks, insert
from ofm.control.store.redaction import redact
from ofm.control.store.values import OutboxIntent, OutboxRow

ERROR_LIMIT = 1000
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


def claim(conn: sa.Connection, intents: Sequence[OutboxIntent], now: datetime) -> list[OutboxRow]:
    """Insert the keys not yet known (state pending); return every key's row as it now stands."""
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
    found = rows(conn, list(first))
    return [found[i.idempotency_key] for i in intents]


def _require_all(conn: sa.Connection, keys: set[str], updated: int) -> None:
    if updated != len(keys):
        missing = sorted(keys - set(rows(conn, list(keys))))
        if not missing:  # the driver could not count: every key exists, so nothing is wrong
            return
        raise LookupError(f"{len(missing)} outbox key(s) were never claimed, e.g. {missing[0]!r}")


def mark_sent(conn: sa.Connection, keys: Sequence[str], now: datetime) -> None:
    """About to call Odoo: one more attempt, state sent (a crash now leaves the key `sent`)."""
    c, updated = t.outbox.c, 0
    for part in chunks(sorted(set(keys))):
        stmt = (sa.update(t.outbox).where(c.idempotency_key.in_(part))
                .values(state="sent", attempts=c.attempts + 1, sent_at=now, updated_at=now))
        updated += conn.execute(stmt).rowcount
    _require_all(conn, set(keys), updated)


def mark_done(conn: sa.Connection, done: Mapping[str, int], now: datetime) -> None:
    """Odoo confirmed: state done, with the id of the Odoo record."""
    if not done:
        return
    c = t.outbox.c
    stmt = (sa.update(t.outbox).where(c.idempotency_key == sa.bindparam(_KEY))
            .values(state="done", odoo_id=sa.bindparam(_OID), done_at=now, updated_at=now))
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
            .values(state="done", odoo_id=sa.bindparam(_OID), done_at=now, updated_at=now))
    return conn.execute(stmt, [{_KEY: k, _OID: int(v)} for k, v in sorted(done.items())]).rowcount


def mark_failed(conn: sa.Connection, key: str, error: str, permanent: bool, now: datetime) -> None:
    """Odoo refused (failed, not retried) or could not be reached (pending again, retried later)."""
    stmt = (sa.update(t.outbox).where(t.outbox.c.idempotency_key == key)
            .values(state="failed" if permanent else "pending", last_error=redact(error)[:ERROR_LIMIT], updated_at=now))
    _require_all(conn, {key}, conn.execute(stmt).rowcount)
