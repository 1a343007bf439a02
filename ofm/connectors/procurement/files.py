"""File drops: a supplier JSON/CSV export, or a JSON export of any kind, read into raw records.

The file is never trusted: its size is bounded, its format comes from the extension (sniffed
when there is none), and a broken file fails with its name and the position of the problem,
so the person who dropped it can fix it without opening a debugger. Cells stay raw strings
(the CSV mapping interprets them); an empty cell is None, an all-empty row is skipped.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Literal

from ofm.connectors.file_errors import FileFormatError
from ofm.connectors.procurement.errors import ProcurementError
from ofm.connectors.procurement.models import SupplierFile

MAX_FILE_BYTES = 200 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
JSON_KEYS = ("suppliers", "items")
EXPORT_KEYS = ("items",)


def read_supplier_file(path: Path | str) -> SupplierFile:
    """Read a supplier export (.json or .csv; other names are sniffed) into raw records."""
    path = Path(path)
    try:
        text = _read_text(path, "a supplier file")
        fmt = _format(path, text)
        records = _json_records(text, path.name, JSON_KEYS, "supplier") if fmt == "json" else \
            _csv_records(text, path.name)
    except FileFormatError as exc:
        raise ProcurementError(str(exc)) from None
    return SupplierFile(format=fmt, records=records)


def read_export_file(path: Path | str) -> list[dict[str, Any]]:
    """Raw records of a JSON export of any kind (orders, receipts, invoices, suppliers): a bare
    list or {"items": [...]}. FileFormatError names the file and, where known, line and column."""
    path = Path(path)
    return _json_records(_read_text(path, "an export file"), path.name, EXPORT_KEYS, "record")


def _read_text(path: Path, what: str) -> str:
    """The file's text (UTF-8, BOM dropped) if it is no larger than MAX_FILE_BYTES."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileFormatError(name, None, f"{_size(size)} is more than the {_size(MAX_FILE_BYTES)} {what} may have")
        data = path.read_bytes()
    except OSError as exc:
        raise FileFormatError(name, None, f"cannot read the file: {exc.strerror or exc}") from None
    return _decode(data, name)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n} bytes"


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FileFormatError(name, f"line {line}", f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                              f"{exc.start})") from None


def _format(path: Path, text: str) -> Literal["json", "csv"]:
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        return "json" if suffix == ".json" else "csv"
    return "json" if text.lstrip()[:1] in ("[", "{") else "csv"


def _json_records(text: str, name: str, keys: tuple[str, ...], noun: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(name, f"line {exc.lineno} column {exc.colno}", exc.msg) from None
    if isinstance(data, dict):
        key = next((k for k in keys if isinstance(data.get(k), list)), None)
        if key is None:
            raise FileFormatError(name, None, f"expected a list of {noun}s or an object with a "
                                  f"{' or '.join(repr(k) for k in keys)} list")
        data = data[key]
    if not isinstance(data, list):
        raise FileFormatError(name, None, f"expected a list of {noun}s, found {type(data).__name__}")
    for i, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise FileFormatError(name, None, f"{noun} {i} is not an object but {type(record).__name__}")
    return data


def _csv_records(text: str, name: str) -> list[dict[str, Any]]:
    if not text.strip():
        raise FileFormatError(name, None, "empty file; a CSV export needs a header row")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        first = next((row for row in reader if any(c.strip() for c in row)), None)
        if first is None:  # only delimiters and blanks: no header at all
            raise FileFormatError(name, None, "no header row: every line is empty or only delimiters")
        header = [cell.strip() for cell in first]
        _check_header(header, name, reader.line_num)
        records = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise FileFormatError(name, f"line {reader.line_num}", f"{len(row)} cells, header has {len(header)}")
            records.append({key: (cell if cell.strip() else None) for key, cell in zip(header, row, strict=True)})
    except csv.Error as exc:
        raise FileFormatError(name, f"line {reader.line_num}", str(exc)) from None
    return records


def _delimiter(text: str) -> str:
    """The candidate that splits the header into the most columns (quotes respected)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])


def _check_header(header: list[str], name: str, line: int) -> None:
    seen: set[str] = set()
    for i, column in enumerate(header, start=1):
        if not column:
            raise FileFormatError(name, f"line {line}", f"column {i} of the header has no name")
        if column in seen:
            raise FileFormatError(name, f"line {line}", f"column {column!r} appears twice in the header")
        seen.add(column)
