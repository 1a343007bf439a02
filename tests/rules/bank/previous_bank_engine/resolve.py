"""Deciding a rule's candidates: a match only when it is the one best reading, else ambiguous.

A rule proposes candidate groups: rows (e, g, i, score, applied, writeoff), where a group g of
entry e is one way to settle it (one open item, or several together). Two doubts stop a match:
an entry with two or more best groups, and an open item that two entries' groups want with
equal score. A strictly better claim (a higher score) wins the item. Everything vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CANDIDATE_COLUMNS = ("e", "g", "i", "score", "applied", "writeoff")


@dataclass(frozen=True)
class Decision:
    """What a rule settled: accepted rows, and entries found ambiguous with their rival groups."""

    accepted: pd.DataFrame  # candidate rows of the accepted groups
    ambiguous: pd.DataFrame  # e, kind ('candidates' | 'claimed'), n (rivals)
    rivals: pd.DataFrame  # candidate rows of the groups that tied (suggestions for a person)


def empty_candidates() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in CANDIDATE_COLUMNS})


def resolve(cand: pd.DataFrame) -> Decision:
    """Accepted groups and ambiguous entries of one rule's candidates."""
    if cand.empty:
        none = pd.DataFrame({"e": pd.Series(dtype=np.int64), "kind": pd.Series(dtype=str),
                             "n": pd.Series(dtype=np.int64)})
        return Decision(cand, none, cand)
    cand = cand.drop_duplicates(["e", "g", "i"])
    top = cand.groupby("e").score.transform("max").to_numpy()
    best = cand[cand.score.to_numpy() == top]
    groups = best[["e", "g"]].drop_duplicates()
    n_groups = groups.groupby("e").size()
    many = n_groups[n_groups > 1]
    tied_entries = best[best.e.isin(many.index)]
    single = best[~best.e.isin(many.index)]

    by_item = single.groupby("i").score
    item_best = by_item.transform("max").to_numpy()
    is_best = single.score.to_numpy() == item_best
    n_best = pd.Series(is_best, index=single.index).groupby(single.i).transform("sum").to_numpy()
    tie = is_best & (n_best > 1)
    ok = is_best & (n_best == 1)
    per_entry = pd.DataFrame({"e": single.e.to_numpy(), "ok": ok, "tie": tie}).groupby("e")
    all_ok, any_tie = per_entry.ok.all(), per_entry.tie.any()
    accepted = single[single.e.isin(all_ok.index[all_ok.to_numpy()])]
    claimed = any_tie.index[any_tie.to_numpy()]
    claimed_rows = single[single.e.isin(claimed)]
    # rivals of a claimed entry: every entry that claimed one of its items with the same score
    tied_items = single.i[tie].unique()
    rivals_claimed = single[tie & single.i.isin(tied_items).to_numpy()]
    n_claim = rivals_claimed.groupby("i").e.transform("size")
    claimed_n = n_claim.groupby(rivals_claimed.e).max()
    ambiguous = pd.concat([
        pd.DataFrame({"e": many.index.to_numpy(np.int64), "kind": "candidates", "n": many.to_numpy(np.int64)}),
        pd.DataFrame({"e": claimed.to_numpy(np.int64), "kind": "claimed",
                      "n": claimed_n.reindex(claimed).fillna(2).to_numpy(np.int64)}),
    ], ignore_index=True)
    return Decision(accepted, ambiguous, pd.concat([tied_entries, claimed_rows], ignore_index=True))
