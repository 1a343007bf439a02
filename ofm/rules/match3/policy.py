"""Three-way match tolerances and exception owners as data (`mappings/procurement/match_tolerances.yaml`).

A wrong key stops the run before a single bill is matched, with one message naming the file and
the key (`match_tolerances.yaml: tolerances.EUR.price_percent: ...`). Parsing is pure
(`parse_policy`); `load_policy` only adds reading the file, cached per modification time.
Percentages are kept as integers in units of 1/10,000 % (`*_e4`) so the engine compares
`difference * 1_000_000 <= reference * percent_e4` in exact int64 arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ofm.rules.policy_file import PolicyReader, load_policy_file

REASON_CODES = ("price", "price_amended", "tax", "currency", "total", "duplicate_number", "duplicate_amount",
                "supplier_mismatch", "no_lines", "quantity", "no_order", "order_cancelled", "order_not_confirmed",
                "product_mismatch")
BUNDLED = Path(__file__).resolve().parents[2] / "mappings" / "procurement" / "match_tolerances.yaml"
_TOP = {"duplicate_window_days", "tolerances", "owners"}
_PERCENTS = ("price_percent", "quantity_percent", "total_percent")
_INTEGERS = ("price_absolute_minor", "total_absolute_minor", "tax_tolerance_milli")


class PolicyError(ValueError):
    """The tolerance file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Tolerance:
    """One currency's tolerances (percentages in 1/10,000 %, amounts in minor units, tax in milli-%)."""

    price_percent_e4: int = 0
    price_absolute_minor: int = 0
    quantity_percent_e4: int = 0
    total_percent_e4: int = 0
    total_absolute_minor: int = 0
    tax_tolerance_milli: int = 0


EXACT = Tolerance()  # for a currency the file does not list


@dataclass(frozen=True)
class MatchPolicy:
    """A validated three-way match policy; see match_tolerances.yaml for what each value means."""

    source: str
    duplicate_window_days: int
    tolerances: MappingProxyType[str, Tolerance]
    owners: MappingProxyType[str, str]

    def tolerance(self, currency: str) -> Tolerance:
        """The currency's tolerances; an unlisted currency must match exactly."""
        return self.tolerances.get(currency, EXACT)


def load_policy(path: str | Path | None = None) -> MatchPolicy:
    """Read and validate a policy file (default: the bundled one), cached per modification time."""
    return load_policy_file(path, BUNDLED, parse_policy, PolicyError, "match tolerances")


def parse_policy(doc: Any, source: str = "match_tolerances.yaml") -> MatchPolicy:
    """Validate a parsed policy document completely; the first wrong key raises PolicyError."""
    return _Reader(source).policy(doc)


class _Reader(PolicyReader):
    error = PolicyError

    def policy(self, doc: Any) -> MatchPolicy:
        doc = self.mapping(doc, "(top)", _TOP)
        missing = sorted(_TOP - set(doc))
        if missing:
            raise self.fail(missing[0], "required")
        days = doc["duplicate_window_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
            raise self.fail("duplicate_window_days", f"must be an integer between 0 and 366, got {days!r}")
        return MatchPolicy(self.source, days, self.tolerances(doc["tolerances"]), self.owners(doc["owners"]))

    def tolerances(self, node: Any) -> MappingProxyType[str, Tolerance]:
        node = self.mapping(node, "tolerances")
        out: dict[str, Tolerance] = {}
        for currency, spec in node.items():
            key = f"tolerances.{currency}"
            if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
                raise self.fail(key, "must be an ISO 4217 currency code like EUR")
            spec = self.mapping(spec, key, set(_PERCENTS + _INTEGERS))
            missing = sorted(set(_PERCENTS + _INTEGERS) - set(spec))
            if missing:
                raise self.fail(f"{key}.{missing[0]}", "required (write 0 for no tolerance)")
            values = {f"{name[:-8]}_percent_e4": self.percent(spec[name], f"{key}.{name}") for name in _PERCENTS}
            for name in _INTEGERS:
                value = spec[name]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise self.fail(f"{key}.{name}", f"must be an integer >= 0, got {value!r}")
                values[name] = value
            out[currency] = Tolerance(**values)
        return MappingProxyType(out)

    def percent(self, value: Any, key: str) -> int:
        try:
            percent = Decimal(str(value)) if not isinstance(value, bool) else None
        except InvalidOperation:
            percent = None
        if percent is None or not percent.is_finite() or not 0 <= percent <= 100 or percent.as_tuple().exponent < -4:
            raise self.fail(key, f"must be a number from 0 to 100 (at most 4 decimals), got {value!r}")
        return int(percent.scaleb(4))

    def owners(self, node: Any) -> MappingProxyType[str, str]:
        node = self.mapping(node, "owners", set(REASON_CODES))
        for code in REASON_CODES:
            team = node.get(code)
            if not isinstance(team, str) or not team.strip():
                raise self.fail(f"owners.{code}", "required: the team that resolves this exception")
        return MappingProxyType({code: node[code].strip() for code in REASON_CODES})
