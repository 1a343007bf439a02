"""Deciding a rule's candidates: a match only when it is the one best reading, else ambiguous.

A rule proposes candidate groups: rows (e, g, i, score, applied, writeoff), where a group g of
entry e is one way to settle it (one open item, or several together). Two doubts stop a match:
an entry with two or more best groups, and an open item that two entries' groups want with
equal score. A strictly better claim (a higher score) wins the item.

Everything is numpy on positions (entries and items are small integers): per-entry and per-item
maxima and counts are array scatters, no pandas group-by, so a rule with nothing to decide or
a 10,000-entry month costs microseconds, not a hundred pandas operations.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ofm.rules.bank.state import by_pair

CANDIDATE_COLUMNS = ("e", "g", "i", "score", "applied", "writeoff")
_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Candidates:
    """Candidate rows as int64 columns of one length (rows in the order the rule found them)."""

    e: np.ndarray
    g: np.ndarray
    i: np.ndarray
    score: np.ndarray
    applied: np.ndarray
    writeoff: np.ndarray

    def __len__(self) -> int:
        return len(self.e)

    def take(self, rows: np.ndarray) -> Candidates:
        """The rows at positions (or where the mask is true) `rows`, in that order."""
        return Candidates(*(getattr(self, f.name)[rows] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Candidates]) -> Candidates:
        parts = [p for p in parts if len(p)]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return empty_candidates()
        return Candidates(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Candidates)))


def candidates(e, g, i, score, applied, writeoff) -> Candidates:
    """Candidates from columns, scalars broadcast to the length of `e`."""
    n = len(e)
    return Candidates(*(np.broadcast_to(np.asarray(v, dtype=np.int64), (n,)).copy() if np.ndim(v) == 0
                        else np.asarray(v, dtype=np.int64) for v in (e, g, i, score, applied, writeoff)))


def empty_candidates() -> Candidates:
    return Candidates(*[_NONE] * len(CANDIDATE_COLUMNS))


@dataclass(frozen=True)
class Ambiguous:
    """Entries a rule found ambiguous: entry `e`, `kind` ('candidates' | 'claimed'), `n` rivals.

    The 'candidates' entries come first, then the 'claimed' ones, each in entry order."""

    e: np.ndarray
    kind: list[str]
    n: np.ndarray

    def __len__(self) -> int:
        return len(self.e)


@dataclass(frozen=True)
class Decision:
    """What a rule settled: accepted rows, and entries found ambiguous with their rival groups."""

    accepted: Candidates  # candidate rows of the accepted groups
    ambiguous: Ambiguous
    rivals: Candidates  # candidate rows of the groups that tied (suggestions for a person)


def _distinct_pairs(e: np.ndarray, i: np.ndarray) -> bool:
    """Whether no two rows have the same (e, i): then no two have the same (e, g, i). One hash pass over
    e * (max(i) + 1) + i (non-negative positions) instead of a three-key sort, when that fits in int64."""
    width = int(i.max()) + 1
    return (int(e.max()) + 1) * width < 2**62 and bool(pd.Index(e * width + i).is_unique)


def _first(e: np.ndarray, g: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Mask of the first occurrence of each (e, g, i) row."""
    if _distinct_pairs(e, i):
        return np.ones(len(e), dtype=bool)
    order = np.lexsort((i, g, e))  # stable: equal rows keep their order
    se, sg, si = e[order], g[order], i[order]
    again = (se[1:] == se[:-1]) & (sg[1:] == sg[:-1]) & (si[1:] == si[:-1])
    keep = np.ones(len(e), dtype=bool)
    keep[order[1:][again]] = False
    return keep


def _max_by(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row: the largest value among the rows with the same key."""
    top = np.full(int(keys.max()) + 1 if len(keys) else 0, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(top, keys, values)
    return top[keys]


def _any_by(keys: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """Per key 0..size-1: whether any row of that key has mask set."""
    out = np.zeros(size, dtype=bool)
    out[keys[mask]] = True
    return out


def resolve(cand: Candidates) -> Decision:
    """Accepted groups and ambiguous entries of one rule's candidates."""
    if not len(cand):
        return Decision(cand, Ambiguous(_NONE, [], _NONE), cand)
    keep = _first(cand.e, cand.g, cand.i)
    if not keep.all():
        cand = cand.take(keep)
    e, g, i, score = cand.e, cand.g, cand.i, cand.score
    size = int(e.max()) + 1
    best = score == _max_by(e, score)
    # best groups per entry: distinct (e, g) among the best rows
    b = np.flatnonzero(best)
    order = b[by_pair(e[b], g[b] - g[b].min())] if len(b) else b  # g >= -1: shifted, the same order
    new_group = np.r_[True, (e[order][1:] != e[order][:-1]) | (g[order][1:] != g[order][:-1])]
    n_groups = np.bincount(e[order][new_group], minlength=size)
    many = n_groups > 1
    tied_entry = best & many[e]
    single = best & ~many[e]

    s = np.flatnonzero(single)
    es, is_, ss = e[s], i[s], score[s]
    is_best = ss == _max_by(is_, ss) if len(s) else np.zeros(0, dtype=bool)
    n_best = np.bincount(is_[is_best], minlength=int(is_.max()) + 1 if len(s) else 0)
    tie = is_best & (n_best[is_] > 1)
    ok = is_best & (n_best[is_] == 1)
    bad, tied = _any_by(es, ~ok, size), _any_by(es, tie, size)
    accepted = s[~bad[es]]
    claimed = np.flatnonzero(tied)
    claimed_rows = s[tied[es]]
    # rivals of a claimed entry: every entry that claimed one of its items with the same score
    n_claim = np.bincount(is_[tie], minlength=len(n_best))[is_[tie]]
    claimed_n = np.zeros(size, dtype=np.int64)
    np.maximum.at(claimed_n, es[tie], n_claim)
    entries = np.flatnonzero(many)
    ambiguous = Ambiguous(np.r_[entries, claimed].astype(np.int64),
                          ["candidates"] * len(entries) + ["claimed"] * len(claimed),
                          np.r_[n_groups[entries], claimed_n[claimed]].astype(np.int64))
    return Decision(cand.take(accepted), ambiguous,
                    cand.take(np.r_[np.flatnonzero(tied_entry), claimed_rows].astype(np.intp)))
