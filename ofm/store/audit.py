"""The audit chain: append-only, each row hash-linked to the one before, never holding a secret.

hash = sha256(prev_hash + canonical JSON of the row's content). Editing a row breaks its own hash;
deleting one breaks the link of the row after it. Nothing follows the newest row, so the one-row
`audit_head` checkpoint names it (id and hash) and moves in the same transaction as every append:
deleting the tail leaves the head pointing past the end. Appends link to the head, not to the last
surviving row, so a later append cannot paper over such a deletion either. Appends are serialised
so the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ofm.store import redaction
from ofm.store import tables as t
from ofm.store.engine import chunks, insert, lock
from ofm.store.redaction import MASK, redact, scrub
from ofm.store.values import AuditEntry, AuditRow, AuditVerdict

GENESIS = "0" * 64
VERIFY_CHUNK = 5000


def canonical(value: Any) -> str:
    """The one JSON text of a value (sorted keys, no spaces) that hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _stamp(at: datetime) -> str:
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)).isoformat(timespec="microseconds")


def stamp(at: datetime) -> str:
    """The time of a row as hashed: UTC, ISO 8601 with microseconds (`2026-05-04T01:30:00.123456+00:00`)."""
    return _stamp(at)


def row_content(at: datetime, correlation_id: str | None, flow_run_id: str | None, actor: str, step: str,
                record_ref: str | None, summary: dict[str, Any]) -> str:
    """The exact text a row's hash covers after its predecessor's hash (what an export hands to a third party)."""
    return row_content_at(_stamp(at), correlation_id, flow_run_id, actor, step, record_ref, summary)


def row_hash(prev_hash: str, at: datetime, correlation_id: str | None, flow_run_id: str | None, actor: str,
             step: str, record_ref: str | None, summary: dict[str, Any]) -> str:
    """The hash of one row given its predecessor's hash: sha256(prev_hash + content), hex."""
    content = row_content(at, correlation_id, flow_run_id, actor, step, record_ref, summary)
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def _summary_and_content(at: str, e: AuditEntry) -> tuple[Any, str]:
    """The summary as stored (scrubbed, normalised through JSON so that what is hashed is exactly what the database
    gives back) and the text its row's hash covers: `row_content` of the stored summary, made with one JSON
    encoding of the summary instead of two.

    When every key of the scrubbed summary is a string, its canonical text is already the canonical text of what
    JSON gives back (strings, numbers, booleans, null, lists and objects with the same keys re-encode to the same
    text), and `summary` is the last key of the hashed object (keys sorted): the text is spliced in. Another key
    (an int, say) becomes a string in JSON and may sort elsewhere: that summary is encoded again from what JSON
    gave back, as before.
    """
    plain = [scrub is redaction.scrub]  # `scrub` replaced (a test writing rows as before masking): the general path
    text = canonical(_scrub(e.summary, plain) if plain[0] else scrub(e.summary))
    summary = json.loads(text)
    if not plain[0]:
        return summary, row_content_at(at, e.correlation_id, e.flow_run_id, e.actor, e.step, e.record_ref, summary)
    head = canonical({"at": at, "correlation_id": e.correlation_id, "flow_run_id": e.flow_run_id, "actor": e.actor,
                      "step": e.step, "record_ref": e.record_ref})
    return summary, f'{head[:-1]},"summary":{text}}}'


def row_content_at(at: str, correlation_id: str | None, flow_run_id: str | None, actor: str, step: str,
                   record_ref: str | None, summary: dict[str, Any]) -> str:
    """`row_content` with the time already stamped (`stamp(at)`)."""
    return canonical({"at": at, "correlation_id": correlation_id, "flow_run_id": flow_run_id,
                      "actor": actor, "step": step, "record_ref": record_ref, "summary": summary})


_SECRET_KEYS: dict[str, bool] = {}  # key -> secret-looking, as `scrub` decides (summaries reuse a few keys)
_CREDENTIAL_WORD = re.compile("bearer|basic", re.IGNORECASE)  # what every credential `redact` masks starts with


def _secret_key(key: Any) -> bool:
    """Whether `scrub` masks the value under this key."""
    return redaction.scrub({key: 0})[key] == MASK


