"""`ofm audit export`: a stretch of the audit chain, as CSV or JSON Lines, that a third party re-verifies alone.

Every exported row carries its chain fields beside the readable ones:

    id, at, flow_run_id, actor, step, record_ref, correlation_id, summary, prev_hash, hash, redacted, content

`content` is the exact text the row's hash covers, so the check needs no knowledge of this project:

    content = canonical JSON of {"at", "correlation_id", "flow_run_id", "actor", "step", "record_ref", "summary"}
              (keys sorted, separators "," and ":", non-ASCII escaped as \\uXXXX; `at` in UTC,
              ISO 8601 with microseconds, e.g. "2026-05-04T01:30:00.123456+00:00")
    hash    = hex(sha256(utf8(prev_hash + content)))
    prev_hash of a row = hash of the row before it; of the chain's first row: 64 zeros

The range is the contiguous stretch of the chain from the first row at or after FROM to the last row before
the end of TO (dates are UTC days, both inclusive), so a segment that starts mid-chain verifies on its own:
its first row's prev_hash is the anchor (the hash of the row before it, the last hash of the previous export).
JSON Lines adds a `header` line (format, range, algorithm, anchor) and an `end` line (rows, first and last
id, last hash, and the chain head at export time); CSV holds the rows only.

Summaries were scrubbed of secrets when appended; an export scrubs every row again. A row that still held
something secret-looking (written before a masking rule existed) is exported masked, marked `redacted`,
with its content withheld: its own hash cannot be recomputed, but the next row's link still binds it.
`ofm/audit_verify_export.py` is the standard-library verifier of such files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from ofm.store import AuditRow, Store
from ofm.store.audit import GENESIS, checkpoint, row_content, segment, stamp
from ofm.store.engine import transaction
from ofm.store.redaction import scrub

FORMAT = "ofm-audit-export/1"
FORMATS = ("jsonl", "csv")
COLUMNS = ("id", "at", "flow_run_id", "actor", "step", "record_ref", "correlation_id", "summary", "prev_hash",
           "hash", "redacted", "content")
ALGORITHM = ("hash = hex(sha256(utf8(prev_hash + content))); content = canonical JSON (sorted keys, separators "
             "',' ':', ASCII) of at, correlation_id, flow_run_id, actor, step, record_ref, summary; the first "
             f"row of the chain has prev_hash {GENESIS}")


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the stretch of the chain, its anchor and last hash, and the head at export time."""

    rows: int
    first_id: int | None
    last_id: int | None
    anchor: str | None
    last_hash: str | None
    redacted: int
    head: tuple[int, str] | None

    def line(self) -> str:
        if not self.rows:
            return "exported 0 audit rows: none in that range"
        where = "from the start of the chain" if self.anchor == GENESIS else f"anchored at prev hash {self.anchor}"
        masked = f", {self.redacted} with secrets masked" if self.redacted else ""
        return (f"exported {self.rows} audit rows, ids {self.first_id}..{self.last_id}, {where}{masked}; "
                f"last hash {self.last_hash}")


def parse_bound(text: str, end: bool) -> datetime:
    """`2026-05-04` (a UTC day: its start, or for `end` the start of the next day) or an ISO date-time."""
    try:
        return datetime.combine(date.fromisoformat(text) + timedelta(days=int(end)), time(), UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither a date (YYYY-MM-DD) nor an ISO date-time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def exported_row(r: AuditRow) -> dict[str, Any]:
    """One row as exported: readable fields, chain fields and the hashed content, or masked and redacted."""
    shown = {"at": stamp(r.at), "correlation_id": r.correlation_id, "flow_run_id": r.flow_run_id, "actor": r.actor,
             "step": r.step, "record_ref": r.record_ref, "summary": r.summary}
    masked = scrub(shown)
    redacted = masked != shown
    content = None if redacted else row_content(r.at, r.correlation_id, r.flow_run_id, r.actor, r.step,
                                                r.record_ref, r.summary)
    return {"id": r.id, **masked, "prev_hash": r.prev_hash, "hash": r.hash, "redacted": redacted,
            "content": content}


def _csv_cells(row: dict[str, Any]) -> list[str]:
    summary = json.dumps(row["summary"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    cells = {**row, "summary": summary, "redacted": "true" if row["redacted"] else ""}
    return ["" if cells[c] is None else str(cells[c]) for c in COLUMNS]


def _rows(conn: Any, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    for r in segment(conn, start, end):
        yield exported_row(r)


def write_export(store: Store, start: datetime, end: datetime, out: TextIO, fmt: str = "jsonl") -> Exported:
    """Write the rows of [start, end) to `out` (opened with newline=""), from one consistent snapshot."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    count, redacted, first, last = 0, 0, None, None
    with transaction(store.engine, readonly=True) as conn:
        head = checkpoint(conn)
        rows = _rows(conn, start, end)
        first = next(rows, None)
        if fmt == "csv":
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
        else:
            out.write(_json({"kind": "header", "format": FORMAT, "from": stamp(start), "to": stamp(end),
                             "exported_at": stamp(datetime.now(UTC)), "algorithm": ALGORITHM,
                             "anchor": None if first is None else first["prev_hash"],
                             "first_id": None if first is None else first["id"]}))
        for row in _chain(first, rows):
            if fmt == "csv":
                writer.writerow(_csv_cells(row))
            else:
                out.write(_json({"kind": "row", **row}))
            count, redacted, last = count + 1, redacted + row["redacted"], row
    summary = Exported(rows=count, first_id=None if first is None else first["id"],
                       last_id=None if last is None else last["id"],
                       anchor=None if first is None else first["prev_hash"],
                       last_hash=None if last is None else last["hash"], redacted=redacted, head=head)
    if fmt == "jsonl":
        out.write(_json({"kind": "end", "rows": summary.rows, "first_id": summary.first_id,
                         "last_id": summary.last_id, "last_hash": summary.last_hash, "redacted": redacted,
                         "chain_head": None if head is None else {"id": head[0], "hash": head[1]}}))
    return summary


def _chain(first: dict[str, Any] | None, rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    if first is not None:
        yield first
        yield from rest


def _json(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"
