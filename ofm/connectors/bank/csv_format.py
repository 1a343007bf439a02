"""Bank CSV exports read through a declared mapping (csv_mapping.py) into canonical statements.

A CSV export carries no balances, so its statements have none; rows are grouped into one
statement per account and currency, in file order. Every cell problem names the line and the
column header, and a row with a different number of cells than the header (a cut-off file) fails.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from decimal import Decimal

from ofm.canonical.bank import BankEntry, BankStatement
from ofm.connectors.bank.common import (
    counterparty_account,
    creditor_reference,
    join_text,
    money,
    parse_amount,
    split_account,
    value,
)
from ofm.connectors.bank.csv_mapping import CsvMapping
from ofm.connectors.bank.errors import BankFileError

_SIGNED = re.compile(r"^([+-]?)(.*?)(-?)$")


class _Cell(ValueError):
    """A bad cell; the row loop adds the line number."""


def parse_csv(data: bytes, name: str, mapping: CsvMapping) -> list[BankStatement]:
    """The statements of a CSV export, or BankFileError with the line (and column) of the first problem."""
    try:
        text = data.decode(mapping.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BankFileError(name, f"line {line}", f"not {mapping.encoding} (byte offset {exc.start})") from None
    except LookupError:
        raise BankFileError(name, None, f"mapping {mapping.name!r} names an unknown encoding") from None
    lines = text.splitlines(keepends=True)[mapping.skip_rows:]
    reader = csv.reader(lines, delimiter=mapping.delimiter, strict=True)
    first = mapping.skip_rows
    try:
        header = [h.strip() for h in next(reader)]
        index = _columns(header, mapping, name, first + 1)
        groups: dict[tuple[str | None, str], list[BankEntry]] = {}
        for row in reader:
            line = first + reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise BankFileError(name, f"line {line}", f"{len(row)} cells, the header has {len(header)}")
            try:
                account, entry = _row(row, index, mapping)
            except _Cell as exc:
                raise BankFileError(name, f"line {line}", str(exc)) from None
            groups.setdefault((account, entry.amount.currency), []).append(entry)
    except StopIteration:
        raise BankFileError(name, f"line {first + 1}", "no header row") from None
    except csv.Error as exc:
        raise BankFileError(name, f"line {first + reader.line_num}", f"malformed CSV: {exc}") from None
    if not groups:
        raise BankFileError(name, None, "no rows after the header")
    return [BankStatement(format=f"csv:{mapping.name}", account_iban=split_account(account)[0],
                          account_number=split_account(account)[1], currency=currency, entries=tuple(entries))
            for (account, currency), entries in groups.items()]


def _columns(header: list[str], mapping: CsvMapping, name: str, line: int) -> dict[str, int]:
    """Canonical key -> cell index; a mapped header missing from the file fails unless optional."""
    index: dict[str, int] = {}
    wanted = {k: v for k, v in mapping.columns.model_dump().items() if v and k != "remittance"}
    wanted |= {f"remittance.{i}": col for i, col in enumerate(mapping.columns.remittance)}
    for key, column in wanted.items():
        if column in header:
            index[key] = header.index(column)
        elif key.split(".")[0] not in mapping.optional_columns:
            raise BankFileError(name, f"line {line}", f"no column {column!r} (columns.{key.split('.')[0]} "
                                f"of mapping {mapping.name!r}) in the header")
    return index


def _row(row: list[str], index: dict[str, int], mapping: CsvMapping) -> tuple[str | None, BankEntry]:
    def cell(key: str) -> str | None:
        return value(row[index[key]]) if key in index else None

    currency = (cell("currency") or mapping.currency or "").upper()
    if "amount" in index:
        amount = _amount(cell("amount"), mapping, mapping.columns.amount)
    else:
        out = _amount(cell("debit"), mapping, mapping.columns.debit, unsigned=True) if cell("debit") else None
        into = _amount(cell("credit"), mapping, mapping.columns.credit, unsigned=True) if cell("credit") else None
        if out is None and into is None:
            raise _Cell(f"neither {mapping.columns.debit!r} nor {mapping.columns.credit!r} has an amount")
        amount = (into or Decimal(0)) - (out or Decimal(0))
    ref, ref_type = creditor_reference(cell("creditor_reference"))
    try:
        entry = BankEntry(
            booking_date=_date(cell("booking_date"), mapping, mapping.columns.booking_date),
            value_date=_date(cell("value_date"), mapping, mapping.columns.value_date),
            amount=money(amount, currency), counterparty_name=cell("counterparty_name"),
            counterparty_iban=counterparty_account(cell("counterparty_iban")),
            counterparty_bic=cell("counterparty_bic"), bank_reference=cell("bank_reference"),
            end_to_end_id=cell("end_to_end_id"), creditor_reference=ref, creditor_reference_type=ref_type,
            remittance=join_text([cell(k) for k in index if k.startswith("remittance.")]),
            transaction_code=cell("transaction_code"))
    except ValueError as exc:  # pydantic: e.g. a currency cell that is no ISO code
        raise _Cell(f"not a valid entry: {str(exc).splitlines()[-1].strip() if str(exc) else exc}") from None
    return cell("account") or mapping.account, entry


def _amount(raw: str | None, mapping: CsvMapping, column: str | None, unsigned: bool = False) -> Decimal:
    text = (raw or "").replace(" ", "").replace("\u00a0", "")
    if mapping.thousands_separator:
        text = text.replace(mapping.thousands_separator, "")
    lead, digits, trail = _SIGNED.match(text).groups()  # type: ignore[union-attr]
    try:
        amount = parse_amount(digits, mapping.decimal_separator)
    except ValueError:
        raise _Cell(f"column {column!r}: not an amount: {raw!r}") from None
    negative = "-" in (lead, trail)
    if unsigned:
        return amount  # debit/credit columns say the direction; a stray sign does not flip it
    return -amount if negative else amount


def _date(raw: str | None, mapping: CsvMapping, column: str | None) -> date | None:
    if raw is None:
        if column == mapping.columns.booking_date:
            raise _Cell(f"column {column!r}: no date")
        return None
    try:
        return datetime.strptime(raw, mapping.date_format).date()
    except ValueError:
        raise _Cell(f"column {column!r}: {raw!r} is not a date in the format {mapping.date_format!r}") from None
