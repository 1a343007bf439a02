"""Supplier decisions: what to do in Odoo for one canonical supplier. Pure: no I/O, no clock.

The decision compares the desired state (procurement-owned fields only) with what Odoo holds:
create, update the owned fields that differ, leave unchanged, or hold. A bank account that
Odoo does not know yet on an *existing* supplier is never applied silently: it is held for
approval (payment fraud usually starts with a changed IBAN). A supplier that only resembles
an existing partner (name + country) is held for review, never merged automatically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Action", "Decision", "References", "bank_vals", "compact_account", "decide", "mask_iban",
           "partner_vals"]

from ofm.canonical import BankAccount, Supplier, SupplierStatus, compact_account, mask_iban


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    HOLD = "hold"


@dataclass(frozen=True)
class References:
    """Odoo ids of the reference data a supplier points at, keyed by their business codes."""

    countries: Mapping[str, int]  # ISO code -> res.country id
    currencies: Mapping[str, int]  # ISO code -> res.currency id (active only)
    payment_terms: Mapping[str, int]  # term name -> account.payment.term id


@dataclass(frozen=True)
class Decision:
    """What the load step must do for one supplier, and why."""

    record_ref: str
    action: Action
    odoo_id: int | None = None
    vals: dict[str, Any] = field(default_factory=dict)
    changed_fields: tuple[str, ...] = ()
    held_bank_accounts: tuple[BankAccount, ...] = ()
    reasons: tuple[str, ...] = ()


def partner_vals(supplier: Supplier, refs: References, owned: Iterable[str]) -> dict[str, Any]:
    """res.partner values for the fields procurement owns (and only those)."""
    address = supplier.addresses[0] if supplier.addresses else None
    country = supplier.country or (address.country if address else None)
    candidates: dict[str, Any] = {
        "name": supplier.legal_name,
        "vat": supplier.vat or False,
        "ref": supplier.vendor_code or False,
        "email": supplier.email or False,
        "phone": supplier.phone or False,
        "website": supplier.website or False,
        "street": (address.street if address else None) or False,
        "street2": (address.street2 if address else None) or False,
        "city": (address.city if address else None) or False,
        "zip": (address.postal_code if address else None) or False,
        "country_id": refs.countries.get(country) if country else False,
        "property_supplier_payment_term_id": (
            refs.payment_terms.get(supplier.payment_terms_code)
            if supplier.payment_terms_code else False),
        "property_purchase_currency_id": (
            refs.currencies.get(supplier.currency) if supplier.currency else False),
        "supplier_rank": 1,
        "is_company": True,
        "active": supplier.status in (SupplierStatus.ACTIVE, SupplierStatus.PENDING),
    }
    owned_set = set(owned)
    return {name: value for name, value in candidates.items() if name in owned_set}


def bank_vals(account: BankAccount) -> dict[str, Any]:
    """res.partner.bank values for one account (acc_number is Odoo's required key)."""
    vals: dict[str, Any] = {"acc_number": account.iban}
    if account.holder_name:
        vals["acc_holder_name"] = account.holder_name
    return vals


def _normalise(value: Any) -> Any:
    """Odoo reads many2one as [id, name] and empty chars as False; compare like with like."""
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], int):
        return value[0]
    if value is None or value == "":
        return False
    return value


def decide(
    supplier: Supplier,
    desired: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    existing_accounts: Iterable[str] = (),
    similar: Iterable[tuple[int, str, float]] = (),
    review_approved: bool = False,
    bank_change_approved: bool = False,
) -> Decision:
    """Decide create / update / unchanged / hold for one supplier."""
    ref = supplier.record_ref
    if supplier.status is SupplierStatus.PENDING:
        return Decision(ref, Action.HOLD, existing["id"] if existing else None,
                        reasons=("awaiting approval in the source system (status pending)",))
    if existing is None:
        lookalikes = list(similar)
        if lookalikes and not review_approved:
            names = "; ".join(f"#{pid} {name!r} ({score:.0f}%)" for pid, name, score in lookalikes)
            return Decision(ref, Action.HOLD, reasons=(f"possible duplicate of {names}",))
        vals = dict(desired)
        if not vals.get("active", True):
            return Decision(ref, Action.UNCHANGED,
                            reasons=("not in Odoo and not active at the source: nothing to do",))
        if supplier.bank_accounts:
            vals["bank_ids"] = [(0, 0, bank_vals(acc)) for acc in supplier.bank_accounts]
        return Decision(ref, Action.CREATE, vals=vals, changed_fields=tuple(sorted(desired)))

    changes = {
        name: value for name, value in desired.items()
        if _normalise(existing.get(name)) != _normalise(value)
        and not (name == "supplier_rank" and (existing.get(name) or 0) >= 1)
    }
    known = {compact_account(n) for n in existing_accounts}
    new_accounts = tuple(a for a in supplier.bank_accounts if compact_account(a.iban) not in known)
    if new_accounts and not bank_change_approved:
        return Decision(
            ref, Action.HOLD, existing["id"], vals=changes, changed_fields=tuple(sorted(changes)),
            held_bank_accounts=new_accounts,
            reasons=tuple(f"new bank account {mask_iban(a.iban)} on an existing supplier "
                          "needs approval" for a in new_accounts))
    if changes or new_accounts:
        return Decision(ref, Action.UPDATE, existing["id"], vals=changes,
                        changed_fields=tuple(sorted(changes)), held_bank_accounts=new_accounts)
    return Decision(ref, Action.UNCHANGED, existing["id"])
