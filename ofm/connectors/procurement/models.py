"""The values the procurement connector hands out and takes in: pages, files, acknowledgements.

Acknowledgement statuses depend on the kind of record (the platform's contract): an ack is
checked against all of them when made, and against its kind's when sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ACK_STATUSES = frozenset({"created", "updated", "unchanged", "held", "rejected"})  # suppliers
ACK_STATUSES_BY_KIND: dict[str, frozenset[str]] = {
    "suppliers": ACK_STATUSES,
    "purchase-orders": frozenset({"created", "updated", "unchanged", "waiting", "ignored", "rejected", "held"}),
    "receipts": frozenset({"applied", "unchanged", "rejected", "held"}),
    "invoices": frozenset({"posted", "draft", "held", "rejected", "unchanged"}),
}
ALL_ACK_STATUSES = frozenset().union(*ACK_STATUSES_BY_KIND.values())


@dataclass(frozen=True)
class Page:
    """One page of records (suppliers, orders, receipts, invoices) and the watermark to resume from.

    `next_watermark` is the largest `updated_at` seen so far in this read (or the `since` it
    started from): the caller keeps the last one and saves it only after the run succeeded.
    """

    records: list[dict[str, Any]]
    next_watermark: str | None


@dataclass(frozen=True)
class SupplierFile:
    """The records of one file drop, raw (CSV cells are strings or None), and how it was written."""

    format: Literal["json", "csv"]
    records: list[dict[str, Any]]


@dataclass(frozen=True)
class Acknowledgement:
    """What happened to one source record, told back to the source system."""

    external_id: str
    revision: int | None
    status: str  # one of ACK_STATUSES_BY_KIND[kind], e.g. created | held | applied | posted
    odoo_id: int | None = None
    reasons: list[str] = field(default_factory=list)
    correlation_id: str | None = None
    odoo_ref: str | None = None  # Odoo's own name of the record: "P00012", "WH/IN/00003", "BILL/2026/11/0003"

    def __post_init__(self) -> None:
        if self.status not in ALL_ACK_STATUSES:
            raise ValueError(f"acknowledgement status {self.status!r} is not one of {sorted(ALL_ACK_STATUSES)}")
