"""Money: a Decimal amount with an ISO 4217 currency, rounded per currency, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# Minor units per ISO 4217 where they differ from 2; constants as data.
_MINOR_UNITS: dict[str, int] = {
    "BHD": 3, "CLP": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3,
    "LYD": 3, "OMR": 3, "PYG": 0, "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
}


def minor_units(currency: str) -> int:
    """Decimal places of a currency (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


class Money(BaseModel):
    """An amount in one currency. Floats are refused: they cannot hold cents exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal
    currency: str

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("money must not be a float; pass a string or Decimal")
        try:
            return Decimal(str(value)) if not isinstance(value, Decimal) else value
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal amount: {value!r}") from exc

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha() or not value.isupper():
            raise ValueError(f"currency must be an ISO 4217 code like 'EUR', got {value!r}")
        return value

    def rounded(self) -> Money:
        """The amount rounded half-up to the currency's minor units."""
        quantum = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(amount=self.amount.quantize(quantum, rounding=ROUND_HALF_UP),
                     currency=self.currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"


# Odoo receives amounts as JSON numbers (IEEE doubles, exact to 15 significant digits): an amount read from
# outside with more integer digits, or more decimals than any price needs, cannot reach Odoo as it was written.
MAX_INTEGER_DIGITS = 15
MAX_DECIMALS = 10


def out_of_range(value: Decimal) -> str | None:
    """Why an amount read from a file or an API cannot be booked (NaN, infinite, too large, too many decimals),
    or None when it can. Readers call it so that an absurd number is refused naming its field, never raised as
    a decimal exception (quantizing 1E+40 or comparing NaN) deep inside a flow."""
    if not value.is_finite():
        return "not a finite number"
    if value and value.adjusted() >= MAX_INTEGER_DIGITS:
        return f"more than {MAX_INTEGER_DIGITS} digits before the decimal point"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS and value != value.quantize(
            Decimal(1).scaleb(-MAX_DECIMALS)):
        return f"more than {MAX_DECIMALS} decimals"
    return None
