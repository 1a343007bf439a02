"""The procurement sandbox's data: suppliers on a logical clock, acknowledgements, armed faults.

Plain Python, no HTTP: `app.py` translates requests to these methods. "Day 2" (`advance`)
is deterministic per seed: the same suppliers change in every run, so the demo tells the
same story each time. A changed record gets revision + 1 and a later `updated_at`.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ofm.sandbox.procurement.catalog import BY_CODE
from ofm.sandbox.procurement.feed import build_feed
from ofm.sandbox.procurement.generator import logical_time

ACK_FIELDS = {"external_id": str, "revision": int, "status": str, "odoo_id": int, "reasons": list,
              "correlation_id": str}
ACK_STATUSES = ("created", "updated", "unchanged", "held", "rejected")
MAX_ACKS = 1000
DAY = 86_400


class Invalid(ValueError):
    """A request the API rejects with 422; the message says which parameter or field."""


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

    def __init__(self, n: int = 300, seed: int = 7, token: str = "sandbox-token", id_prefix: str = "SUP") -> None:
        feed = build_feed(n, seed, True, id_prefix)
        self.token = token
        self.factory = feed.factory
        self.cases = feed.cases
        self.records: dict[str, dict[str, Any]] = {r["id"]: r for r in feed.records}
        self.day = 1
        self.faults = Faults()
        self.acks: dict[str, dict[str, Any]] = {}
        self._next_index = n + 1
        self._clock = n - 1  # seconds after START of the latest updated_at issued
        self._touched: set[str] = set()
        self._received = 0

    # -- reading ---------------------------------------------------------------------------
    def _ordered(self, since: datetime | None) -> list[tuple[datetime, str, dict[str, Any]]]:
        rows = [(parse_time(r["updated_at"]), r["id"], r) for r in self.records.values()]
        return sorted((row for row in rows if since is None or row[0] >= since), key=lambda row: row[:2])

    def page(self, since: datetime | None, page: int, size: int) -> dict[str, Any]:
        """Page-number pagination; `updated_since` is inclusive (>=)."""
        rows = self._ordered(since)
        items = [r for _, _, r in rows[(page - 1) * size:page * size]]
        return {"items": items, "page": page, "page_size": size, "pages": math.ceil(len(rows) / size),
                "total": len(rows)}

    def after(self, since: datetime | None, cursor: str | None, limit: int) -> dict[str, Any]:
        """Cursor (keyset) pagination: stable while records change between requests."""
        rows = self._ordered(since)
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
        eligible = [r for ident, r in sorted(self.records.items())
                    if ident not in self.cases and ident not in self._touched and r["status"] == "approved"]
        banked = [r["id"] for r in eligible if r["bank_accounts"]]
        bank_ids = sorted(rng.sample(banked, min(2, len(banked))))
        others = [r["id"] for r in eligible if r["id"] not in bank_ids]
        address_ids = sorted(rng.sample(others, min(3, len(others))))
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
    def receive_acks(self, body: Any) -> dict[str, Any]:
        """Check and keep a batch of acknowledgements (the latest per external_id wins)."""
        acks = body.get("acknowledgements") if isinstance(body, dict) else None
        if not isinstance(acks, list):
            raise Invalid("body must be an object with an 'acknowledgements' list")
        if len(acks) > MAX_ACKS:
            raise Invalid(f"at most {MAX_ACKS} acknowledgements per request, got {len(acks)}")
        for i, ack in enumerate(acks):
            _check_ack(ack, f"acknowledgements[{i}]")
        for ack in acks:
            self._received += 1
            self.acks[ack["external_id"]] = {**ack, "sequence": self._received}
        unknown = sorted({a["external_id"] for a in acks} - self.records.keys())
        return {"accepted": len(acks), "unknown": unknown}


def _check_ack(ack: Any, where: str) -> None:
    if not isinstance(ack, dict):
        raise Invalid(f"{where} must be an object")
    missing, extra = ACK_FIELDS.keys() - ack.keys(), ack.keys() - ACK_FIELDS.keys()
    if missing or extra:
        raise Invalid(f"{where}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    for name, kind in ACK_FIELDS.items():
        value = ack[name]
        nullable = name in ("revision", "odoo_id", "correlation_id")
        if (value is None and not nullable) or (value is not None and (
                not isinstance(value, kind) or isinstance(value, bool))):
            raise Invalid(f"{where}.{name}: expected {kind.__name__}{' or null' if nullable else ''}")
    if not ack["external_id"]:
        raise Invalid(f"{where}.external_id: must not be empty")
    if ack["status"] not in ACK_STATUSES:
        raise Invalid(f"{where}.status: {ack['status']!r} is not one of {', '.join(ACK_STATUSES)}")
    if not all(isinstance(reason, str) for reason in ack["reasons"]):
        raise Invalid(f"{where}.reasons: expected a list of strings")
