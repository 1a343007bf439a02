"""Statement checks: does a statement add up, and does it follow on from the previous one?

A statement whose entries do not add up to its closing balance, or a missing or repeated
statement, means entries are missing or doubled: the cash position in Odoo would be wrong.
Such statements are reported as Problem values (errors are results, not exceptions), each
naming the account, the statement and the numbers, so treasury can ask the bank for the
right file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ofm.canonical.bank import BankStatement, EntryStatus
from ofm.rules.bank.amounts import compact

_NO_BALANCES = ("camt.054", "csv")  # notifications and CSV exports carry no balances by design
CODES = ("balance", "balance_missing", "balance_unchecked", "currency", "sequence_gap", "repeat", "opening_mismatch",
         "overlap")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a statement; `expected`/`actual` carry the numbers compared."""

    code: str  # one of CODES
    account: str
    statement: str
    message: str
    expected: Decimal | str | None = None
    actual: Decimal | str | None = None
    severity: str = "error"  # error: hold the statement; warning: import, but tell a person

    def __str__(self) -> str:
        return f"{self.account} statement {self.statement}: {self.message}"


def _name(statement: BankStatement) -> str:
    return statement.statement_id or statement.sequence or (
        statement.closing_date.isoformat() if statement.closing_date else "(no id)")


def check_balance(statement: BankStatement) -> list[Problem]:
    """Opening balance + booked entries = closing balance, all in the statement's currency."""
    account, name = compact(statement.account) or "(no account)", _name(statement)
    problems = [Problem("currency", account, name, f"entry {i + 1} is in {e.amount.currency}, the statement in "
                        f"{statement.currency}", statement.currency, e.amount.currency)
                for i, e in enumerate(statement.entries) if e.amount.currency != statement.currency]
    opening, closing = statement.opening_balance, statement.closing_balance
    if closing is None:
        # Interim reports (camt.052, MT942), partial statements and OFX without LEDGERBAL: nothing to
        # check against, which is a note for a person, not a reason to hold the entries.
        if not statement.format.startswith(_NO_BALANCES):
            computed = statement.closing_or_computed
            tail = f"; opening + booked entries = {computed.amount}" if computed is not None else ""
            problems.append(Problem(
                "balance_unchecked", account, name, "no closing balance in the file (an interim, partial or "
                f"investment cash statement): the balance check is skipped{tail}", severity="warning"))
        return problems
    if opening is None:
        if statement.format.startswith(("camt.053", "mt940")):
            problems.append(Problem("balance_missing", account, name, "the opening balance is missing"))
        return problems
    booked = sum((e.amount.amount for e in statement.entries
                  if e.status is EntryStatus.BOOKED and e.amount.currency == statement.currency), Decimal(0))
    expected = opening.amount + booked
    if expected != closing.amount:
        problems.append(Problem(
            "balance", account, name,
            f"opening {opening.amount} + entries {booked} = {expected}, but the closing balance is "
            f"{closing.amount} (difference {closing.amount - expected} {statement.currency})",
            expected, closing.amount))
    return problems


def _sequence(text: str | None) -> tuple[int, ...] | None:
    """'00123' -> (123,), MT940 '123/2' -> (123, 2); None when not numeric."""
    if not text or not re.fullmatch(r"\s*\d+(\s*/\s*\d+)?\s*", text):
        return None
    return tuple(int(part) for part in text.split("/"))


def _follows(prev: tuple[int, ...], cur: tuple[int, ...], new_year: bool) -> bool:
    if len(prev) == 2 and len(cur) == 2:  # next page of the same statement, or page 1 of the next
        return cur == (prev[0], prev[1] + 1) or cur == (prev[0] + 1, 1) or (new_year and cur[0] == 1)
    return cur[0] == prev[0] + 1 or (new_year and cur[0] == 1)  # legal sequences may restart each year


def _year(day: date | None) -> int | None:
    return day.year if day else None


@dataclass(frozen=True)
class Imported:
    """What of a statement's booked entries Odoo already has (recognised by their identity)."""

    known: int  # booked entries already imported
    new: int  # booked entries not imported yet
    amount: Decimal  # the sum of the known ones

    @property
    def everything(self) -> bool:
        return self.known > 0 and self.new == 0


NOTHING_IMPORTED = Imported(0, 0, Decimal(0))


