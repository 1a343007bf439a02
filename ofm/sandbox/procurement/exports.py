"""Export files of the procurement sandbox, for `--source` runs: what the API shows on a day, as JSON.

`write_export("purchase-orders", 2, "orders.json")` writes {"items": [...]}: the records a
platform built with the same `n` and `seed` serves on that day (latest revision of each
order), oldest first, or with `changed_only` just the versions published that day.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ofm.sandbox.procurement.documents import KINDS
from ofm.sandbox.procurement.platform_state import ALL_KINDS, ProcurementPlatform


def platform_on(day: int, n: int = 300, seed: int = 7, id_prefix: str = "SUP") -> ProcurementPlatform:
    """A fresh platform advanced to `day` (1 = as started)."""
    if day < 1:
        raise ValueError(f"day must be 1 or later, got {day}")
    platform = ProcurementPlatform(n, seed, id_prefix=id_prefix)
    for _ in range(day - 1):
        platform.advance()
    return platform


def export_items(platform: ProcurementPlatform, kind: str, changed_only: bool = False) -> list[dict[str, Any]]:
    """The records of `kind` the platform shows today, sorted by (updated_at, id)."""
    if kind not in ALL_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ALL_KINDS)}, got {kind!r}")
    if changed_only and kind not in KINDS:
        raise ValueError("changed_only is for purchase-orders, receipts and invoices")
    records = platform.scenario.published_on(kind, platform.day) if changed_only else platform.documents(kind)
    return sorted(records, key=lambda r: (r["updated_at"], r["id"]))


def write_export(kind: str, day: int, path: Path | str, n: int = 300, seed: int = 7, id_prefix: str = "SUP",
                 changed_only: bool = False) -> Path:
    """Write the export of `kind` as of `day` to `path` (UTF-8 JSON {"items": [...]}); returns the path."""
    items = export_items(platform_on(day, n, seed, id_prefix), kind, changed_only)
    path = Path(path)
    path.write_text(json.dumps({"items": items}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
