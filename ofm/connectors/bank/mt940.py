"""SWIFT MT940 statements into canonical statements, with the `mt-940` library reading each field.

The library (BSD, WoLpH/mt940) knows the field grammars and bank quirks (two-digit years,
entry dates across New Year, Sparkassen line breaks inside `:61:`); our framing gives every field
its line number, so a broken field fails as "file: line N: :61: …", and keeps one statement per
`:20:`. The sign comes from the `:61:` mark: C and RD are money in, D and RC money out, and the
R marks are reversals. A file that never names its currency (a bare fragment) gets XXX.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import mt940 as mt940_lib

from ofm.canonical.bank import BankEntry, BankStatement
from ofm.canonical.money import Money
from ofm.connectors.bank.common import NO_CURRENCY, money, split_account, value
from ofm.connectors.bank.errors import BankFileError
from ofm.connectors.bank.mt940_details import parse_details
from ofm.connectors.bank.mt940_lines import Field, split_messages

_OPTIONS = mt940_lib.Options(case_insensitive_marks=True, timezone_offset=True)
_OPENING = ("final_opening_balance", "opening_balance", "intermediate_opening_balance")
_CLOSING = ("final_closing_balance", "closing_balance", "intermediate_closing_balance")
_OUT_MARKS = ("D", "RC")


def parse_mt940(text: str, name: str) -> list[BankStatement]:
    """Every statement in the file, or BankFileError naming the line of the first bad field."""
    messages = split_messages(text)
    if not messages:
        raise BankFileError(name, None, "no MT940 fields (:20:, :61:, …) found")
    with _library_quiet():
        return [_statement(fields, name) for fields in messages]


@contextmanager
def _library_quiet() -> Iterator[None]:
    """The library logs every field that does not match at ERROR level, over many lines; our
    BankFileError already says which line and why, on one."""
    log = logging.getLogger("mt940")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        log.setLevel(level)


def _statement(fields: list[Field], name: str) -> BankStatement:
    ctx = mt940_lib.models.Transactions(options=_OPTIONS)  # holds the balances the :61: currency comes from
    lines: list[tuple[Field, dict[str, Any], list[str]]] = []
    in_transaction = False
    for f in fields:
        if f.tag == "86":
            if in_transaction:
                lines[-1][2].extend(f.lines)
            continue  # an :86: after the balances informs the account owner; it is no entry's text
        in_transaction = f.tag == "61" or (in_transaction and f.tag == "NS")  # :NS: may sit between
        result = _parse_field(ctx, f, name)
        if f.tag == "61":
            lines.append((f, result, []))
        elif result:
            ctx.data.update(result)
    data = ctx.data
    opening = next((data[k] for k in _OPENING if k in data), None)
    closing = next((data[k] for k in _CLOSING if k in data), None)
    if opening is not None and closing is None:
        raise BankFileError(name, f"line {fields[-1].line}",
                            "statement has an opening balance but no closing balance (:62F:/:62M:): truncated?")
    currency = ctx.currency or NO_CURRENCY
    iban, number = split_account(_without_currency(data.get("account_identification"), currency))
    statement_number, sequence_number = data.get("statement_number"), data.get("sequence_number")
    entries = []
    for f, result, details in lines:
        try:
            entries.append(_entry(result, details, currency))
        except ValueError as exc:
            raise BankFileError(name, f"line {f.line}", f":61: cannot be read: {_first_line(exc)}") from None
    created = data.get("date")
    try:
        return BankStatement(
            format="mt940", statement_id=value(data.get("transaction_reference")),
            sequence=f"{statement_number}/{sequence_number}" if sequence_number else statement_number,
            account_iban=iban, account_number=number, currency=currency,
            opening_balance=_balance(opening), closing_balance=_balance(closing),
            opening_date=_day(opening.date) if opening else None, closing_date=_day(closing.date) if closing else None,
            created_at=created if isinstance(created, datetime) else None, entries=tuple(entries))
    except ValueError as exc:
        raise BankFileError(name, f"line {fields[0].line}", f"statement cannot be read: {_first_line(exc)}") from None


def _parse_field(ctx: Any, f: Field, name: str) -> dict[str, Any]:
    """One field through the library's tag parser and its pre/post processors (as its own parser does)."""
    tag = ctx.tags.get(f.tag) or ctx.tags.get(int(f.tag[:2]) if f.tag[:2].isdigit() else f.tag)
    if tag is None:
        return {}  # a field the library does not know (:13D: variants, bank extensions): not ours to judge
    try:
        parsed = tag.parse(ctx, f.value)
        for processor in ctx.processors.get(f"pre_{tag.slug}", []):
            parsed = processor(ctx, tag, parsed)
        result = tag(ctx, parsed)
        for processor in ctx.processors.get(f"post_{tag.slug}", []):
            result = processor(ctx, tag, parsed, result)
    except (RuntimeError, ValueError, ArithmeticError, KeyError, TypeError) as exc:
        reason = "does not match the field's format" if isinstance(exc, RuntimeError) else str(exc)
        raise BankFileError(name, f"line {f.line}", f":{f.tag}: {reason}: {f.value[:40]!r}") from None
    return result


def _entry(result: dict[str, Any], details_lines: list[str], currency: str) -> BankEntry:
    mark = str(result.get("status") or "").upper()
    amount = money(abs(Decimal(result["amount"].amount)), currency)
    bank_reference = value(result.get("bank_reference"))
    return BankEntry(
        booking_date=_day(result.get("entry_date") or result["date"]), value_date=_day(result["date"]),
        amount=-amount if mark in _OUT_MARKS else amount, reversal=mark.startswith("R"),
        bank_reference=bank_reference, transaction_code=value(result.get("id")),
        **parse_details(details_lines))


def _first_line(exc: Exception) -> str:
    """Pydantic's message without its multi-line detail block."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " / ".join(lines[:3]) if lines else type(exc).__name__


def _day(day: Any) -> date | None:
    """The library's Date subclass as a plain date."""
    return date(day.year, day.month, day.day) if day else None


def _balance(balance: Any) -> Money | None:
    if balance is None:
        return None
    return money(Decimal(balance.amount.amount), balance.amount.currency)


def _without_currency(account: str | None, currency: str) -> str | None:
    """Rabobank and others append the currency to :25: ('NL…RABO…EUR'); it is not part of the account."""
    if account and account.strip().upper().endswith(currency) and len(account.strip()) > 3:
        return account.strip()[: -len(currency)]
    return account