def _same_statement(previous: BankStatement, current: BankStatement) -> bool:
    """The statement imported last, received again: same name, same balances."""
    def balances(s: BankStatement) -> tuple:
        return tuple(b.amount if b is not None else None for b in (s.opening_balance, s.closing_balance))
    return _name(previous) == _name(current) and balances(previous) == balances(current)


def check_continuity(previous: BankStatement, current: BankStatement,
                     imported: Imported | None = None) -> list[Problem]:
    """`current` follows `previous` of the same account: next sequence, closing = next opening.

    `imported` says which of `current`'s booked entries are already in Odoo (None: not known).
    All of them (or the last statement again, nothing new): a re-import, nothing to report. Some
    of them: the file repeats the end of what was imported (an intraday report, then the day's statement); those
    entries are skipped, the same sequence may continue, and the opening is compared with the
    previous closing less the repeated entries, which is what the bank's opening stands for.
    """
    account, name = compact(current.account) or "(no account)", _name(current)
    if compact(previous.account) != compact(current.account):
        raise ValueError(f"continuity of {account} checked against a statement of {previous.account}")
    if imported is not None and (imported.everything or (imported.new == 0 and _same_statement(previous, current))):
        return []
    imported = imported or NOTHING_IMPORTED
    overlap = imported.known > 0
    problems: list[Problem] = []
    prev_seq, cur_seq = _sequence(previous.sequence), _sequence(current.sequence)
    if prev_seq is not None and cur_seq is not None:
        new_year = _year(current.closing_date or current.opening_date) != _year(
            previous.closing_date or previous.opening_date)
        if (cur_seq < prev_seq or (cur_seq == prev_seq and not overlap)) and not (new_year and cur_seq[0] == 1):
            problems.append(Problem("repeat", account, name, f"sequence {current.sequence} repeats (previous "
                                    f"statement was {previous.sequence})", previous.sequence, current.sequence))
        elif cur_seq != prev_seq and not _follows(prev_seq, cur_seq, new_year):
            problems.append(Problem("sequence_gap", account, name, f"sequence {current.sequence} does not follow "
                                    f"{previous.sequence}: statements are missing", previous.sequence,
                                    current.sequence))
    dates_overlap = (previous.closing_date is not None and current.opening_date is not None
                     and current.opening_date < previous.closing_date)
    if dates_overlap and prev_seq is None and not overlap:
        problems.append(Problem("overlap", account, name, f"opens {current.opening_date}, before the previous "
                                f"statement closed ({previous.closing_date}), but repeats none of its entries",
                                severity="warning"))
    elif previous.closing_balance is not None and current.opening_balance is not None and (
            previous.closing_balance.amount != current.opening_balance.amount + imported.amount):
        prev_amt, cur_amt = previous.closing_balance.amount, current.opening_balance.amount + imported.amount
        after = f" after the {imported.known} entries already imported" if overlap else ""
        problems.append(Problem("opening_mismatch", account, name, f"opening balance {cur_amt}{after} differs "
                                f"from the previous closing balance {prev_amt} (statement {_name(previous)}; "
                                f"difference {cur_amt - prev_amt} {current.currency})", prev_amt, cur_amt))
    return problems


def imported_of(statement: BankStatement, ids: Sequence[str], known: Collection[str]) -> Imported:
    """Which booked entries of `statement` (entry ids `ids`, aligned) are among the `known` ids."""
    booked = [(eid, e) for eid, e in zip(ids, statement.entries, strict=True) if e.status is EntryStatus.BOOKED]
    seen = [e.amount.amount for eid, e in booked if eid in known]
    return Imported(len(seen), len(booked) - len(seen), sum(seen, Decimal(0)))


def check_statements(statements: Sequence[BankStatement],
                     previous: Mapping[str, BankStatement] | None = None,
                     ids: Sequence[Sequence[str]] | None = None, known: Collection[str] = ()) -> list[Problem]:
    """All checks for a batch in file order; `previous` is the last imported statement per account,
    `ids` the file's entry ids (aligned with the statements) and `known` those Odoo already has."""
    last = {compact(k): v for k, v in (previous or {}).items()}
    problems: list[Problem] = []
    for n, statement in enumerate(statements):
        imported = imported_of(statement, ids[n], known) if ids is not None else None
        key = compact(statement.account)
        if imported is None or not imported.everything:  # else a re-import: nothing of it is written again
            problems += check_balance(statement)
            if key in last:
                problems += check_continuity(last[key], statement, imported)
        last[key] = statement
    return problems
