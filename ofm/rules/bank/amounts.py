"""Amounts as integer minor units (cents), the only form the matching engine compares."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ofm.canonical.money import Money, minor_units


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Exact minor units of an amount, rounded half-up to the currency's decimals.

    Odoo sends residuals as floats: callers pass Decimal(str(x)), whose shortest repr is the
    value Odoo rounded, so 0.1 + 0.2 arrives as '0.30000000000000004' and becomes 30 cents.
    """
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return int(value.scaleb(minor_units(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money_minor(money: Money) -> int:
    """Minor units of a Money value."""
    return to_minor(money.amount, money.currency)


def from_minor(minor: int, currency: str) -> Decimal:
    """The Decimal amount of minor units, for messages and for writing back to Odoo."""
    return Decimal(minor).scaleb(-minor_units(currency))


def compact(text: str | None) -> str | None:
    """Upper case without any whitespace (IBANs, references); None for nothing."""
    if text is None:
        return None
    out = "".join(str(text).split()).upper()
    return out or None
