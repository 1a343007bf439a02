"""Rule (6): what is left is unmatched, with why and a few ranked suggestions for a person.

Candidates come from three cheap joins (reference found, same partner, same amount), each
bounded by `suggestions.max_pool` so a partner with thousands of open items or a round amount
paid by everyone cannot flood the result. The score is a weighted sum of reference, partner,
amount closeness and date closeness; ties break on the line id, so the order is deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ofm.rules.bank.amounts import from_minor
from ofm.rules.bank.state import IBAN, NO_DAY, State


def _bounded(frame: pd.DataFrame, keys: list[str], pool: int) -> pd.DataFrame:
    return frame[frame.groupby(keys).i.transform("size") <= pool]


def _candidates(s: State, todo: np.ndarray) -> pd.DataFrame:
    """(e, i, ref) pairs for the unmatched entries `todo` and the free items."""
    pool = s.policy.suggestion_pool
    partner, _ = s.partners()
    hits = s.hits()
    hits = hits[np.isin(hits.e.to_numpy(), todo)].assign(ref=1)
    fi = s.free_items()
    items = pd.DataFrame({"i": fi, "p": s.i_partner[fi], "c": s.i_cur[fi], "a": s.i_resid[fi]})
    todo_p = todo[partner[todo] > 0]
    by_partner = pd.DataFrame({"e": todo_p, "p": partner[todo_p], "c": s.e_cur[todo_p]}).merge(
        _bounded(items[items.p > 0], ["p", "c"], pool), on=["p", "c"])
    by_amount = pd.DataFrame({"e": todo, "c": s.e_cur[todo], "a": s.e_amount[todo]}).merge(
        _bounded(items, ["c", "a"], pool), on=["c", "a"])
    pairs = pd.concat([hits[["e", "i", "ref"]], by_partner[["e", "i"]], by_amount[["e", "i"]]], ignore_index=True)
    pairs["ref"] = pairs.ref.fillna(0)
    return pairs.groupby(["e", "i"], as_index=False, sort=False).ref.max()


def _why(ref: bool, same_partner: bool, residual: int, amount: int, currency: str, days: int | None) -> str:
    parts = ["reference found"] if ref else []
    parts += ["same partner"] if same_partner else []
    parts.append("exact amount" if residual == amount else
                 f"residual {from_minor(residual, currency)} vs amount {from_minor(amount, currency)} {currency}")
    parts += [f"{days} days from due date"] if days is not None else []
    return "; ".join(parts)


def suggestions(s: State, todo: np.ndarray) -> dict[int, list[tuple[tuple[int, ...], float, str]]]:
    """Top `suggestions.limit` (line_ids, score, why) per unmatched entry, best first."""
    pairs = _candidates(s, todo)
    if pairs.empty:
        return {}
    partner, _ = s.partners()
    w, window = s.policy.weights, max(s.policy.date_window_days, 1)
    e, i = pairs.e.to_numpy(), pairs.i.to_numpy()
    amount, residual = s.e_amount[e], s.i_resid[i]
    diff = residual - amount
    same_partner = (partner[e] > 0) & (partner[e] == s.i_partner[i])
    closeness = np.where(np.sign(amount) == np.sign(residual),
                         1 - np.minimum(1, np.abs(diff) / np.maximum(np.abs(amount), 1)), 0)
    dated = (s.e_day[e] != NO_DAY) & (s.i_day[i] != NO_DAY)
    days = np.where(dated, s.e_day[e] - np.where(dated, s.i_day[i], 0), 0)
    soon = np.where(dated, np.maximum(0, 1 - np.abs(days) / (2 * window)), 0)
    score = (w["reference"] * pairs.ref.to_numpy() + w["partner"] * same_partner + w["amount"] * closeness
             + w["date"] * soon) / sum(w.values())
    ranked = pd.DataFrame({
        "e": e, "score": np.round(score, 3), "line": s.items.line_id.to_numpy()[i], "ref": pairs.ref.to_numpy(),
        "partner": same_partner, "residual": residual, "amount": amount, "cur": s.i_cur[i], "dated": dated,
        "days": days,
    }).sort_values(["e", "score", "line"], ascending=[True, False, True], kind="stable")
    ranked = ranked[ranked.groupby("e").cumcount().to_numpy() < s.policy.suggestion_limit]
    names = s.currencies.to_numpy()
    out: dict[int, list[tuple[tuple[int, ...], float, str]]] = {}
    for ee, sc, line, ref, sp, res, amt, cur, dt, dd in zip(*(ranked[c].tolist() for c in ranked.columns),
                                                            strict=True):
        why = _why(bool(ref), sp, res, amt, str(names[cur]), dd if dt else None)
        out.setdefault(ee, []).append(((line,), sc, why))
    return out


def reasons(s: State, todo: np.ndarray) -> list[str]:
    """Why each of `todo` stayed unmatched, from the strongest evidence it had."""
    partner, source = s.partners()
    he, hi = s.hits_all.e.to_numpy(), s.hits_all.i.to_numpy()
    free_ref = np.zeros(s.n, dtype=bool)
    free_ref[he[s.i_free[hi] & (s.e_cur[he] == s.i_cur[hi])]] = True
    any_ref = np.zeros(s.n, dtype=bool)
    any_ref[he] = True
    out = np.full(len(todo), "no match: no known reference and the counterparty is not a known partner", dtype=object)
    p = partner[todo]
    known = p > 0
    how = np.where(source[todo][known] == IBAN, " (by IBAN)", " (by name)").astype(object)
    out[known] = ("no match: partner " + p[known].astype(str).astype(object) + how
                  + " has no open item that settles this amount")
    for mask, text in (  # weakest first: a stronger piece of evidence overwrites the reason
            (any_ref, "no match: the referenced open item is in another currency"),
            (s.e_ref, "no match: the referenced open item is already settled by another entry"),
            (free_ref, "no match: referenced open item found, but its residual does not fit the amount"),
            (s.e_amount == 0, "no match: zero amount")):
        out[mask[todo]] = text
    return out.tolist()
