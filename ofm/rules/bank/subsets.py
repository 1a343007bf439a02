"""Bounded subset sum: which 2..k open items of one partner add up to one payment exactly.

Per entry the pool is small (at most `max_candidates` items, sizes 2..`max_items`), so every
combination is enumerated, but for all entries at once: the pools form a matrix (one row per
entry, padded), each combination is a column index set, and the sums are one numpy reduction
per chunk of entries (added column by column). Only entries left open by the cheaper rules get here.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations

import numpy as np

PAD = np.int64(1) << 50  # larger than any payment: a combination using a padded slot never matches
CHUNK_CELLS = 8_000_000  # sums computed per chunk: rows x combinations x size, ~64 MB of int64


@cache
def _combos(width: int, size: int) -> np.ndarray:
    return np.array(list(combinations(range(width), size)), dtype=np.intp).reshape(-1, size)


def solutions(pools: np.ndarray, targets: np.ndarray, max_items: int,
              limit: int = 3) -> list[tuple[int, tuple[int, ...]]]:
    """(row, slots) of each combination of 2..max_items slots of `pools[row]` summing to targets[row].

    pools: (rows x width) non-negative int64 amounts, PAD where a row has fewer items; at most
    `limit` solutions are kept per row (more than one already means the row is ambiguous).
    """
    rows, width = pools.shape
    found: list[tuple[int, tuple[int, ...]]] = []
    kept = np.zeros(rows, dtype=np.int64)
    for size in range(2, min(max_items, width) + 1):
        combos = _combos(width, size)
        step = max(1, CHUNK_CELLS // (len(combos) * size))
        for start in range(0, rows, step):
            block = pools[start:start + step]
            sums = block[:, combos[:, 0]]  # (rows in chunk) x combinations, column by column: no 3-d copy
            for k in range(1, size):
                sums = sums + block[:, combos[:, k]]
            hit_rows, hit_combos = np.nonzero(sums == targets[start:start + step, None])
            for r, c in zip(hit_rows.tolist(), hit_combos.tolist(), strict=True):
                row = start + r
                if kept[row] < limit:
                    kept[row] += 1
                    found.append((row, tuple(combos[c].tolist())))
    return found
