"""Recurring entries of a period, from schedules declared as data: prepaid expenses released in equal parts,
depreciation as the fixed-asset register's schedule gives it.

A prepaid expense of `amount` over `periods` months from `first_period` releases `amount / periods` (to the
cent, half up) each month, debit its expense account, credit the prepaid (deferred charges) account; the
last month releases what is left, so the parts add up to the amount exactly. A depreciation row of the
schedule for the period is one entry, debit the depreciation expense, credit accumulated depreciation.
Each entry is numbered by its schedule (`prepaid-<id>`, `dep-<asset>`): the same period closed twice
gives the same entries, which the ledger pipeline posts once. Pure; the files are read in
ofm/mappings/close_policy.py.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Prepaid:
    id: str
    legal_entity: str
    description: str
    amount: Decimal
    currency: str
    first_period: str
    periods: int
    expense_account: str
    prepaid_account: str

    def part(self, period: str) -> Decimal | None:
        """What this period releases, or None when the period is outside the schedule."""
        index = _months(self.first_period, period)
        if not 0 <= index < self.periods:
            return None
        each = (self.amount / self.periods).quantize(CENT, rounding=ROUND_HALF_UP)
        return self.amount - each * (self.periods - 1) if index == self.periods - 1 else each


@dataclass(frozen=True)
class Depreciation:
    asset: str
    legal_entity: str
    period: str
    amount: Decimal
    expense_account: str
    accumulated_account: str


@dataclass(frozen=True)
class RecurringEntry:
    number: str
    label: str
    debit_account: str
    credit_account: str
    amount: Decimal
    currency: str


def _months(first: str, period: str) -> int:
    (y1, m1), (y2, m2) = (tuple(int(p) for p in x.split("-")) for x in (first, period))
    return (y2 - y1) * 12 + (m2 - m1)


def parse_schedule(text: str, name: str = "depreciation.csv") -> list[Depreciation]:
    """The depreciation schedule's rows; ValueError naming the row and the column of anything wrong."""
    reader = csv.DictReader(io.StringIO(text))
    wanted = ["asset", "legal_entity", "period", "amount", "expense_account", "accumulated_account"]
    missing = [c for c in wanted if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    rows = []
    for i, row in enumerate(reader, start=2):
        try:
            amount = Decimal(row["amount"])
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", (row["period"] or "").strip()):
                raise ValueError(row["period"])
        except Exception:
            raise ValueError(f"{name} row {i}: amount {row['amount']!r} or period {row['period']!r} is not valid "
                             "(a decimal and YYYY-MM)") from None
        if amount <= 0 or any(not (row[c] or "").strip() for c in wanted):
            raise ValueError(f"{name} row {i}: every column needs a value and the amount must be positive")
        rows.append(Depreciation(row["asset"].strip(), row["legal_entity"].strip(), row["period"].strip(), amount,
                                 row["expense_account"].strip(), row["accumulated_account"].strip()))
    return rows


def recurring_entries(prepaid: list[Prepaid], schedule: list[Depreciation], period: str,
                      legal_entity: str, currency: str = "EUR") -> list[RecurringEntry]:
    """The entries due in `period` for one legal entity, in a stable order."""
    out = []
    for p in sorted(prepaid, key=lambda x: x.id):
        part = p.part(period)
        if p.legal_entity == legal_entity and part:
            index = _months(p.first_period, period) + 1
            out.append(RecurringEntry(f"prepaid-{p.id}", f"{p.description}: part {index} of {p.periods}",
                                      p.expense_account, p.prepaid_account, part, p.currency))
    for d in sorted(schedule, key=lambda x: x.asset):
        if d.legal_entity == legal_entity and d.period == period:
            out.append(RecurringEntry(f"dep-{d.asset}", f"Depreciation {d.asset} {period}", d.expense_account,
                                      d.accumulated_account, d.amount, currency))
    return out
