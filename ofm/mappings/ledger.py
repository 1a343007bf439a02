"""Ledger mappings: a sub-ledger's delivery (CSV or JSON) into a canonical `JournalBatch`, declared in YAML.

A mapping file (`ofm/mappings/ledger/*.yaml`) says which files it reads (`files:` globs), where the
batch header, each entry, each line and the trailer's control totals are (a CSV column, a JSON path,
or a constant `{value: ...}`), the journal and company the batch goes to, the source's tax and
analytic codes, and the source's policy for a locked period. Parsing is pure: every entry of the
file ends as a `JournalEntry` or a `LedgerFailure` naming the entry and the source field; a file
whose header cannot be read is one `LedgerFileError`.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ofm.canonical.ledger import (
    ControlTotals,
    JournalBatch,
    JournalEntry,
    JournalLine,
    LockedPeriodPolicy,
    ReversalPolicy,
)
from ofm.canonical.money import out_of_range
from ofm.mappings.purchase_docs import field_path
from ofm.rules.policy_file import PolicyReader, load_policy_file

BUNDLED_DIR = Path(__file__).parent / "ledger"
TOP = {"source", "description", "files", "format", "csv", "journal", "currency", "locked_period", "reversal",
       "owner_team", "legal_entities", "batch", "entry", "line", "trailer", "taxes", "analytic",
       "allowed_account_types", "entries", "lines", "tax_use"}
BATCH = {"batch_id", "legal_entity", "period"}
ENTRY = {"number", "accounting_date", "ref"}
LINE = {"account_code", "debit", "credit", "currency", "amount_currency", "partner_ref", "label", "analytic",
        "tax_code", "tax_line"}
TRAILER = {"record", "debit", "credit", "lines", "entries"}
TRUE = {"1", "true", "yes", "y", "x", "tax", "t"}


class LedgerMappingError(ValueError):
    """A ledger mapping file is wrong; the message names the file and the key."""


class LedgerFileError(ValueError):
    """A delivery that cannot be read as a batch at all (no header, no entries): held whole."""


@dataclass(frozen=True)
class Source:
    """Where a value comes from: a column / dotted JSON path, or a constant; on a line, optionally translated by a
    table (`{column: line_type, map: {sale: "400000", fee: "653000"}}`): a value the table lacks fails the entry,
    naming the column."""

    path: tuple[str, ...] = ()
    value: Any = None
    table: dict[str, str] | None = field(default=None, hash=False, compare=False)

    @property
    def name(self) -> str:
        return ".".join(self.path) if self.path else f"(constant {self.value!r})"

    def get(self, node: Any) -> Any:
        path = self.path
        if self.table is not None:
            return self._translated(node)
        if len(path) == 1:  # a CSV column or a top-level key: the common case, kept cheap
            return node.get(path[0]) if isinstance(node, dict) else None
        if not path:
            return self.value
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        return node

    def _translated(self, node: Any) -> Any:
        value = replace(self, table=None).get(node)
        key = "" if value is None else str(value).strip()
        if key in self.table:
            return self.table[key]
        raise _EntryError(self.name, f"{key!r} is not in the mapping's table for it (mapped: "
                                     f"{', '.join(self.table)})")


@dataclass(frozen=True, eq=False)
class LedgerMapping:
    """A validated ledger mapping."""

    path: Path
    source: str
    files: tuple[str, ...]
    format: str  # csv | json
    delimiter: str
    decimal_comma: bool
    journal: str
    currency: str
    locked_period: LockedPeriodPolicy
    reversal: ReversalPolicy
    owner_team: str
    legal_entities: dict[str, str]
    batch: dict[str, Source]
    entry: dict[str, Source]
    line: dict[str, Source]
    trailer: dict[str, Source]
    record: tuple[str, str] | None  # CSV: (column, value) of the trailer row
    entries_path: tuple[str, ...]  # JSON: where the entries are; each entry's lines at `lines_path`
    lines_path: tuple[str, ...]
    taxes: dict[str, str]
    analytic: dict[str, str]
    allowed_account_types: tuple[str, ...] | None = None
    tax_use: str | None = None  # Odoo's type_tax_use the `taxes` names are looked up in: sale | purchase

    @cached_property
    def line_plan(self) -> tuple[tuple[tuple[str, str | None, Source, int], ...], Source | None]:
        """How a line is read, worked out once: ((field, plain column or key, source, kind), ...) for every
        field but the account code, and the account code's source."""
        plan = tuple((name, src.path[0] if len(src.path) == 1 and src.table is None else None, src, _KINDS[name])
                     for name, src in self.line.items() if name != "account_code")
        return plan, self.line.get("account_code")

    def reads(self, filename: str) -> bool:
        return any(fnmatch.fnmatch(filename, pattern) for pattern in self.files)


