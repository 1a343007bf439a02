"""Journal entry numbers, assigned when a move is posted (Odoo's sequence.mixin, first-number rules).

Sale, bank, cash and credit journals number per year (`INV/2026/00001`, `BNK1/2026/00001`), the
others per month (`BILL/2026/11/0001`, `MISC/2026/11/0001`), as captured; credit notes of a
journal with `refund_sequence` get an `R` prefix (`RINV/2026/00001`, Odoo 19 source). The next
number is the highest one of the same prefix plus one (Odoo reads the last name; no gaps unless
moves are deleted). The highest number per prefix is cached and re-checked against its move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from ofm.sandbox.odoo.accounting.base import Row

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env
    from ofm.sandbox.odoo.table import Table

YEARLY = frozenset({"sale", "bank", "cash", "credit"})
_HIGHEST: WeakKeyDictionary[Table, dict[str, tuple[int, int]]] = WeakKeyDictionary()


def prefix_and_width(journal: Row, move: Row) -> tuple[str, int]:
    """("INV/2026/", 5) or ("BILL/2026/11/", 4) for a move dated in that period."""
    year, month = move["date"][:4], move["date"][5:7]
    code = journal.get("code") or ""
    if journal.get("refund_sequence") and move.get("move_type") in ("out_refund", "in_refund"):
        code = "R" + code
    if journal.get("type") in YEARLY:
        return f"{code}/{year}/", 5
    return f"{code}/{year}/{month}/", 4


def next_name(env: Env, move: Row) -> tuple[str, str, int]:
    """(name, sequence_prefix, sequence_number) for a move about to be posted."""
    journal = env.db["account.journal"].rows[move["journal_id"]]
    prefix, width = prefix_and_width(journal, move)
    number = _highest(env, prefix) + 1
    return f"{prefix}{number:0{width}d}", prefix, number


def remember(env: Env, prefix: str, number: int, move_id: int) -> None:
    """Record the number just given (the cache is re-checked against the move, so a rollback is safe)."""
    cache = _HIGHEST.setdefault(env.db["account.move"], {})
    if number > cache.get(prefix, (0, 0))[0]:
        cache[prefix] = (number, move_id)


def _highest(env: Env, prefix: str) -> int:
    table = env.db["account.move"]
    cache = _HIGHEST.setdefault(table, {})
    known = cache.get(prefix)
    if known is not None:
        number, move_id = known
        row = table.rows.get(move_id)
        if row is not None and row.get("sequence_prefix") == prefix and row.get("sequence_number") == number:
            return number
    best = (0, 0)
    for move_id in table.lookup("sequence_prefix", prefix):
        number = table.rows[move_id].get("sequence_number") or 0
        if number > best[0]:
            best = (number, move_id)
    cache[prefix] = best
    return best[0]