def _scrub(value: Any, plain: list[bool]) -> Any:
    """`scrub(value)`, memoising which keys look secret; `plain[0]` becomes False if a key is not a string."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                plain[0] = False
                out[k] = MASK if _secret_key(k) else _scrub(v, plain)
                continue
            secret = _SECRET_KEYS.get(k)
            if secret is None:
                secret = _secret_key(k)
                if len(_SECRET_KEYS) < 4096:  # bounded: keys are few, but a summary could be keyed by data
                    _SECRET_KEYS[k] = secret
            out[k] = MASK if secret else _scrub(v, plain)
        return out
    if isinstance(value, str):
        return redact(value) if _CREDENTIAL_WORD.search(value) else value  # no such word: nothing to mask
    if isinstance(value, (list, tuple, set, frozenset)):  # noqa: UP038 - a tuple is faster than a union here
        return [_scrub(v, plain) for v in value]
    return value


def _last(conn: sa.Connection) -> Any:
    """The newest row's id and hash, or None when the chain is empty."""
    c = t.audit_chain.c
    return conn.execute(sa.select(c.id, c.hash).order_by(c.id.desc()).limit(1)).first()


def _head(conn: sa.Connection) -> Any:
    """The checkpoint (last_id, last_hash), or None: nothing was ever appended (or it was deleted)."""
    h = t.audit_head.c
    return conn.execute(sa.select(h.last_id, h.last_hash).where(h.id == 1)).first()


def append(conn: sa.Connection, entries: Sequence[AuditEntry], now: datetime) -> None:
    """Append the entries in order after the head checkpoint and move it, in the caller's transaction."""
    if not entries:
        return
    lock(conn, "audit")
    head = _head(conn)
    if head is not None:
        prev = head.last_hash  # not the last surviving row: a deleted tail stays a break after this append
    else:  # an empty chain, or the head was deleted (reported by verify until this append re-creates it)
        last = _last(conn)
        prev = last.hash if last is not None else GENESIS
    rows = []
    at = _stamp(now)
    for e in entries:
        summary, content = _summary_and_content(at, e)
        digest = hashlib.sha256((prev + content).encode()).hexdigest()
        rows.append({"at": now, "correlation_id": e.correlation_id, "flow_run_id": e.flow_run_id, "actor": e.actor,
                     "step": e.step, "record_ref": e.record_ref, "summary": summary, "prev_hash": prev,
                     "hash": digest})
        prev = digest
    conn.execute(sa.insert(t.audit_chain), rows)
    last_id = _last(conn).id  # ours: the lock keeps every other appender out until we commit
    stmt = insert(conn, t.audit_head).values(id=1, last_id=last_id, last_hash=prev, updated_at=now)
    moved = {name: stmt.excluded[name] for name in ("last_id", "last_hash", "updated_at")}
    conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=moved))


def _row(r: Any) -> AuditRow:
    return AuditRow(id=r.id, at=r.at, flow_run_id=r.flow_run_id, actor=r.actor, step=r.step, record_ref=r.record_ref,
                    correlation_id=r.correlation_id, summary=r.summary, prev_hash=r.prev_hash, hash=r.hash)


def trail(conn: sa.Connection, record_ref: str) -> list[AuditRow]:
    """Every audit row of one record, oldest first."""
    query = sa.select(t.audit_chain).where(t.audit_chain.c.record_ref == record_ref).order_by(t.audit_chain.c.id)
    return [_row(r) for r in conn.execute(query)]


def trails(conn: sa.Connection, record_refs: Sequence[str]) -> dict[str, list[AuditRow]]:
    """The audit rows of many records, oldest first per record: one query per chunk of references."""
    c, found = t.audit_chain.c, {}
    for part in chunks(sorted(set(record_refs))):
        for r in conn.execute(sa.select(t.audit_chain).where(c.record_ref.in_(part)).order_by(c.id)):
            found.setdefault(r.record_ref, []).append(_row(r))
    return found


