"""The dirty part of the generated feed: which records are wrong on purpose, and how.

Records stay shaped like real API records (no "dirty" flag in them); tests and the demo ask
`dirty_cases(...)` which ids were spoiled and why. Every case occurs at least once, even in a
feed of 30, at positions fixed by the seed; about 8% of a large feed is dirty, ~3% waits for
approval and ~2% is blocked or inactive. A record carries at most one case.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ofm.sandbox.procurement.catalog import BY_CODE
from ofm.sandbox.procurement.identifiers import break_iban, make_vat

DIRTY_CASES: dict[str, str] = {
    "invalid_vat": "tax_id has the right shape but a wrong check digit",
    "invalid_iban": "the bank account's IBAN has wrong ISO 13616 check digits",
    "missing_country": "country is null, and so is the country of the address",
    "duplicate_vendor_code": "shares its vendor_code with another record (both records are listed)",
    "unknown_payment_term": "payment_terms NET99, which no mapping knows",
    "payment_term_not_in_odoo": "payment_terms NET90, mapped to a term Odoo does not have",
}
STATUS_CASES: dict[str, str] = {
    "pending_approval": "status pending_approval: not approved at the source yet",
    "blocked": "status blocked at the source",
    "inactive": "status inactive at the source",
}
Record = dict[str, Any]

# case -> (share of the feed, which records can carry it); duplicates come in pairs.
_PLAN: tuple[tuple[str, float, Callable[[Record], bool]], ...] = (
    ("invalid_vat", 0.02, lambda r: r["tax_id"] is not None),
    ("invalid_iban", 0.02, lambda r: bool(r["bank_accounts"])),
    ("missing_country", 0.01, lambda r: True),
    ("duplicate_vendor_code", 0.01, lambda r: True),
    ("unknown_payment_term", 0.01, lambda r: True),
    ("payment_term_not_in_odoo", 0.01, lambda r: True),
    ("pending_approval", 0.03, lambda r: True),
    ("blocked", 0.01, lambda r: True),
    ("inactive", 0.01, lambda r: True),
)


def plan(records: list[Record], rng: random.Random) -> dict[str, str]:
    """Which record (by id) gets which case: at least one of each, shares as in `_PLAN`."""
    free = set(range(len(records)))
    cases: dict[str, str] = {}
    for case, share, eligible in _PLAN:
        pairs = case == "duplicate_vendor_code"
        count = max(1, round(len(records) * share / (2 if pairs else 1))) * (2 if pairs else 1)
        pool = sorted(i for i in free if eligible(records[i]))
        available = len(pool) - len(pool) % 2 if pairs else len(pool)
        chosen = sorted(rng.sample(pool, min(count, available)))
        free.difference_update(chosen)
        cases.update({records[i]["id"]: case for i in chosen})
    return cases


def spoil(records: list[Record], cases: dict[str, str], rng: random.Random) -> None:
    """Apply `cases` to `records` in place."""
    duplicates: list[Record] = []
    for record in records:
        case = cases.get(record["id"])
        if case == "invalid_vat":
            record["tax_id"] = make_vat(BY_CODE[record["country"]], rng, valid=False)
        elif case == "invalid_iban":
            record["bank_accounts"][0]["iban"] = break_iban(record["bank_accounts"][0]["iban"])
        elif case == "missing_country":
            record["country"] = None
            for address in record["addresses"]:
                address["country"] = None
        elif case == "duplicate_vendor_code":
            duplicates.append(record)
        elif case == "unknown_payment_term":
            record["payment_terms"] = "NET99"
        elif case == "payment_term_not_in_odoo":
            record["payment_terms"] = "NET90"
        elif case in STATUS_CASES:
            record["status"] = case
    for first, second in zip(duplicates[::2], duplicates[1::2], strict=True):
        second["vendor_code"] = first["vendor_code"]
