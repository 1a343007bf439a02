"""The inbox: raw payloads kept as received (with their sha256) before anything interprets them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ofm.canonical import content_hash
from ofm.store import tables as t
from ofm.store.engine import chunks, insert
from ofm.store.values import InboxItem, InboxRow

Key = tuple[str, str, str, str]  # source, object_type, external_id, sha256
_COLUMNS = [c for c in t.inbox.c if c.name != "payload"]  # the payload is what the caller already holds


def _existing(conn: sa.Connection, keys: set[Key]) -> dict[Key, Any]:
    """Stored rows for the keys, looked up per (source, object_type) by external id (indexed)."""
    by_kind: dict[tuple[str, str], list[str]] = {}
    for source, object_type, external_id, _ in keys:
        by_kind.setdefault((source, object_type), []).append(external_id)
    found: dict[Key, Any] = {}
    c = t.inbox.c
    for (source, object_type), ids in by_kind.items():
        for part in chunks(sorted(set(ids))):
            query = sa.select(*_COLUMNS).where(c.source == source, c.object_type == object_type,
                                               c.external_id.in_(part))
            for r in conn.execute(query):
                key = (r.source, r.object_type, r.external_id, r.sha256)
                if key in keys:
                    found[key] = r
    return found


def receive(conn: sa.Connection, items: Sequence[InboxItem], now: datetime) -> list[InboxRow]:
    """Store the items; an identical payload already stored is returned as it is, marked duplicate."""
    if not items:
        return []
    keys: list[Key] = [(i.source, i.object_type, i.external_id, content_hash(i.payload)) for i in items]
    before = _existing(conn, set(keys))
    new: dict[Key, InboxItem] = {}
    for key, item in zip(keys, items, strict=True):
        if key not in before:
            new.setdefault(key, item)
    if new:
        values = [{"source": k[0], "object_type": k[1], "external_id": k[2], "sha256": k[3], "payload": i.payload,
                   "revision": i.revision, "received_at": now, "correlation_id": i.correlation_id,
                   "flow_run_id": i.flow_run_id} for k, i in sorted(new.items(), key=lambda kv: kv[0])]
        # a concurrent receiver may have stored the same content meanwhile: the unique key settles it
        conn.execute(insert(conn, t.inbox).on_conflict_do_nothing(), values)
    after = _existing(conn, set(new)) if new else {}
    out: list[InboxRow] = []
    seen: set[Key] = set()
    for key in keys:
        # stored before this call, earlier in this batch, or by a concurrent receiver (another timestamp)
        r = before[key] if key in before else after[key]
        duplicate = key in before or key in seen or r.received_at != now
        seen.add(key)
        out.append(InboxRow(id=r.id, source=r.source, object_type=r.object_type, external_id=r.external_id,
                            revision=r.revision, sha256=r.sha256, received_at=r.received_at,
                            correlation_id=r.correlation_id, flow_run_id=r.flow_run_id, duplicate=duplicate))
    return out


def latest_payload(conn: sa.Connection, source: str, object_type: str, external_id: str) -> dict | None:
    """The newest stored payload of one source record, or None."""
    c = t.inbox.c
    query = (sa.select(c.payload).where(c.source == source, c.object_type == object_type,
                                        c.external_id == external_id).order_by(c.id.desc()).limit(1))
    return conn.execute(query).scalar_one_or_none()
