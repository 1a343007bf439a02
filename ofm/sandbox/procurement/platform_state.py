"""The procurement sandbox's data: suppliers and P2P documents on a logical clock, acks, faults.

Plain Python, no HTTP: `app.py` translates requests to these methods. "Day 2" (`advance`)
is deterministic per seed: the same suppliers change in every run, so the demo tells the
same story each time. A changed record gets revision + 1 and a later `updated_at`. Purchase
orders, receipts and invoices (`p2p.py`) are published per day; a later revision of an order
replaces the earlier one in the feed.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ofm.sandbox.procurement.acks import ACK_FIELDS, ACK_STATUSES, MAX_ACKS, Invalid, check_acks
from ofm.sandbox.procurement.buyers import BUYERS, localise
from ofm.sandbox.procurement.catalog import BY_CODE
from ofm.sandbox.procurement.documents import KINDS, Scenario
from ofm.sandbox.procurement.feed import build_feed
from ofm.sandbox.procurement.generator import logical_time
from ofm.sandbox.procurement.p2p import build_scenario, candidate_suppliers

__all__ = ["ACK_FIELDS", "ACK_STATUSES", "ALL_KINDS", "MAX_ACKS", "Faults", "Invalid", "ProcurementPlatform",
           "pick_changes"]
ALL_KINDS = ("suppliers", *KINDS)
DAY = 86_400


@dataclass
class Faults:
    """Armed failures: the next `fail_next` API calls answer `status` (with Retry-After if set)."""

    fail_next: int = 0
    status: int = 503
    retry_after: float | None = None

    def take(self) -> bool:
        """Whether this call fails (and one fewer will)."""
        if self.fail_next <= 0:
            return False
        self.fail_next -= 1
        return True


@lru_cache(maxsize=65_536)
def parse_time(value: str) -> datetime:
    """An ISO 8601 timestamp as an aware datetime (naive means UTC); Invalid otherwise."""
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Invalid(f"{value!r} is not an ISO 8601 timestamp") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def encode_cursor(record: dict[str, Any]) -> str:
    raw = json.dumps([record["updated_at"], record["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return parse_time(at), str(ident)
    except (binascii.Error, ValueError, TypeError):
        raise Invalid("cursor is not one this API issued") from None


class ProcurementPlatform:
    """What the sandbox API serves and remembers."""

    def __init__(self, n: int = 300, seed: int = 7, token: str = "sandbox-token", id_prefix: str = "SUP",
                 p2p: bool = True, buyer: str = "DE") -> None:
        feed = build_feed(n, seed, True, id_prefix)
        self.token = token
        self.factory = feed.factory
        self.cases = feed.cases
        self.records: dict[str, dict[str, Any]] = {r["id"]: r for r in feed.records}
        self.day = 1
        self.faults = Faults()
        self.acks: dict[str, dict[str, Any]] = {}  # supplier acks (kept for the admin API as before)
        self.acks_by_kind: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in ALL_KINDS}
        self.acks_by_kind["suppliers"] = self.acks
        self.scenario = localise(self._p2p_scenario(n), BUYERS[buyer]) if p2p else Scenario()
        self._next_index = n + 1
        self._clock = n - 1  # seconds after START of the latest updated_at issued
        self._touched: set[str] = set()
        self._received = 0

    def _p2p_scenario(self, n: int) -> Scenario:
        """Orders over suppliers that stay untouched on day 2, plus one for the supplier new on day 2."""
        bank_ids, address_ids = pick_changes(self.records, self.cases, set(), self.factory.rng("advance", 2))
        # a copy of the factory makes the day-2 supplier without using up its name, VAT and IBAN
        late = copy.deepcopy(self.factory).supplier(n + 1, logical_time(0))
        clean = candidate_suppliers(list(self.records.values()), self.cases, {*bank_ids, *address_ids})
        return build_scenario(clean, late)

    # -- reading ---------------------------------------------------------------------------
    def documents(self, kind: str) -> list[dict[str, Any]]:
        """What the feed of `kind` shows today (suppliers, purchase-orders, receipts, invoices)."""
        if kind == "suppliers":
            return list(self.records.values())
        if kind not in KINDS:
            raise Invalid(f"unknown kind {kind!r}")
        return self.scenario.visible(kind, self.day)

    def _ordered(self, since: datetime | None, kind: str = "suppliers") -> list[tuple[datetime, str, dict[str, Any]]]:
        rows = [(parse_time(r["updated_at"]), r["id"], r) for r in self.documents(kind)]
        return sorted((row for row in rows if since is None or row[0] >= since), key=lambda row: row[:2])

    def page(self, since: datetime | None, page: int, size: int, kind: str = "suppliers") -> dict[str, Any]:
        """Page-number pagination; `updated_since` is inclusive (>=)."""
        rows = self._ordered(since, kind)
        items = [r for _, _, r in rows[(page - 1) * size:page * size]]
        return {"items": items, "page": page, "page_size": size, "pages": math.ceil(len(rows) / size),
                "total": len(rows)}

    def after(self, since: datetime | None, cursor: str | None, limit: int, kind: str = "suppliers") -> dict[str, Any]:
        """Cursor (keyset) pagination: stable while records change between requests."""
        rows = self._ordered(since, kind)
        if cursor:
            key = decode_cursor(cursor)
            rows = [row for row in rows if row[:2] > key]
        items = [r for _, _, r in rows[:limit]]
        return {"items": items, "next_cursor": encode_cursor(items[-1]) if len(rows) > limit else None}

    # -- day 2 -----------------------------------------------------------------------------
    def advance(self) -> dict[str, Any]:
        """The next day: 3 moved addresses, 2 replaced bank accounts, 1 new supplier."""
        self.day += 1
        clock = max((self.day - 1) * DAY, self._clock + 1)
        rng = self.factory.rng("advance", self.day)
        bank_ids, address_ids = pick_changes(self.records, self.cases, self._touched, rng)
        for ident in sorted(bank_ids + address_ids):
            record = copy.deepcopy(self.records[ident])
            country = BY_CODE[record["country"]]
            if ident in bank_ids:
                old = record["bank_accounts"][0]
                record["bank_accounts"] = [self.factory.bank_account(country, old["holder"], rng)]
            else:
                old_address = record["addresses"][0]
                new = self.factory.address(country, rng)
                while (new["line1"], new["city"]) == (old_address["line1"], old_address["city"]):
                    new = self.factory.address(country, rng)
                record["addresses"] = [new, *record["addresses"][1:]]
            record["revision"] += 1
            record["updated_at"] = logical_time(clock)
            self.records[ident] = record
            clock += 1
        new_record = self.factory.supplier(self._next_index, logical_time(clock))
        self.records[new_record["id"]] = new_record
        self._next_index += 1
        self._clock = clock
        self._touched.update(bank_ids, address_ids, [new_record["id"]])
        return {"day": self.day, "changed": sorted(bank_ids + address_ids), "new": [new_record["id"]],
                "bank_changed": bank_ids, "address_changed": address_ids}

    # -- acknowledgements ------------------------------------------------------------------
    def receive_acks(self, body: Any, kind: str = "suppliers") -> dict[str, Any]:
        """Check and keep a batch of acknowledgements of `kind` (the latest per external_id wins)."""
        acks = check_acks(body, kind)
        kept = self.acks_by_kind[kind]
        for ack in acks:
            self._received += 1
            kept[ack["external_id"]] = {**ack, "sequence": self._received}
        known = {record["id"] for record in self.documents(kind)}
        unknown = sorted({a["external_id"] for a in acks} - known)
        return {"accepted": len(acks), "unknown": unknown}


def pick_changes(records: dict[str, dict[str, Any]], cases: dict[str, str], touched: set[str],
                 rng: random.Random) -> tuple[list[str], list[str]]:
    """Which suppliers a new day changes: (2 with a replaced bank account, 3 with a moved address).

    Only approved, clean suppliers not changed before; a pure function of its inputs, so the P2P
    scenario can steer clear of them before the day comes.
    """
    eligible = [r for ident, r in sorted(records.items())
                if ident not in cases and ident not in touched and r["status"] == "approved"]
    banked = [r["id"] for r in eligible if r["bank_accounts"]]
    bank_ids = sorted(rng.sample(banked, min(2, len(banked))))
    others = [r["id"] for r in eligible if r["id"] not in bank_ids]
    address_ids = sorted(rng.sample(others, min(3, len(others))))
    return bank_ids, address_ids
