"""The values the procurement connector hands out and takes in: pages, files, acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ACK_STATUSES = frozenset({"created", "updated", "unchanged", "held", "rejected"})


@dataclass(frozen=True)
class Page:
    """One page of supplier records, and the watermark to resume from once all are processed.

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
    status: str  # created | updated | unchanged | held | rejected
    odoo_id: int | None = None
    reasons: list[str] = field(default_factory=list)
    correlation_id: str | None = None

    def __post_init__(self) -> None:
        if self.status not in ACK_STATUSES:
            raise ValueError(f"acknowledgement status {self.status!r} is not one of {sorted(ACK_STATUSES)}")
