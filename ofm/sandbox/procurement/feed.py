"""The generated supplier feed: clean records, then the dirty ones spoiled at fixed positions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ofm.sandbox.procurement.dirty import plan, spoil
from ofm.sandbox.procurement.generator import SupplierFactory, logical_time


@dataclass
class Feed:
    """Records in index order, the factory that made them (for more), and the spoiled ids."""

    records: list[dict[str, Any]]
    factory: SupplierFactory
    cases: dict[str, str]


def build_feed(n: int, seed: int = 7, dirty: bool = True, id_prefix: str = "SUP") -> Feed:
    """`n` suppliers, one second apart on the logical clock; dirty ones spoiled when `dirty`."""
    if n < 0:
        raise ValueError("n must be >= 0")
    factory = SupplierFactory(seed, id_prefix)
    records = [factory.supplier(i, logical_time(i - 1)) for i in range(1, n + 1)]
    cases = plan(records, factory.rng("dirty", n)) if dirty else {}
    spoil(records, cases, factory.rng("spoil", n))
    return Feed(records, factory, cases)


def generate_suppliers(n: int, seed: int = 7, dirty: bool = True, id_prefix: str = "SUP") -> list[dict[str, Any]]:
    """`n` supplier records in the procurement API's shape, the same for the same arguments."""
    return build_feed(n, seed, dirty, id_prefix).records


def dirty_cases(n: int, seed: int = 7, id_prefix: str = "SUP") -> dict[str, str]:
    """Which ids `generate_suppliers(n, seed, dirty=True, id_prefix)` spoiled, and with which case.

    Case names are the keys of `DIRTY_CASES` (data-quality problems) and `STATUS_CASES`
    (records that are fine but pending approval, blocked or inactive at the source).
    """
    return build_feed(n, seed, True, id_prefix).cases
