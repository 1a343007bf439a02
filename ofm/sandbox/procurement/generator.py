"""Realistic suppliers in the procurement API's record shape, the same ones for the same seed.

Each record draws from its own random stream (seed, id prefix, index), so record 7 is the
same whether 30 or 3,000 are generated; only uniqueness (no two names that look alike in the
same country, no repeated VAT, IBAN or web domain) links them, in index order. Names are
checked with the middleware's own resemblance rule, so clean data never trips the lookalike
hold by accident.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process

from ofm.rules.resemblance import normalise_name
from ofm.sandbox.procurement.catalog import COUNTRIES, PAYMENT_TERMS, START, City, Country
from ofm.sandbox.procurement.identifiers import make_iban, make_vat

# Below the resemblance rule's cutoff (90): generated names stay clearly apart.
LOOKALIKE_CUTOFF = 85.0
_MAILBOXES = ("ap", "billing", "invoices", "accounts", "info")
# Digits of a national number after the country code (area code included).
_NATIONAL_DIGITS = {"DE": 10, "AT": 10, "IT": 10, "GB": 10, "US": 10, "DK": 8}


def logical_time(offset_seconds: int) -> str:
    """The sandbox clock: START plus `offset_seconds`, as the API writes timestamps."""
    at = datetime.fromisoformat(START) + timedelta(seconds=offset_seconds)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


class SupplierFactory:
    """Makes supplier records one index at a time, never repeating a name, VAT, IBAN or domain."""

    def __init__(self, seed: int = 7, id_prefix: str = "SUP") -> None:
        self.seed = seed
        self.id_prefix = id_prefix
        self._names: dict[str, list[str]] = {}
        self._taken: set[str] = set()

    def rng(self, *key: object) -> random.Random:
        """A random stream of its own for `key` (string seeds hash the same in every process)."""
        return random.Random(":".join(str(part) for part in (self.seed, self.id_prefix, *key)))

    def supplier_id(self, index: int) -> str:
        return f"{self.id_prefix}-{index:06d}"

    def vendor_code(self, index: int) -> str:
        """V-00123 for SUP-000123; another id prefix gets its own codes (V-ERP-00123)."""
        return f"V-{index:05d}" if self.id_prefix == "SUP" else f"V-{self.id_prefix}-{index:05d}"

    def supplier(self, index: int, updated_at: str) -> dict[str, Any]:
        """Clean, approved supplier number `index` (1-based)."""
        rng = self.rng("supplier", index)
        country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
        legal_name, domain = self._name(country, rng)
        city = rng.choice(country.cities)
        first, last = rng.choice(country.first_names), rng.choice(country.surnames)
        return {
            "id": self.supplier_id(index), "revision": 1, "updated_at": updated_at, "status": "approved",
            "legal_name": legal_name,
            "tax_id": self._unique(lambda: make_vat(country, rng)) if country.vat else None,
            "vendor_code": self.vendor_code(index),
            "country": country.code, "currency": country.currency,
            "payment_terms": rng.choices([t for t, _ in PAYMENT_TERMS], weights=[w for _, w in PAYMENT_TERMS])[0],
            "email": f"{rng.choice(_MAILBOXES)}@{domain}", "phone": _phone(country, city, rng),
            "website": f"https://www.{domain}",
            "addresses": [self.address(country, rng, city)],
            "contacts": [{"name": f"{first} {last}", "email": f"{_slug(first)}.{_slug(last)}@{domain}",
                          "phone": _phone(country, city, rng) if rng.random() < 0.5 else None,
                          "role": "accounts_receivable"}],
            "bank_accounts": [self.bank_account(country, legal_name, rng)] if country.banks else [],
        }

    def address(self, country: Country, rng: random.Random, city: City | None = None) -> dict[str, Any]:
        """A remit-to address in `country` (a random city unless given)."""
        city = city or rng.choice(country.cities)
        number = rng.randint(100, 9999) if country.code == "US" else rng.randint(1, 180)
        return {"type": "remit_to",
                "line1": country.street_format.format(street=rng.choice(country.streets), no=number),
                "line2": rng.choice(country.line2) if rng.random() < 0.15 else None,
                "city": city.name, "postal_code": city.postal_code, "region": city.region, "country": country.code}

    def bank_account(self, country: Country, holder: str, rng: random.Random) -> dict[str, Any]:
        """A bank account at one of the country's banks, in the country's currency."""
        iban, bank = self._unique(lambda: make_iban(country, rng), key=lambda found: found[0])
        return {"iban": iban, "bic": bank.bic, "holder": holder, "currency": country.currency}

    def _name(self, country: Country, rng: random.Random) -> tuple[str, str]:
        pool = self._names.setdefault(country.code, [])
        for attempt in range(1000):
            # Three-part names when the short patterns run out (very large n).
            pattern = rng.choice(country.patterns) if attempt < 200 else "{surname} {surname2} {trade}"
            first, second = rng.sample(country.surnames, 2)
            base = pattern.format(surname=first, surname2=second, trade=rng.choice(country.trades),
                                  place=rng.choice(country.places))
            name = f"{base} {rng.choice(country.forms)}"
            key, domain = normalise_name(name), f"{_slug(base)}.example"
            if domain in self._taken or process.extractOne(key, pool, scorer=fuzz.token_sort_ratio,
                                                           score_cutoff=LOOKALIKE_CUTOFF):
                continue
            pool.append(key)
            self._taken.add(domain)
            return name, domain
        raise RuntimeError(f"ran out of distinct {country.code} supplier names")  # pragma: no cover

    def _unique(self, make: Callable[[], Any], key: Callable[[Any], str] = str) -> Any:
        for _ in range(100):
            value = make()
            if key(value) not in self._taken:
                self._taken.add(key(value))
                return value
        raise RuntimeError("could not make a unique identifier")  # pragma: no cover


def _slug(text: str) -> str:
    return normalise_name(text).replace(" ", "-") or "supplier"


def _phone(country: Country, city: City, rng: random.Random) -> str:
    length = _NATIONAL_DIGITS.get(country.code, 9) - len(city.area)
    digits = "".join(str(rng.randint(0, 9)) for _ in range(max(length, 5)))
    return f"{country.phone} {city.area} {digits}" if city.area else f"{country.phone} {digits}"