def verify(conn: sa.Connection, chunk: int = VERIFY_CHUNK) -> AuditVerdict:
    """Walk the chain in id order, a chunk at a time, and name the first row that does not hold.

    Every link holding is not enough: the last row must also be the one the head checkpoint names.
    """
    prev_id, prev_hash, checked = None, GENESIS, 0
    last_id = 0
    while True:
        query = sa.select(t.audit_chain).where(t.audit_chain.c.id > last_id).order_by(t.audit_chain.c.id).limit(chunk)
        batch = conn.execute(query).all()
        if not batch:
            return _check_head(_head(conn), prev_id, prev_hash, checked)
        for r in batch:
            if r.prev_hash != prev_hash:
                before = f"row {prev_id}" if prev_id is not None else "the start of the chain"
                return AuditVerdict(False, checked, r.id, f"prev_hash does not match the hash of {before}: "
                                                          "a row before it was deleted or rewritten")
            if row_hash(r.prev_hash, r.at, r.correlation_id, r.flow_run_id, r.actor, r.step, r.record_ref,
                        r.summary) != r.hash:
                return AuditVerdict(False, checked, r.id, "its hash does not recompute: the row was edited")
            prev_id, prev_hash, checked = r.id, r.hash, checked + 1
        last_id = batch[-1].id


def _check_head(head: Any, last_id: int | None, last_hash: str, checked: int) -> AuditVerdict:
    """Compare the end of an intact chain with the checkpoint; a mismatch names the head's row or the last one."""
    if head is None:
        if last_id is None:
            return AuditVerdict(ok=True, rows_checked=0)
        return AuditVerdict(False, checked, last_id, "the audit head checkpoint is missing: it was deleted, "
                                                     "and the newest rows may have been deleted with it")
    if (head.last_id, head.last_hash) == (last_id, last_hash):
        return AuditVerdict(ok=True, rows_checked=checked)
    end = "no row" if last_id is None else f"row {last_id}"
    said = f"the chain ends at {end} but the audit head names row {head.last_id}"
    if last_id is None or head.last_id > last_id:
        return AuditVerdict(False, checked, head.last_id, f"{said}: the newest rows were deleted "
                                                          "(or the head was altered)")
    return AuditVerdict(False, checked, last_id, f"{said} with hash {head.last_hash[:12]}...: the head was altered, "
                                                 "or the newest rows were deleted and others written in their place")


# ---- read-outs for auditors: the head, a stretch of the chain, one row looked at closely --------------------------


@dataclass(frozen=True)
class RowCheck:
    """One row against the chain: the hash it stores and the one its content gives, its link and the row before."""

    id: int
    at: datetime
    hash: str
    recomputed: str
    prev_hash: str
    before_id: int | None  # the row before it by id (None: it is the first row)
    before_hash: str  # that row's hash (GENESIS for the first row)


def checkpoint(conn: sa.Connection) -> tuple[int, str] | None:
    """The head checkpoint (last id, last hash), or None when nothing was ever appended."""
    head = _head(conn)
    return None if head is None else (head.last_id, head.last_hash)


def segment(conn: sa.Connection, start: datetime, end: datetime, chunk: int = VERIFY_CHUNK) -> Iterator[AuditRow]:
    """The contiguous stretch of the chain from the first row at or after `start` to the last row before `end`.

    Contiguous by id, not filtered by time: a row's time is taken just before the append lock, so two concurrent
    appends may land with their times crossed, and a stretch with a row left out would not verify on its own.
    Read it in the caller's (read-only, one-snapshot) transaction.
    """
    c = t.audit_chain.c
    first = conn.execute(sa.select(sa.func.min(c.id)).where(c.at >= start)).scalar()
    last = conn.execute(sa.select(sa.func.max(c.id)).where(c.at < end)).scalar()
    if first is None or last is None or first > last:
        return
    after = first - 1
    while True:
        query = sa.select(t.audit_chain).where(c.id > after, c.id <= last).order_by(c.id).limit(chunk)
        batch = conn.execute(query).all()
        if not batch:
            return
        yield from (_row(r) for r in batch)
        after = batch[-1].id


def check_row(conn: sa.Connection, row_id: int) -> RowCheck | None:
    """Row `row_id` as stored and as recomputed, beside the row before it; None when there is no such row."""
    c = t.audit_chain.c
    r = conn.execute(sa.select(t.audit_chain).where(c.id == row_id)).first()
    if r is None:
        return None
    before = conn.execute(sa.select(c.id, c.hash).where(c.id < row_id).order_by(c.id.desc()).limit(1)).first()
    return RowCheck(id=r.id, at=r.at, hash=r.hash, prev_hash=r.prev_hash,
                    recomputed=row_hash(r.prev_hash, r.at, r.correlation_id, r.flow_run_id, r.actor, r.step,
                                        r.record_ref, r.summary),
                    before_id=None if before is None else before.id,
                    before_hash=GENESIS if before is None else before.hash)