class _Reader(PolicyReader):
    error = LedgerMappingError

    def sources(self, node: Any, key: str, allowed: set[str], required: set[str],
                tables: bool = False) -> dict[str, Source]:
        node = self.mapping(node or {}, key, allowed)
        missing = sorted(required - set(node))
        if missing:
            raise self.fail(f"{key}.{missing[0]}", "required")
        out = {}
        for name, spec in node.items():
            if isinstance(spec, str):
                out[name] = Source(tuple(spec.split(".")))
            elif isinstance(spec, dict) and set(spec) == {"value"}:
                out[name] = Source(value=spec["value"])
            elif tables and isinstance(spec, dict) and set(spec) == {"column", "map"} \
                    and isinstance(spec["column"], str) and isinstance(spec["map"], dict) and spec["map"]:
                out[name] = Source(tuple(spec["column"].split(".")),
                                   table={str(k): str(v) for k, v in spec["map"].items()})
            else:
                raise self.fail(f"{key}.{name}", "a column / JSON path, or {value: constant}" +
                                (", or {column: ..., map: {source value: Odoo value}}" if tables else ""))
        return out

    def text(self, doc: dict, key: str, default: str | None = None) -> str:
        value = doc.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "required text")
        return value

    def choice(self, doc: dict, key: str, enum: type, default: Any) -> Any:
        try:
            return enum(doc.get(key, default.value))
        except ValueError:
            raise self.fail(key, f"one of {', '.join(e.value for e in enum)}") from None

    def codes(self, doc: dict, key: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.mapping(doc.get(key) or {}, key).items()}


