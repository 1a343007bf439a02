"""`Store`: the control plane's one door to its database. Each method is one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa

from ofm.store import audit as _audit
from ofm.store import inbox as _inbox
from ofm.store import locks as _locks
from ofm.store import outbox as _outbox
from ofm.store import quarantine as _quarantine
from ofm.store import tables as t
from ofm.store.engine import chunks, create_engine, insert, run_unit
from ofm.store.migrate import upgrade
from ofm.store.values import (
    AuditEntry,
    AuditRow,
    AuditVerdict,
    InboxItem,
    InboxRow,
    OutboxIntent,
    OutboxRow,
    QuarantineEntry,
    QuarantineRow,
)

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """Inbox, outbox, quarantine, audit chain, sync cursors and run metrics on SQLite or PostgreSQL.

    `url` is a SQLAlchemy URL (`sqlite:///var/ofm.db`, `postgresql+psycopg://user@host/db`); driver options
    ride along as query parameters, e.g. `?options=-csearch_path%3Dmy_schema` to use another schema.
    Returned rows are frozen plain objects, valid after the transaction ended; datetimes are UTC.
    """

    def __init__(self, url: str, lease_seconds: float = _outbox.DEFAULT_LEASE_SECONDS) -> None:
        self._url = url  # holds the password: never shown (repr uses the engine's masked URL)
        self.engine: sa.Engine = create_engine(url)
        self.lease_seconds = lease_seconds  # how long a claimed key stays a run's without it marking it sent

    def __repr__(self) -> str:
        return f"Store({self.engine.url!r})"  # SQLAlchemy masks the password

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    def _write(self, work: Callable[[sa.Connection], T]) -> T:
        """One write transaction, run again as a whole if PostgreSQL went away under it (`run_unit`)."""
        return run_unit(self.engine, work)

    def _read(self, work: Callable[[sa.Connection], T]) -> T:
        """One read-only transaction (one snapshot), run again if PostgreSQL went away under it."""
        return run_unit(self.engine, work, readonly=True)

    def migrate(self) -> None:
        """Alembic upgrade to head: creates the SQLite file's folder; nearly free once at head."""
        upgrade(self.engine, self._url)

    # ---- inbox ----------------------------------------------------------------------------------

    def receive(self, items: Sequence[InboxItem]) -> list[InboxRow]:
        """Keep raw payloads (sha256 over canonical JSON); identical content is stored once."""
        return self._write(lambda conn: _inbox.receive(conn, items, _now()))

    def inbox_payload(self, source: str, object_type: str, external_id: str) -> dict | None:
        """The newest payload received for a source record (replays read the raw record back)."""
        return self._read(lambda conn: _inbox.latest_payload(conn, source, object_type, external_id))

    # ---- outbox ---------------------------------------------------------------------------------

    def claim(self, intents: Sequence[OutboxIntent], owner: str,
              redo_done_before: datetime | None = None) -> list[OutboxRow]:
        """Record write intents (pending) under their unique keys and take for `owner` those free to take.

        Free: not done, and no owner, or `owner` already, or a lease that ended, or an owner known dead.
        Every key comes back as it now stands: `row.held_by(owner)` says whether this run may send it.
        `redo_done_before`: keys done before then are taken as well, pending again (idempotent re-writes).
        """
        return self._write(lambda conn: _outbox.claim(conn, intents, owner, self.lease_seconds, _now(),
                                                      redo_done_before))

    def release(self, owner: str) -> int:
        """A run ends: its keys not done are free for the next claimer. Returns how many."""
        return self._write(lambda conn: _outbox.release(conn, owner, _now()))

    def outbox_rows(self, keys: Sequence[str]) -> dict[str, OutboxRow]:
        """The stored outbox rows of these keys (absent keys are not in the result); claims nothing."""
        return self._read(lambda conn: _outbox.rows(conn, keys))

    def mark_sent(self, keys: Sequence[str], owner: str) -> None:
        """The Odoo call is about to go out for these keys (attempts + 1, lease renewed).

        NotOwnerError, and nothing marked, when another run owns any of them now: do not send.
        """
        if keys:
            self._write(lambda conn: _outbox.mark_sent(conn, keys, owner, self.lease_seconds, _now()))

    def mark_done(self, done: Mapping[str, int]) -> None:
        """Odoo confirmed these keys; keep the Odoo ids."""
        if done:
            self._write(lambda conn: _outbox.mark_done(conn, done, _now()))

    def settle(self, done: Mapping[str, int]) -> int:
        """Odoo already holds these records (found by a re-run): mark done the known keys not done yet.

        Unlike mark_done, unknown keys are ignored, and a key already done keeps its Odoo id.
        Returns how many outbox rows changed.
        """
        if not done:
            return 0
        return self._write(lambda conn: _outbox.settle(conn, done, _now()))

    def mark_failed(self, key: str, error: str, permanent: bool) -> None:
        """Permanent: failed for good. Transient: pending again. The error is kept (first 1000 chars)."""
        self._write(lambda conn: _outbox.mark_failed(conn, key, error, permanent, _now()))

    # ---- quarantine -----------------------------------------------------------------------------

    def quarantine(self, entries: Sequence[QuarantineEntry]) -> list[QuarantineRow]:
        """Hold records with their reasons; an identical open entry is reused, older ones superseded."""
        return self._write(lambda conn: _quarantine.add(conn, entries, _now()))

    def get_quarantine(self, entry_id: int) -> QuarantineRow | None:
        """One entry, or None."""
        return self._read(lambda conn: _quarantine.by_ids(conn, [entry_id]).get(entry_id))

    def list_quarantine(self, status: str | None = "open", category: str | None = None,
                        limit: int = 50) -> list[QuarantineRow]:
        """Entries newest first; status None (or "all") means every status."""
        return self._read(lambda conn: _quarantine.listing(conn, status, category, limit))

    def quarantine_backlog(self) -> dict[tuple[str, str], int]:
        """Open quarantine entries per (owner team, category)."""
        return self._read(lambda conn: _quarantine.backlog(conn))

    def held_in_run(self, flow_run_id: str) -> dict[tuple[str, str], int]:
        """Records a run left in quarantine, per (owner team, category), from its audit rows."""
        return self._read(lambda conn: _quarantine.held_in_run(conn, flow_run_id))

    def set_quarantine_status(self, entry_id: int, status: str, actor: str, note: str | None = None) -> QuarantineRow:
        """Close an open entry (replayed, resolved, discarded). LookupError: no such id; ValueError: not open."""
        return self._write(lambda conn: _quarantine.set_status(conn, entry_id, status, actor, note, _now()))

    def resolve_open(self, record_refs: Sequence[str], actor: str, note: str) -> int:
        """Close the open entries of records delivered since; returns how many were closed."""
        if not record_refs:
            return 0
        return self._write(lambda conn: _quarantine.resolve_open(conn, record_refs, actor, note, _now()))

    # ---- audit ----------------------------------------------------------------------------------

    def audit(self, entries: Sequence[AuditEntry]) -> None:
        """Append to the hash-linked chain and move its head checkpoint (secrets in summaries are masked)."""
        if entries:
            self._write(lambda conn: _audit.append(conn, entries, _now()))

    def trail(self, record_ref: str) -> list[AuditRow]:
        """A record's audit rows across runs, oldest first."""
        return self._read(lambda conn: _audit.trail(conn, record_ref))

    def trails(self, record_refs: Sequence[str]) -> dict[str, list[AuditRow]]:
        """The audit rows of many records (one read per chunk), oldest first per record."""
        return self._read(lambda conn: _audit.trails(conn, record_refs))

    def verify_audit(self) -> AuditVerdict:
        """Recompute every hash and link, then match the last row to the head checkpoint.

        Names the first edited row, the row after a deleted one, or (the tail deleted, the head altered)
        the row the head names or the last row. One snapshot, so a concurrent append is no false alarm.
        """
        return self._read(lambda conn: _audit.verify(conn))

    # ---- run locks ------------------------------------------------------------------------------

    def acquire_lock(self, name: str, owner: str) -> _locks.RunLockRow:
        """Hold scope `name` for `owner` (lease: `lease_seconds`, renewed by acquiring again) if no live run
        holds it; the row as it now stands: `row.owner != owner` means refused, held by that run."""
        return self._write(lambda conn: _locks.acquire(conn, name, owner, self.lease_seconds, _now()))

    def lock_holder(self, name: str) -> _locks.RunLockRow | None:
        """Who holds scope `name` now (None: nobody), without taking it; `is_dead(row.owner)` or a lease in the
        past says the holder can no longer be running."""
        return self._read(lambda conn: _locks.holder(conn, name))

    def release_lock(self, name: str, owner: str) -> bool:
        """Give scope `name` back; only its owner can."""
        return self._write(lambda conn: _locks.release(conn, name, owner))

    # ---- cursors and metrics --------------------------------------------------------------------

    def get_cursor(self, name: str) -> str | None:
        """The saved watermark of an incremental extract."""
        return self.get_cursors([name]).get(name)

    def get_cursors(self, names: Sequence[str]) -> dict[str, str]:
        """Several saved values at once (absent names are not in the result)."""
        c = t.sync_cursor.c
        return self._read(lambda conn: {r.name: r.value for part in chunks(sorted(set(names)))
                                        for r in conn.execute(sa.select(c.name, c.value).where(c.name.in_(part)))})

    def set_cursor(self, name: str, value: str) -> None:
        """Save a watermark (insert or replace)."""
        self.set_cursors({name: value})

    def set_cursors(self, values: Mapping[str, str]) -> None:
        """Save several values in one transaction (insert or replace each)."""
        if not values:
            return
        now = _now()

        def work(conn: sa.Connection) -> None:  # one statement, executed for many rows
            stmt = insert(conn, t.sync_cursor)
            conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={
                "value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at}),
                [{"name": name, "value": value, "updated_at": now} for name, value in values.items()])

        self._write(work)

    def record_metrics(self, run_id: str, flow_name: str, metrics: Mapping[str, float]) -> None:
        """Keep a run's numbers (one row per metric)."""
        if metrics:
            now = _now()
            self._write(lambda conn: conn.execute(sa.insert(t.run_metric), [
                {"run_id": run_id, "flow_name": flow_name, "name": k, "value": float(v), "at": now}
                for k, v in metrics.items()]))

    def metrics(self, run_id: str) -> dict[str, float]:
        """A run's numbers (the latest value of each metric)."""
        c = t.run_metric.c
        return self._read(lambda conn: {r.name: r.value for r in conn.execute(
            sa.select(c.name, c.value).where(c.run_id == run_id).order_by(c.id))})
