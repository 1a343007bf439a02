"""What happened to each record of a run: the basis of the summary, acknowledgements and counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ofm.canonical import Lineage


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    HELD = "held"
    QUARANTINED = "quarantined"
    ELSEWHERE = "in progress elsewhere"  # another live run owns its outbox key: that run writes and acks it


@dataclass(frozen=True)
class Received:
    """A raw record as received, with its lineage and the mapping that reads it."""

    raw: dict[str, Any]
    lineage: Lineage
    mapping: str
    inbox_id: int | None = None
    quarantine_id: int | None = None  # set when the record is a replay from quarantine

    @property
    def record_ref(self) -> str:
        return self.lineage.record_ref


@dataclass(frozen=True)
class RecordResult:
    """The final outcome of one record in one run."""

    received: Received
    outcome: Outcome
    odoo_id: int | None = None
    reasons: tuple[str, ...] = ()
    changed_fields: tuple[str, ...] = ()


@dataclass
class Tally:
    """Outcomes of a run, one per record received; `reconciles` checks nothing went missing."""

    received: int = 0
    results: dict[str, RecordResult] = field(default_factory=dict)

    def add(self, result: RecordResult) -> None:
        self.results[result.received.record_ref] = result

    def counts(self) -> dict[str, int]:
        counted = Counter(r.outcome.value for r in self.results.values())
        return {"received": self.received, **{o.value: counted.get(o.value, 0) for o in Outcome}}

    def reconciles(self) -> bool:
        """received = created + updated + unchanged + held + quarantined + in progress elsewhere."""
        c = self.counts()
        return c["received"] == sum(c[o.value] for o in Outcome)
