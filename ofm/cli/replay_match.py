"""Replaying vendor-bill quarantine entries: the three-way match again, for the bills behind them.

A held bill (price, quantity, tax ... off) is matched again once the cause is fixed at its root (the
order amended, the goods received, the supplier onboarded): its raw record comes back from the
quarantine entry, its draft already in Odoo is found by its anchor and posted if it now matches,
so a replay never creates a second bill. Entries that went through are closed as `replayed`; the
others stay open with their (new) reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MATCH_TYPES = frozenset({"vendor-bill"})


def replay_match(rows: list[Any], run: Callable[..., dict[str, Any]], actor: str) -> dict[str, Any]:
    """One three-way match run over the bills behind `rows` (open entries only)."""
    closed = [r.id for r in rows if r.status != "open"]
    if closed:
        raise ValueError(f"quarantine entry {closed[0]} is not open; only open entries can be replayed")
    return run("three-way-match", replay=[r.id for r in rows], actor=actor)
