"""Human text for each reason: the line, the field, expected and actual, and the tolerance that decided.

Only rows that failed a check reach here (exceptions are few), so formatting row by row is cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ofm.canonical.money import minor_units
from ofm.rules.match3.policy import MatchPolicy


def money(minor: int, currency: str) -> str:
    """12.90 EUR from 1290 minor units."""
    return f"{_decimal(int(minor), minor_units(currency), False)} {currency}"


def milli(value: int) -> str:
    """2.5 from 2500 thousandths (quantities, tax rates)."""
    return _decimal(int(value), 3, True)


def pct_e4(value: int) -> str:
    """2 from 20000 (tolerance percentages in 1/10,000 %)."""
    return _decimal(int(value), 4, True)


def _decimal(value: int, places: int, trim: bool) -> str:
    """value / 10**places written out exactly, in integers (reasons are many: no Decimal per number):
    all `places` decimals, or with `trim` no trailing zeros and no point for a whole number."""
    whole, part = divmod(-value if value < 0 else value, 10**places)
    sign = "-" if value < 0 else ""
    if not places or (trim and not part):
        return f"{sign}{whole}"
    digits = f"{part:0{places}d}"
    return f"{sign}{whole}.{digits.rstrip('0') if trim else digits}"


def off_by(actual: int, expected: int) -> str:
    """'3.2 % above' / 'exactly' / 'below' (when the reference is 0)."""
    if not expected:
        return "above" if actual > expected else "below"
    share = abs(Decimal(int(actual) - int(expected)) / Decimal(int(expected)) * 100)
    return f"{share:.1f} % {'above' if actual > expected else 'below'}"


def _price(r: Any, policy: MatchPolicy) -> str:
    tol = policy.tolerance(r.currency)
    return (f"line {r.line_no} unit price {money(r.unit_price_minor, r.currency)} is "
            f"{off_by(r.unit_price_minor, r.o_unit_price_minor)} the order's {money(r.o_unit_price_minor, r.currency)} "
            f"(tolerance {pct_e4(tol.price_percent_e4)} %, {money(tol.price_absolute_minor, r.currency)})")


def _amended(r: Any, policy: MatchPolicy) -> str:
    return (f"{_price(r, policy)}; order {r.order_number} was amended to revision {r.o_revision}: "
            f"the bill may be priced at an earlier revision")


def _quantity(r: Any, policy: MatchPolicy) -> str:
    basis = "ordered" if r.o_purchase_method == "purchase" else "received"
    return (f"line {r.line_no} bills quantity {milli(r.quantity_milli)} but only {milli(r.available_milli)} "
            f"can be billed ({basis} {milli(r.base_milli)}, already billed "
            f"{milli(r.o_invoiced_milli + r.earlier_milli)}; tolerance "
            f"{pct_e4(policy.tolerance(r.currency).quantity_percent_e4)} %)")


def _no_order(r: Any, policy: MatchPolicy) -> str:
    if not r.has_ref:
        return f"line {r.line_no} names no purchase order"
    return f"line {r.line_no}: order {r.order_number} line {r.order_line_ref} is not known"


def _total(r: Any, policy: MatchPolicy) -> str:
    tol = policy.tolerance(r.currency)
    return (f"bill total {money(r.total_minor, r.currency)} is {off_by(r.total_minor, r.expected_minor)} the "
            f"{money(r.expected_minor, r.currency)} the order lines give for the billed quantities "
            f"(tolerance {pct_e4(tol.total_percent_e4)} %, {money(tol.total_absolute_minor, r.currency)})")


def _where(bill_id: Any) -> str:
    return "a bill already in Odoo" if bill_id is None or bill_id != bill_id else f"bill {bill_id} of this batch"


def _duplicate_number(r: Any, policy: MatchPolicy) -> str:
    where = _where(r.duplicate_number_bill_id)
    return f"bill number {r.bill_number} of supplier {r.supplier_id} is also {where}"


def _duplicate_amount(r: Any, policy: MatchPolicy) -> str:
    where = _where(r.duplicate_amount_bill_id)
    return (f"supplier {r.supplier_id} has {where} ({r.duplicate_amount_bill_number}) with the same total "
            f"{money(r.total_minor, r.currency)} dated {int(r.duplicate_amount_days_apart)} days apart "
            f"(window {policy.duplicate_window_days} days)")


TEXT: dict[str, Callable[[Any, MatchPolicy], str]] = {
    "price": _price,
    "price_amended": _amended,
    "quantity": _quantity,
    "no_order": _no_order,
    "total": _total,
    "duplicate_number": _duplicate_number,
    "duplicate_amount": _duplicate_amount,
    "order_cancelled": lambda r, p: f"line {r.line_no}: order {r.order_number} is cancelled",
    "order_not_confirmed": lambda r, p: f"line {r.line_no}: order {r.order_number} is not confirmed (state draft)",
    "supplier_mismatch": lambda r, p: (f"line {r.line_no}: order {r.order_number} is of supplier {r.o_supplier_id},"
                                       f" the bill of supplier {r.supplier_id}"),
    "product_mismatch": lambda r, p: (f"line {r.line_no} product {r.product_code} differs from the order line's "
                                      f"{r.o_product_code}"),
    "currency": lambda r, p: (f"line {r.line_no} is billed in {r.currency} but order {r.order_number} is in "
                              f"{r.o_currency}"),
    "tax": lambda r, p: (f"line {r.line_no} tax {milli(r.tax_percent_milli)} % differs from the order line's "
                         f"{milli(r.o_tax_percent_milli)} % (tolerance "
                         f"{milli(p.tolerance(r.currency).tax_tolerance_milli)} %)"),
    "no_lines": lambda r, p: "the bill has no lines",
}

# The columns the texts read (the checked frames carry more; itertuples over fewer is faster).
FIELDS = frozenset({
    "line_no", "bill_number", "supplier_id", "currency", "order_number", "order_line_ref", "product_code",
    "has_ref", "quantity_milli", "unit_price_minor", "tax_percent_milli", "total_minor", "expected_minor",
    "available_milli", "base_milli", "earlier_milli", "o_supplier_id", "o_currency", "o_product_code",
    "o_purchase_method", "o_invoiced_milli", "o_unit_price_minor", "o_tax_percent_milli", "o_revision",
    "duplicate_number_bill_id", "duplicate_amount_bill_id", "duplicate_amount_bill_number",
    "duplicate_amount_days_apart"})
