"""Supplier: a vendor as the middleware understands it, independent of any one system.

Shapes only are validated here (types, ISO code formats). Whether a VAT number or IBAN is
*valid* is the data-quality checkpoint's job, so a bad one is reported as a named failed
check instead of vanishing in a model error.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from ofm.canonical.base import Frozen
from ofm.canonical.lineage import Lineage


class SupplierStatus(StrEnum):
    """Lifecycle of a supplier, mapped from each source's own statuses by its mapping file."""

    ACTIVE = "active"
    PENDING = "pending"
    BLOCKED = "blocked"
    INACTIVE = "inactive"


class Address(Frozen):
    """A postal address."""

    street: str | None = None
    street2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country code.")


class Contact(Frozen):
    """A person at the supplier."""

    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = Field(default=None, description="e.g. 'accounts_receivable', 'sales'.")


class BankAccount(Frozen):
    """A bank account the supplier is paid on."""

    iban: str = Field(description="IBAN (or account number) in compact form, no spaces.")
    bic: str | None = None
    holder_name: str | None = None
    currency: str | None = None

    @field_validator("iban")
    @classmethod
    def _compact(cls, value: str) -> str:
        return "".join(value.split()).upper()


class Supplier(Frozen):
    """A vendor to be onboarded into Odoo as a res.partner with supplier rank."""

    source_ref: str = Field(description="Supplier id in the source system.")
    revision: int | None = Field(default=None, description="Source revision of this record.")
    legal_name: str = Field(min_length=1, description="Registered legal name.")
    vat: str | None = Field(default=None, description="Tax id / VAT number, with country prefix.")
    vendor_code: str | None = Field(default=None, description="Internal vendor code (Odoo `ref`).")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country code.")
    currency: str | None = Field(default=None, description="ISO 4217 currency the supplier bills in.")
    payment_terms_code: str | None = Field(default=None, description="Payment term, source code.")
    status: SupplierStatus = SupplierStatus.ACTIVE
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    addresses: tuple[Address, ...] = ()
    contacts: tuple[Contact, ...] = ()
    bank_accounts: tuple[BankAccount, ...] = ()
    lineage: Lineage | None = None

    @field_validator("country")
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError(f"country must be an ISO 3166-1 alpha-2 code, got {value!r}")
        return value

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        if len(value) != 3 or not value.isalpha():
            raise ValueError(f"currency must be an ISO 4217 code, got {value!r}")
        return value

    @field_validator("vat")
    @classmethod
    def _compact_vat(cls, value: str | None) -> str | None:
        return None if value is None else odoo_vat(value) or None

    @property
    def record_ref(self) -> str:
        """Reference used in quarantine and audit rows."""
        return self.lineage.record_ref if self.lineage else f"supplier:{self.source_ref}"


def odoo_vat(value: str) -> str:
    """A VAT number as Odoo stores it (base_vat, seen on a real Odoo 19): the separators people
    print (spaces, . - / ,) removed and upper-cased, a valid Swiss one printed the Swiss way
    (`CHE-123.456.788 MWST`). Compared with what Odoo holds, anything else reads as a change and
    is written again on every run."""
    compact = "".join(c for c in value if not c.isspace() and c not in ".-/,").upper()
    if compact.startswith("CHE"):
        from stdnum.ch import vat as ch_vat

        if ch_vat.is_valid(compact):
            return ch_vat.format(compact)
    return compact


def compact_account(number: str) -> str:
    """Account numbers compared without spaces and case, as Odoo's sanitized number."""
    return "".join(str(number).split()).upper()


def mask_iban(iban: str) -> str:
    """Country and last four characters only: enough to recognise, not enough to misuse."""
    compact = compact_account(iban)
    return f"{compact[:2]}…{compact[-4:]}" if len(compact) > 6 else "…"
