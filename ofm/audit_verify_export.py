"""Re-verify an export of the audit chain (`ofm audit export`) with nothing but Python's standard library.

A third party copies this one file and runs `python audit_verify_export.py FILE` (in the project:
`python -m ofm.audit_verify_export FILE`). It never imports the project, so it checks the chain the
way anyone can from the algorithm below, not with the code that wrote it.

The algorithm, per row in file order:
1. `content` is the exact text the row's hash covers: canonical JSON (keys sorted, separators `,` and
   `:`, non-ASCII escaped as \\uXXXX) of {at, correlation_id, flow_run_id, actor, step, record_ref, summary},
   `at` in UTC as ISO 8601 with microseconds;
2. hash = lowercase hex of SHA-256 over the UTF-8 bytes of prev_hash + content (64 + n characters);
3. each row's prev_hash is the hash of the row before it; the very first row of the chain has
   64 zeros ("genesis"). An export that starts mid-chain carries the prev_hash of its first row
   (the hash of the row before it, which is not in the file): the segment verifies on its own
   from that anchor, and the anchor ties it to the export before it or to the live chain;
4. the readable columns (at, actor, step, ...) must say what `content` says: they are only a view;
5. a row whose content held something secret-looking is exported with `redacted` true, the secret
   masked in `summary` and `content` left empty: its own hash cannot be recomputed (it is taken as
   given), but the next row's link still binds it;
6. JSON Lines exports open with a `header` line and close with an `end` line (rows, first and last
   id, anchor, last hash): a file cut short or a row removed at the end is found there. CSV has the
   rows only: compare its last hash with the head the `audit-verify` run published.

Exit status: 0 the file verifies, 1 it does not (the first failing row is named), 2 it cannot be read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
FIELDS = ("at", "correlation_id", "flow_run_id", "actor", "step", "record_ref", "summary")


@dataclass
class Report:
    """What the file showed: intact or the first problem, and the stretch of the chain it holds."""

    ok: bool = True
    problem: str | None = None
    rows: int = 0
    first_id: int | None = None
    last_id: int | None = None
    anchor: str | None = None  # prev_hash of the first row: GENESIS when the file starts the chain
    last_hash: str | None = None
    redacted: list[int] = field(default_factory=list)

    def fail(self, problem: str) -> Report:
        self.ok, self.problem = False, problem
        return self

    def lines(self) -> list[str]:
        """The verdict in words, first line the answer."""
        if not self.ok:
            return [f"BROKEN: {self.problem}", f"({self.rows} rows before it verified)"]
        if self.rows == 0:
            return ["intact: the export holds no rows"]
        out = [f"intact: {self.rows} rows, ids {self.first_id}..{self.last_id}"]
        if self.anchor == GENESIS:
            out.append("the export starts at the beginning of the chain (its first row links to genesis)")
        else:
            out.append(f"a segment: its first row links to {self.anchor}, the hash of the row before id "
                       f"{self.first_id} (not in this file); it verifies on its own from there. To tie it to the "
                       "whole chain, that hash must be the last hash of the export before it")
        if self.redacted:
            out.append(f"{len(self.redacted)} rows exported with secrets masked (ids {self.redacted[:10]}): their "
                       "own hashes are taken as given, the links around them hold")
        out.append(f"last hash {self.last_hash}: compare it with the chain head the audit-verify run published")
        return out


def row_hash(prev_hash: str, content: str) -> str:
    """SHA-256 (hex) of the previous row's hash followed by this row's canonical content."""
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def _shown(value: Any, csv_cell: bool) -> Any:
    """A readable column as the content would show it (CSV cells are text; an empty cell is null)."""
    if not csv_cell:
        return value
    return None if value == "" else value


def _same(name: str, shown: Any, hashed: Any, csv_cell: bool) -> bool:
    if name == "summary" and csv_cell:
        try:
            return json.loads(shown) == hashed
        except (TypeError, ValueError):
            return False
    return _shown(shown, csv_cell) == hashed


def verify_rows(rows: Iterable[dict[str, Any]], csv_cells: bool = False) -> Report:
    """Walk rows (dicts with the export's columns) in order; stop at the first that does not hold."""
    report, prev_hash, prev_id = Report(), None, None
    for row in rows:
        try:
            row_id, prev, digest = int(row["id"]), row["prev_hash"], row["hash"]
            redacted = row.get("redacted") in (True, "true")
        except (KeyError, TypeError, ValueError) as exc:
            return report.fail(f"row {report.rows + 1} of the file is not an export row ({exc!r})")
        if prev_hash is None:
            report.first_id, report.anchor = row_id, prev
        elif prev != prev_hash:
            return report.fail(f"row {row_id}: its prev_hash is not the hash of row {prev_id} before it in the file: "
                               "a row was deleted, inserted or moved between them")
        elif row_id <= prev_id:
            return report.fail(f"row {row_id} comes after row {prev_id}: the rows were reordered")
        if redacted:
            report.redacted.append(row_id)
        else:
            content = row.get("content") or ""
            if row_hash(prev, content) != digest:
                return report.fail(f"row {row_id}: sha256(prev_hash + content) is not its hash: the row was edited")
            try:
                hashed = json.loads(content)
            except ValueError:
                return report.fail(f"row {row_id}: content is not JSON")
            differs = [n for n in FIELDS if not _same(n, row.get(n), hashed.get(n), csv_cells)]
            if differs:
                return report.fail(f"row {row_id}: column {differs[0]!r} says something else than the hashed "
                                   "content: the readable columns were edited")
        prev_hash, prev_id = digest, row_id
        report.rows, report.last_id, report.last_hash = report.rows + 1, row_id, digest
    return report


def _check_end(report: Report, header: dict[str, Any] | None, end: dict[str, Any] | None) -> Report:
    """JSON Lines: the header's anchor and the end line's count and last hash must match the rows."""
    if not report.ok:
        return report
    if header is None:
        return report.fail("the header line is missing: not a whole export")
    if end is None:
        return report.fail("the end line is missing: the file was cut short")
    if report.rows and header.get("anchor") != report.anchor:
        return report.fail(f"the header names anchor {header.get('anchor')} but the first row links to "
                           f"{report.anchor}: the first rows were removed")
    said = (end.get("rows"), end.get("last_id"), end.get("last_hash"))
    if said != (report.rows, report.last_id, report.last_hash):
        return report.fail(f"the end line says {said[0]} rows ending at row {said[1]}, the file holds "
                           f"{report.rows} ending at row {report.last_id}: rows were removed or added")
    return report


def verify_file(path: str | Path) -> Report:
    """Verify a `.jsonl` or `.csv` export (decided by its first character: `{` is JSON Lines)."""
    text = Path(path).read_bytes().decode("utf-8")  # no newline translation: CSV cells stay byte-exact
    if text.lstrip().startswith("{"):
        header, end, rows = None, None, []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                return Report().fail(f"line {number} is not JSON")
            kind = item.get("kind")
            if end is not None:
                return Report().fail(f"line {number} follows the end line")
            if kind == "header" and header is None and not rows:
                header = item
            elif kind == "end":
                end = item
            else:
                rows.append(item)
        return _check_end(verify_rows(rows), header, end)
    return verify_rows(csv.DictReader(io.StringIO(text, newline="")), csv_cells=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m ofm.audit_verify_export EXPORT.jsonl|EXPORT.csv\n")
        return 2
    try:
        report = verify_file(args[0])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        sys.stderr.write(f"cannot read {args[0]}: {exc}\n")
        return 2
    sys.stdout.write("\n".join(report.lines()) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