class OdooAnalyticCodes(dict):
    """`analytic: odoo`: the delivery names Odoo's analytic accounts by their own code (or name) already,
    as the middleware's own deliveries do (the month-end accruals): every code maps to itself."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __getitem__(self, key: str) -> str:
        return key

    def get(self, key: str, default: Any = None) -> str:  # type: ignore[override]
        return key


def _parse(doc: Any, path: str) -> LedgerMapping:
    r = _Reader(path)
    doc = r.mapping(doc, "(top)", TOP)
    fmt = r.text(doc, "format")
    if fmt not in ("csv", "json"):
        raise r.fail("format", "csv or json")
    options = r.mapping(doc.get("csv") or {}, "csv", {"delimiter", "decimal"})
    trailer = dict(doc.get("trailer") or {})
    record = trailer.pop("record", None)
    if fmt == "csv" and trailer and not (isinstance(record, dict) and set(record) == {"column", "value"}):
        raise r.fail("trailer.record", "a CSV trailer needs {column: ..., value: ...} naming its row")
    files = doc.get("files")
    if not isinstance(files, list) or not files:
        raise r.fail("files", "a list of file name patterns, e.g. ['payroll*.csv']")
    types = doc.get("allowed_account_types")
    tax_use = doc.get("tax_use")
    if tax_use not in (None, "sale", "purchase"):
        raise r.fail("tax_use", "sale or purchase: the kind of Odoo tax the `taxes` names are (a chart may name a "
                                "sale and a purchase tax alike)")
    return LedgerMapping(
        path=Path(path), source=r.text(doc, "source"), files=tuple(map(str, files)), format=fmt,
        delimiter=str(options.get("delimiter", ",")), decimal_comma=options.get("decimal", ".") == ",",
        journal=r.text(doc, "journal"), currency=r.text(doc, "currency"),
        locked_period=r.choice(doc, "locked_period", LockedPeriodPolicy, LockedPeriodPolicy.REFUSE),
        reversal=r.choice(doc, "reversal", ReversalPolicy, ReversalPolicy.NONE),
        owner_team=r.text(doc, "owner_team", "accounting"), legal_entities=r.codes(doc, "legal_entities"),
        batch=r.sources(doc.get("batch"), "batch", BATCH, BATCH),
        entry=r.sources(doc.get("entry"), "entry", ENTRY, {"number", "accounting_date"}),
        line=r.sources(doc.get("line"), "line", LINE, {"account_code"}, tables=True),
        trailer=r.sources(trailer, "trailer", TRAILER - {"record"}, set()),
        record=(str(record["column"]), str(record["value"])) if record else None,
        entries_path=tuple(str(doc.get("entries", "entries")).split(".")),
        lines_path=tuple(str(doc.get("lines", "lines")).split(".")),
        taxes=r.codes(doc, "taxes"),
        analytic=OdooAnalyticCodes() if doc.get("analytic") == "odoo" else r.codes(doc, "analytic"),
        allowed_account_types=tuple(types) if types else None, tax_use=tax_use)


def load_ledger_mapping(path: str | Path) -> LedgerMapping:
    """The validated mapping at `path` (cached per modification time)."""
    return load_policy_file(path, Path(path), _parse, LedgerMappingError, "ledger mapping")


def ledger_mappings(folder: Path | None = None) -> list[LedgerMapping]:
    """Every mapping of a folder (default: the bundled ones), by file name."""
    return [load_ledger_mapping(p) for p in sorted((folder or BUNDLED_DIR).glob("*.yaml"))]


def mapping_for(filename: str, folder: Path | None = None) -> LedgerMapping:
    """The one mapping whose `files:` patterns match the file name."""
    found = [m for m in ledger_mappings(folder) if m.reads(filename)]
    if len(found) != 1:
        names = ", ".join(m.path.name for m in found) or "none"
        raise LedgerFileError(f"{filename}: {len(found)} ledger mappings read this file name ({names}); "
                              "name the file as one mapping's `files:` pattern says")
    return found[0]


# ---- parsing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFailure:
    """An entry that could not be mapped: which entry, which source field, why."""

    number: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"entry {self.number} {self.field}: {self.reason}"


@dataclass
class Delivery:
    """A parsed delivery: the batch (its entries those that mapped), the raw record of every entry, failures."""

    batch: JournalBatch
    raw: dict[str, Any] = field(default_factory=dict)  # entry number -> its raw rows / object
    failures: list[LedgerFailure] = field(default_factory=list)
    sums: dict[str, Any] = field(default_factory=dict)  # debit, credit, lines, entries over every raw line

    @property
    def received(self) -> int:
        return len(self.raw)


def _where(where: str, source: str | Source | None) -> str:
    if source is None:
        return where
    return f"{where}.{source.name if isinstance(source, Source) else source}"


class _EntryError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def _decimal(value: Any, where: str, comma: bool, source: str | Source | None = None) -> Decimal | None:
    """A decimal amount; `where` (+ `.source`, a name or a Source) names the field should it not be one."""
    if isinstance(value, str):  # the common case (CSV cells, JSON strings), kept cheap
        text = value.strip()
        if not text:
            return None
        if comma:
            text = text.replace(".", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise _EntryError(_where(where, source), f"not a decimal amount: {value!r}"[:200]) from None
        reason = out_of_range(amount)
        if reason is not None:
            raise _EntryError(_where(where, source), f"not a decimal amount: {value!r} ({reason})"[:200])
        return amount
    if value is None:
        return None
    where = _where(where, source)
    if isinstance(value, float):
        raise _EntryError(where, f"not a decimal amount: {value!r} (a float)")
    return _decimal(str(value), where, comma)


def _analytic(value: Any, where: str, comma: bool) -> tuple[tuple[str, Decimal], ...]:
    """'SALES:60|ADMIN:40', {"SALES": 60}, or [{"code": "SALES", "percent": 60}] as (code, percent) pairs."""
    if value is None or value == "" or value == {} or value == []:
        return ()
    if isinstance(value, str):
        pairs = [part.rsplit(":", 1) if ":" in part else [part, "100"] for part in value.split("|") if part.strip()]
    elif isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [(item.get("code"), item.get("percent")) if isinstance(item, dict) else tuple(item) for item in value]
    else:
        raise _EntryError(where, f"not an analytic distribution: {value!r}")
    out = []
    for code, percent in pairs:
        amount = _decimal(percent, where, comma)
        if not code or amount is None or "\x00" in str(code):
            raise _EntryError(where, f"not an analytic distribution: {value!r}"[:200])
        out.append((str(code).strip(), amount))
    return tuple(out)


_AMOUNT, _TEXT, _CURRENCY, _ANALYTIC, _TAX_LINE = range(5)
_KINDS = {"debit": _AMOUNT, "credit": _AMOUNT, "amount_currency": _AMOUNT, "partner_ref": _TEXT, "label": _TEXT,
          "tax_code": _TEXT, "currency": _CURRENCY, "analytic": _ANALYTIC, "tax_line": _TAX_LINE}


def _line(m: LedgerMapping, raw: dict[str, Any], where: str, currency: str) -> JournalLine:
    try:
        return _line_now(m, raw, where, currency)
    except _EntryError as exc:  # a table's refusal names its column only: the line's position in front
        if exc.field.startswith(where):
            raise
        raise _EntryError(f"{where}.{exc.field}", exc.reason) from None


def _line_now(m: LedgerMapping, raw: dict[str, Any], where: str, currency: str) -> JournalLine:
    plan, account_src = m.line_plan
    account = account_src.get(raw) if account_src is not None else None
    values: dict[str, Any] = {"account_code": str(account or "").strip(), "currency": currency}
    get = raw.get if isinstance(raw, dict) else None
    for name, key, src, kind in plan:  # one pass; empty cells (most of a CSV line) cost nothing
        value = get(key) if key is not None and get is not None else src.get(raw)
        if value is None or value == "":
            continue
        if kind == _AMOUNT:
            amount = _decimal(value, where, m.decimal_comma, src)
            if amount is not None:
                values[name] = amount
        elif kind == _TEXT:
            values[name] = str(value).strip()
        elif kind == _CURRENCY:
            values["currency"] = str(value).strip().upper()
        elif kind == _ANALYTIC:
            values["analytic"] = _analytic(value, f"{where}.{src.name}", m.decimal_comma)
        elif kind == _TAX_LINE:
            values["tax_line"] = str(value).strip().lower() in TRUE
    debit, credit = values.get("debit"), values.get("credit")
    if debit is not None and debit < 0:  # a negative debit is a credit, as some sub-ledgers write it
        values["credit"], values["debit"] = (credit or Decimal(0)) - debit, Decimal(0)
    elif credit is not None and credit < 0:
        values["debit"], values["credit"] = (debit or Decimal(0)) - credit, Decimal(0)
    try:
        return JournalLine(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "(line)"
        source = m.line[name].name if name in m.line else name
        raise _EntryError(f"{where}.{source}", str(err["msg"]).removeprefix("Value error, ")) from None


def _entry(m: LedgerMapping, head: dict[str, Any], lines: list[dict[str, Any]], currency: str) -> JournalEntry:
    number = str(m.entry["number"].get(head)).strip()
    values = {"number": number, "accounting_date": m.entry["accounting_date"].get(head),
              "ref": m.entry["ref"].get(head) if "ref" in m.entry else None,
              "lines": tuple(_line(m, raw, f"lines[{i}]", currency) for i, raw in enumerate(lines))}
    if values["accounting_date"] in (None, ""):
        raise _EntryError(m.entry["accounting_date"].name, "required")
    values["ref"] = str(values["ref"]).strip() or None if values["ref"] not in (None, "") else None
    try:
        return JournalEntry(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        source = m.entry[str(loc[0])].name if loc and str(loc[0]) in m.entry else field_path(loc)
        raise _EntryError(source, str(err["msg"]).removeprefix("Value error, ")) from None


def _records(m: LedgerMapping, text: str, name: str) -> tuple[dict[str, Any], list[tuple[dict, list[dict]]], dict]:
    """(header node, [(entry head, its line nodes)], trailer node) of a CSV or JSON delivery."""
    if m.format == "json":
        try:
            doc = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise LedgerFileError(f"{name}: not JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise LedgerFileError(f"{name}: a JSON delivery is an object with its entries")
        entries = Source(m.entries_path).get(doc)
        if not isinstance(entries, list):
            raise LedgerFileError(f"{name}: no list of entries at {'.'.join(m.entries_path)}")
        grouped = []
        for e in entries:
            lines = Source(m.lines_path).get(e) if isinstance(e, dict) else None
            grouped.append((e if isinstance(e, dict) else {}, lines if isinstance(lines, list) else []))
        return doc, grouped, doc
    reader = csv.reader(io.StringIO(text), delimiter=m.delimiter)
    try:
        return _csv_records(m, reader, name)
    except csv.Error as exc:  # a stray carriage return or quote: the file, not an entry, cannot be read
        raise LedgerFileError(f"{name}: line {reader.line_num}: not CSV: {exc}") from None


def _csv_records(m: LedgerMapping, reader: Any, name: str) -> tuple[dict[str, Any], list[tuple[dict, list[dict]]],
                                                                     dict]:
    header = next(reader, [])
    trailer: dict[str, Any] = {}
    by_number: dict[str, list[dict]] = {}
    record_column, record_value = m.record or (None, None)
    number_src = m.entry["number"]
    i = -1
    for cells in reader:
        if not cells:
            continue
        i += 1
        row = dict(zip(header, cells, strict=False))  # a short row lacks its last cells
        if record_column is not None and (row.get(record_column) or "").strip() == record_value:
            trailer = row
            continue
        number = number_src.get(row)
        number = (number.strip() if isinstance(number, str) else str(number or "").strip()) or f"row-{i + 2}"
        group = by_number.get(number)
        if group is None:
            by_number[number] = [row]
        else:
            group.append(row)
    if not by_number:
        raise LedgerFileError(f"{name}: no journal lines")
    first = next(iter(by_number.values()))[0]
    return first, [(lines[0], lines) for lines in by_number.values()], trailer


def parse_delivery(m: LedgerMapping, text: str, name: str) -> Delivery:
    """Every entry of the file as a JournalEntry or a LedgerFailure; LedgerFileError when the header fails."""
    header, grouped, trailer_node = _records(m, text, name)
    head = {k: src.get(header) for k, src in m.batch.items()}
    missing = [m.batch[k].name for k, v in head.items() if v in (None, "")]
    if missing:
        raise LedgerFileError(f"{name}: the batch header has no {missing[0]}")
    control: dict[str, Any] = {}
    try:
        for key, src in m.trailer.items():
            value = src.get(trailer_node)
            if key in ("lines", "entries"):
                control[key] = int(str(value).strip()) if value not in (None, "") else None
            else:
                control[key] = _decimal(value, src.name, m.decimal_comma)
    except (ValueError, _EntryError) as exc:
        raise LedgerFileError(f"{name}: the trailer's control totals: {exc}") from None
    delivery_entries, raw, failures, unmapped = [], {}, [], []
    for i, (entry_head, lines) in enumerate(grouped):
        number = str(m.entry["number"].get(entry_head) or "").strip() or f"position-{i + 1}"
        key = number if number not in raw else f"{number}@{i + 1}"  # a repeated number is its own record
        raw[key] = {"entry": entry_head, "lines": lines} if m.format == "json" else {"rows": lines}
        try:
            if key != number:
                raise _EntryError(m.entry["number"].name, f"entry number {number} repeated in the file")
            if not lines:
                raise _EntryError(".".join(m.lines_path), "the entry has no lines")
            delivery_entries.append(_entry(m, entry_head, lines, m.currency))
        except _EntryError as exc:
            failures.append(LedgerFailure(key, exc.field, exc.reason))
            unmapped.append(lines)
    try:
        batch = JournalBatch(source=m.source, batch_id=str(head["batch_id"]).strip(),
                             legal_entity=str(head["legal_entity"]).strip(), period=str(head["period"]).strip(),
                             journal_code=m.journal, currency=m.currency, control=ControlTotals(**control),
                             locked_period=m.locked_period, reversal=m.reversal, entries=tuple(delivery_entries))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise LedgerFileError(f"{name}: batch {field_path(err['loc'])}: {err['msg']}") from None
    return Delivery(batch, raw, failures, _sums(m, batch, unmapped, len(grouped)))


def _sums(m: LedgerMapping, batch: JournalBatch, unmapped: list[list[dict]], entries: int) -> dict[str, Any]:
    """What the file holds, also in the entries that did not map: compared with the trailer's control totals."""
    lines = [line for e in batch.entries for line in e.lines]
    sums: dict[str, Any] = {"debit": sum((x.debit for x in lines), Decimal(0)),
                            "credit": sum((x.credit for x in lines), Decimal(0)), "lines": len(lines),
                            "entries": entries}
    for rows in unmapped:  # read as far as they go
        for raw in rows:
            sums["lines"] += 1
            for key in ("debit", "credit"):
                try:
                    amount = _decimal(m.line[key].get(raw), key, m.decimal_comma) if key in m.line else None
                except _EntryError:
                    amount = None
                if amount is not None:  # a negative debit is a credit, as in the line itself
                    sums[key if amount >= 0 else ("credit" if key == "debit" else "debit")] += abs(amount)
    return sums
