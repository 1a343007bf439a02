"""Run locks: a second run on the same scope is refused at once (never queued, never deadlocked).

`acquire` takes the scope's row when it is free, already this owner's, held by an owner known dead
(owners.py: a pid gone on this host, a run no longer registered in this process) or past its lease;
otherwise it answers who holds it. Serialised like the quarantine (SQLite: BEGIN IMMEDIATE;
PostgreSQL: an advisory lock), so two runs starting together cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ofm.store import tables as t
from ofm.store.engine import insert, lock
from ofm.store.owners import is_dead


@dataclass(frozen=True)
class RunLockRow:
    name: str
    owner: str
    acquired_at: datetime
    lease_until: datetime


def acquire(conn: sa.Connection, name: str, owner: str, lease_seconds: float, now: datetime) -> RunLockRow:
    """Take the lock for `owner` if free; the row as it now stands (its owner says who won)."""
    lock(conn, "run_lock")
    c = t.run_lock.c
    row = conn.execute(sa.select(t.run_lock).where(c.name == name)).first()
    until = now + timedelta(seconds=lease_seconds)
    if row is None or row.owner == owner or row.lease_until < now or is_dead(row.owner):
        stmt = insert(conn, t.run_lock).values(name=name, owner=owner, acquired_at=now, lease_until=until)
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={
            "owner": owner, "acquired_at": now if row is None or row.owner != owner else row.acquired_at,
            "lease_until": until}))
        row = conn.execute(sa.select(t.run_lock).where(c.name == name)).first()
    return RunLockRow(row.name, row.owner, row.acquired_at, row.lease_until)


def holder(conn: sa.Connection, name: str) -> RunLockRow | None:
    """The scope's row as it stands (None: nobody holds it), taking nothing."""
    row = conn.execute(sa.select(t.run_lock).where(t.run_lock.c.name == name)).first()
    return RunLockRow(row.name, row.owner, row.acquired_at, row.lease_until) if row else None


def release(conn: sa.Connection, name: str, owner: str) -> bool:
    """Give the lock back (only its owner can); whether it was held."""
    c = t.run_lock.c
    return bool(conn.execute(sa.delete(t.run_lock).where(c.name == name, c.owner == owner)).rowcount)
