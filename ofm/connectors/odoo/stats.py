"""Counts of the requests a client sent to Odoo, per model and method.

Benchmarks and tests use them to prove batching ("one create per batch, not per record") and
idempotency ("the record was created once although the answer was lost"). Every request sent
counts, retries included, because that is the load Odoo actually saw.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ofm.connectors.odoo.retry import READ_ONLY_METHODS


@dataclass
class CallStats:
    """Requests per (model, method), plus how many of them were retries."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    retries: int = 0

    def record(self, model: str, method: str) -> None:
        """Count one request sent (or attempted) for `model.method`."""
        self.calls[(model, method)] += 1

    def count(self, model: str, method: str | None = None) -> int:
        """Requests for `model.method`, or for every method of `model` when `method` is None."""
        if method is not None:
            return self.calls[(model, method)]
        return sum(n for (m, _), n in self.calls.items() if m == model)

    @property
    def total(self) -> int:
        """All requests sent."""
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        """Requests that may change data: create/write/unlink and workflow methods alike."""
        return sum(n for (_, method), n in self.calls.items() if method not in READ_ONLY_METHODS)

    def reset(self) -> None:
        """Start counting from zero (e.g. between the phases of a benchmark)."""
        self.calls.clear()
        self.retries = 0

    def as_dict(self) -> dict[str, int]:
        """`{"model.method": n}`, sorted, for summaries and artifacts."""
        return {f"{m}.{meth}": n for (m, meth), n in sorted(self.calls.items())}
