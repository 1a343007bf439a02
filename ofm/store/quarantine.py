"""Quarantine: records held or rejected wait here, with a reason, for a person to decide.

Re-running a batch must not pile up twins: an open entry with the same record, category, reason and
payload is returned instead of a new one. A new entry for a record supersedes its other open entries,
so a record has at most one open entry after any call that added one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ofm.canonical import content_hash
from ofm.store import tables as t
from ofm.store.engine import chunks, lock
from ofm.store.values import QUARANTINE_STATUSES, QuarantineEntry, QuarantineRow

SYSTEM_ACTOR = "ofm"
Twin = tuple[str, str, str, str]  # record_ref, category, reason, payload_hash
_REF, _NEW, _NOTE = "b_ref", "b_new_id", "b_note"


def _row(r: Any) -> QuarantineRow:
    return QuarantineRow(**{name: getattr(r, name) for name in QuarantineRow.__dataclass_fields__})


def by_ids(conn: sa.Connection, ids: Sequence[int]) -> dict[int, QuarantineRow]:
    """The entries with these ids."""
    found: dict[int, QuarantineRow] = {}
    for part in chunks(sorted(set(ids))):
        found.update((r.id, _row(r)) for r in conn.execute(sa.select(t.quarantine).where(t.quarantine.c.id.in_(part))))
    return found


def _open_twins(conn: sa.Connection, refs: Sequence[str]) -> dict[Twin, int]:
    c = t.quarantine.c
    found: dict[Twin, int] = {}
    for part in chunks(sorted(set(refs))):
        query = (sa.select(c.id, c.record_ref, c.category, c.reason, c.payload_hash)
                 .where(c.status == "open", c.record_ref.in_(part)).order_by(c.id))
        for r in conn.execute(query):
            found.setdefault((r.record_ref, r.category, r.reason, r.payload_hash), r.id)
    return found


def add(conn: sa.Connection, entries: Sequence[QuarantineEntry], now: datetime) -> list[QuarantineRow]:
    """Quarantine the entries (de-duplicated, superseding older open entries); rows aligned with entries."""
    if not entries:
        return []
    lock(conn, "quarantine")  # the twin check and the insert must not interleave with another run's
    twins = _open_twins(conn, [e.record_ref for e in entries])
    targets: list[Twin] = []
    new: dict[Twin, QuarantineEntry] = {}
    for e in entries:
        twin = (e.record_ref, e.category, e.reason, content_hash(e.payload))
        targets.append(twin)
        if twin not in twins:
            new.setdefault(twin, e)
    if new:
        values = [{"record_ref": e.record_ref, "source": e.source, "object_type": e.object_type,
                   "category": e.category, "status": "open", "owner_team": e.owner_team, "field": e.field,
                   "reason": e.reason, "payload": e.payload, "payload_hash": twin[3],
                   "correlation_id": e.correlation_id, "flow_run_id": e.flow_run_id, "created_at": now}
                  for twin, e in new.items()]
        stmt = sa.insert(t.quarantine).returning(t.quarantine.c.id, sort_by_parameter_order=True)
        ids = [r.id for r in conn.execute(stmt, values)]
        twins.update(zip(new, ids, strict=True))
        _supersede(conn, {twin[0]: twins[twin] for twin in new}, now)
    found = by_ids(conn, [twins[twin] for twin in targets])
    return [found[twins[twin]] for twin in targets]


def _supersede(conn: sa.Connection, newest: dict[str, int], now: datetime) -> None:
    """Close every other open entry of a record that just got a new one."""
    c = t.quarantine.c
    stmt = (sa.update(t.quarantine)
            .where(c.record_ref == sa.bindparam(_REF), c.status == "open", c.id != sa.bindparam(_NEW))
            .values(status="resolved", decided_by=SYSTEM_ACTOR, decided_at=now,
                    decision_note=sa.bindparam(_NOTE)))
    conn.execute(stmt, [{_REF: ref, _NEW: qid, _NOTE: f"superseded by quarantine #{qid}"}
                        for ref, qid in sorted(newest.items())])


def set_status(conn: sa.Connection, entry_id: int, status: str, actor: str, note: str | None,
               now: datetime) -> QuarantineRow:
    """Close one open entry as replayed, resolved or discarded, recording who and why."""
    if status not in QUARANTINE_STATUSES or status == "open":
        raise ValueError(f"cannot set quarantine status {status!r}: use replayed, resolved or discarded")
    if not actor or not actor.strip():
        raise ValueError("a quarantine decision needs an actor")
    lock(conn, "quarantine")
    c = t.quarantine.c
    stmt = (sa.update(t.quarantine).where(c.id == entry_id, c.status == "open")
            .values(status=status, decided_by=actor, decided_at=now, decision_note=note))
    if conn.execute(stmt).rowcount == 0:
        current = by_ids(conn, [entry_id]).get(entry_id)
        if current is None:
            raise LookupError(f"quarantine entry {entry_id} does not exist")
        raise ValueError(f"quarantine entry {entry_id} is {current.status}, not open: "
                         f"{current.decided_by or 'someone'} decided it already")
    return by_ids(conn, [entry_id])[entry_id]


def resolve_open(conn: sa.Connection, record_refs: Sequence[str], actor: str, note: str, now: datetime) -> int:
    """Close the open entries of records that have since been delivered; how many were closed."""
    lock(conn, "quarantine")
    c, closed = t.quarantine.c, 0
    for part in chunks(sorted(set(record_refs))):
        stmt = (sa.update(t.quarantine).where(c.status == "open", c.record_ref.in_(part))
                .values(status="resolved", decided_by=actor, decided_at=now, decision_note=note))
        closed += conn.execute(stmt).rowcount
    return closed


def listing(conn: sa.Connection, status: str | None, category: str | None, limit: int) -> list[QuarantineRow]:
    """Entries newest first, optionally of one status ("all" or None: any) and category."""
    status = None if status == "all" else status
    if status is not None and status not in QUARANTINE_STATUSES:
        raise ValueError(f"unknown quarantine status {status!r}: use {', '.join(QUARANTINE_STATUSES)} or None")
    c = t.quarantine.c
    query = sa.select(t.quarantine).order_by(c.id.desc()).limit(max(0, limit))
    if status is not None:
        query = query.where(c.status == status)
    if category is not None:
        query = query.where(c.category == category)
    return [_row(r) for r in conn.execute(query)]


def backlog(conn: sa.Connection) -> dict[tuple[str, str], int]:
    """Open entries counted per (owner team, category): one GROUP BY, whatever the backlog's size."""
    c = t.quarantine.c
    query = sa.select(c.owner_team, c.category, sa.func.count()).where(c.status == "open") \
        .group_by(c.owner_team, c.category)
    return {(owner, category): int(n) for owner, category, n in conn.execute(query)}


def held_in_run(conn: sa.Connection, flow_run_id: str) -> dict[tuple[str, str], int]:
    """Records one run put in (or found still in) quarantine, per (owner team, category).

    Read from the run's audit rows, not the quarantine table: an identical open entry is reused by a
    later run and keeps the flow-run id of the run that first wrote it.
    """
    c = t.audit_chain.c
    seen: dict[int, tuple[str, str]] = {}
    for (summary,) in conn.execute(sa.select(c.summary).where(c.flow_run_id == flow_run_id)):
        if isinstance(summary, dict) and {"quarantine_id", "owner_team", "category"} <= summary.keys():
            seen[summary["quarantine_id"]] = (str(summary["owner_team"]), str(summary["category"]))
    counted: dict[tuple[str, str], int] = {}
    for key in seen.values():
        counted[key] = counted.get(key, 0) + 1
    return counted
