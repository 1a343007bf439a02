"""Journal batches that sub-ledgers deliver (payroll, expenses, sales summaries, card settlements).

A `JournalBatch` is one delivery: its source, its id at the source, the legal entity and period it
books into, the control totals of its trailer, and what to do with an entry dated in a locked period.
Its `JournalEntry`s balance per currency (checked by `ofm.rules.ledger`, not here: an unbalanced
entry must still be representable so that it can be quarantined with its reason). Amounts are
Decimal, never float; a line is a debit or a credit in the company currency, with the amount in its
own currency when that differs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from pydantic import Field, field_validator

from ofm.canonical.base import Frozen
from ofm.canonical.lineage import Lineage


class LockedPeriodPolicy(StrEnum):
    """What happens to an entry dated in a period Odoo has locked (Odoo itself would silently re-date it)."""

    REFUSE = "refuse"  # quarantined, owner accounting
    DEFER = "defer"  # waits in the store; a later run posts it on its own date once the period is open
    NEXT_OPEN_DATE = "next_open_date"  # posted on the first open date; the original date kept in ref and audit


class ReversalPolicy(StrEnum):
    """Whether the batch's entries are reversed automatically (accruals are; payroll is not)."""

    NONE = "none"
    NEXT_PERIOD = "next_period"  # reversed on the first day of the next period (month-end close)


class ControlTotals(Frozen):
    """The trailer of a delivery: what the sender says it sent."""

    debit: Decimal | None = Field(default=None, description="Sum of all debits (company currency).")
    credit: Decimal | None = Field(default=None, description="Sum of all credits (company currency).")
    lines: int | None = Field(default=None, ge=0, description="Number of journal lines.")
    entries: int | None = Field(default=None, ge=0, description="Number of journal entries.")


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("an amount must not be a float; pass a string or Decimal")
    return value


class JournalLine(Frozen):
    """One line of a journal entry, as the source books it."""

    account_code: str = Field(min_length=1, description="The account code in Odoo's chart, e.g. '620200'.")
    debit: Decimal = Field(default=Decimal(0), ge=0, description="Debit in the company currency.")
    credit: Decimal = Field(default=Decimal(0), ge=0, description="Credit in the company currency.")
    currency: str = Field(description="ISO 4217 currency of the line.")
    amount_currency: Decimal | None = Field(default=None, description="Signed amount in `currency` when it is "
                                                                       "not the company currency.")
    partner_ref: str | None = Field(default=None, description="The partner's reference (Odoo `ref`).")
    label: str = Field(default="", description="The line's text.")
    analytic: tuple[tuple[str, Decimal], ...] = Field(default=(), description="Analytic distribution as (analytic "
                                                                              "code, percent) pairs.")
    tax_code: str | None = Field(default=None, description="Source tax code on a base line (mapped to an Odoo tax).")
    tax_line: bool = Field(default=False, description="The tax amount of a base line's tax: Odoo computes it; the "
                                                      "middleware checks Odoo's equals it.")

    @field_validator("debit", "credit", "amount_currency", mode="before")
    @classmethod
    def _amounts(cls, value: object) -> object:
        return _no_float(value)

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


class JournalEntry(Frozen):
    """One journal entry (an Odoo account.move of type 'entry')."""

    number: str = Field(min_length=1, description="The entry's number within its batch (its anchor with it).")
    accounting_date: date = Field(description="The date the source books it on.")
    ref: str | None = Field(default=None, description="The source's own reference (an expense report, a run).")
    lines: tuple[JournalLine, ...] = Field(min_length=1)

    def content_hash(self) -> str:
        """sha256 of what the entry books (not its batch): the same entry delivered again has the same hash."""
        return self._hash

    @cached_property
    def _hash(self) -> str:  # computed once: the record is frozen
        parts = [str(self.accounting_date), self.ref or ""]
        for x in self.lines:  # every field of every line, in order, each in its canonical text
            parts += [x.account_code, str(x.debit.normalize()), str(x.credit.normalize()), x.currency,
                      "" if x.amount_currency is None else str(x.amount_currency.normalize()), x.partner_ref or "",
                      x.label, json.dumps([[c, str(p.normalize())] for c, p in x.analytic]) if x.analytic else "[]",
                      x.tax_code or "",
                      "1" if x.tax_line else "0"]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({line.currency for line in self.lines}))


class JournalBatch(Frozen):
    """One delivery of a sub-ledger: a batch of journal entries for one legal entity and period."""

    source: str = Field(min_length=1, description="The sub-ledger, e.g. 'payroll' (the mapping's source).")
    batch_id: str = Field(min_length=1, description="The batch's id at the source; posted at most once.")
    legal_entity: str = Field(min_length=1, description="The legal entity (routed to an Odoo company).")
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The accounting period, 'YYYY-MM'.")
    journal_code: str = Field(min_length=1, description="The Odoo journal the entries go to.")
    currency: str = Field(description="The company currency the debits and credits are in.")
    control: ControlTotals = Field(default_factory=ControlTotals)
    locked_period: LockedPeriodPolicy = LockedPeriodPolicy.REFUSE
    reversal: ReversalPolicy = ReversalPolicy.NONE
    entries: tuple[JournalEntry, ...] = ()
    lineage: Lineage | None = None

    @field_validator("batch_id", "source")
    @classmethod
    def _no_colon(cls, value: str) -> str:
        if ":" in value or "#" in value:  # both separate the parts of the Odoo anchor
            raise ValueError(f"must not contain ':' or '#', got {value!r}")
        return value

    def entry_ref(self, entry: JournalEntry) -> str:
        """The record reference of an entry in quarantine and the audit trail."""
        return f"ledger:{self.source}:{self.batch_id}:{entry.number}"

    @property
    def record_ref(self) -> str:
        return f"ledger:{self.source}:{self.batch_id}"
