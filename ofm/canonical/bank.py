"""Bank statements as the middleware understands them, whatever format the bank sent.

Every parser (camt.05x, MT940, OFX, CSV) produces these; matching and loading read only these.
Amounts are signed from the account holder's side: money in is positive, money out negative.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from ofm.canonical.base import Frozen
from ofm.canonical.money import Money


class EntryStatus(StrEnum):
    """Whether the bank has booked an entry (final) or only announced it."""

    BOOKED = "booked"
    PENDING = "pending"
    INFO = "info"


class BankEntry(Frozen):
    """One movement on the account, as the bank reported it."""

    booking_date: date | None = Field(default=None, description="Date the bank booked it.")
    value_date: date | None = Field(default=None, description="Date the money counts from.")
    amount: Money = Field(description="Signed amount in the account's currency; money out is negative.")
    original_amount: Money | None = Field(
        default=None, description="Instructed amount in its own currency when it differs (FX), signed likewise.")
    status: EntryStatus = EntryStatus.BOOKED
    reversal: bool = Field(default=False, description="The bank reverses an earlier entry (camt RvslInd, MT940 RC/RD).")
    bank_reference: str | None = Field(
        default=None, description="The bank's own reference (camt AcctSvcrRef, MT940 :61: bank ref, OFX FITID).")
    end_to_end_id: str | None = Field(default=None, description="End-to-end id set by the payer (EREF).")
    counterparty_name: str | None = None
    counterparty_iban: str | None = Field(default=None, description="Counterparty account (IBAN when it is one).")
    counterparty_bic: str | None = None
    creditor_reference: str | None = Field(
        default=None, description="Structured creditor reference (RF ISO 11649, Swiss QRR, ISR/ESR).")
    creditor_reference_type: str | None = Field(default=None, description="RF, QRR, ISR or SCOR.")
    remittance: str | None = Field(default=None, description="Unstructured remittance text, joined.")
    transaction_code: str | None = Field(
        default=None, description="Bank transaction code: ISO domain/family/sub-family, SWIFT or OFX type.")


class BankStatement(Frozen):
    """One statement (or report/notification) of one account."""

    format: str = Field(description="camt.053, camt.052, camt.054, mt940, ofx or csv, with the version if known.")
    statement_id: str | None = Field(default=None, description="The statement's own id (camt Id, MT940 :20:).")
    sequence: str | None = Field(
        default=None, description="Electronic/legal sequence number (camt ElctrncSeqNb/LglSeqNb, MT940 :28C:).")
    account_iban: str | None = None
    account_number: str | None = Field(default=None, description="Account id when it is not an IBAN.")
    account_bic: str | None = None
    currency: str = Field(description="ISO 4217 currency of the account.")
    opening_balance: Money | None = None
    closing_balance: Money | None = Field(
        default=None, description="The closing balance the bank wrote; None for interim reports (camt.052 "
        "without CLBD, MT942), partial statements and OFX without LEDGERBAL.")
    opening_date: date | None = None
    closing_date: date | None = None
    created_at: datetime | None = None
    entries: tuple[BankEntry, ...] = ()

    @property
    def account(self) -> str | None:
        """The account key used for routing and continuity: IBAN, else the bank's account number."""
        return self.account_iban or self.account_number

    @property
    def closing_or_computed(self) -> Money | None:
        """The bank's closing balance, else opening + booked entries (an interim or partial statement),
        else None. What a cash position can stand on; never a substitute for checking a written closing."""
        if self.closing_balance is not None:
            return self.closing_balance
        if self.opening_balance is None:
            return None
        booked = sum((e.amount.amount for e in self.entries
                      if e.status is EntryStatus.BOOKED and e.amount.currency == self.opening_balance.currency),
                     Decimal(0))
        return Money(amount=self.opening_balance.amount + booked, currency=self.opening_balance.currency)
