"""Rule (6): what is left is unmatched, with why and a few ranked suggestions for a person.

Candidates come from three cheap joins (reference found, same partner, same amount), each
bounded by `suggestions.max_pool` so a partner with thousands of open items or a round amount
paid by everyone cannot flood the result. The score is a weighted sum of reference, partner,
amount closeness and date closeness; ties break on the line id, so the order is deterministic.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ofm.canonical.money import minor_units
from ofm.rules.bank.amounts import from_minor
from ofm.rules.bank.state import IBAN, NO_DAY, State


class Suggestion(NamedTuple):
    """A possible reading of an unmatched entry, for a person to confirm."""

    line_ids: tuple[int, ...]
    score: float
    why: str


def _bounded(frame: pd.DataFrame, keys: list[str], pool: int) -> pd.DataFrame:
    return frame[frame.groupby(keys).i.transform("size") <= pool]


def _candidates(s: State, todo: np.ndarray) -> pd.DataFrame:
    """(e, i, ref) pairs for the unmatched entries `todo` and the free items."""
    pool = s.policy.suggestion_pool
    partner, _ = s.partners()
    h = s.hits()
    mine = np.isin(h.e, todo)
    hits = pd.DataFrame({"e": h.e[mine], "i": h.i[mine], "ref": 1})
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


def amount_texts(minor: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """`str(from_minor(m, c))` of each, in integers: Decimal writes m / 10**d as [-]units.digits for the
    d <= 6 decimals a currency has; (a currency with more, if one existed, goes through from_minor)."""
    out = np.empty(len(minor), dtype=object)
    for code in pd.unique(currency).tolist():
        at = currency == code
        d = minor_units(code)
        if d == 0 or d > 6:
            out[at] = [str(from_minor(m, code)) for m in minor[at].tolist()]
            continue
        units, cents = np.divmod(np.abs(minor[at]), 10 ** d)
        out[at] = (np.where(minor[at] < 0, "-", "").astype(object) + units.astype(str).astype(object) + "."
                   + np.strings.zfill(cents.astype(str), d).astype(object))
    return out


def _whys(ref: np.ndarray, same_partner: np.ndarray, residual: np.ndarray, amount: np.ndarray,
          currency: np.ndarray, dated: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Why each pair was suggested ('reference found; same partner; exact amount; 3 days from due date'),
    built column-wise on object arrays; amounts that differ are written out pair by pair."""
    exact = residual == amount
    text = np.full(len(ref), "exact amount", dtype=object)
    cur = currency[~exact].astype(object)
    text[~exact] = ("residual " + amount_texts(residual[~exact], cur)
                    + " vs amount " + amount_texts(amount[~exact], cur) + " " + cur)
    text = np.where(same_partner, "same partner; ", "").astype(object) + text
    text = np.where(ref.astype(bool), "reference found; ", "").astype(object) + text
    text[dated] += "; " + days[dated].astype(str).astype(object) + " days from due date"
    return text


def ranked(s: State, todo: np.ndarray) -> pd.DataFrame:
    """The top `suggestions.limit` candidate items per unmatched entry, scored, best first, sorted by entry."""
    pairs = _candidates(s, todo)
    if pairs.empty:
        return pairs
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
    top = pd.DataFrame({
        "e": e, "score": np.round(score, 3), "line": s.items.line_id.to_numpy()[i], "ref": pairs.ref.to_numpy(),
        "partner": same_partner, "residual": residual, "amount": amount, "cur": s.i_cur[i], "dated": dated,
        "days": days,
    }).sort_values(["e", "score", "line"], ascending=[True, False, True], kind="stable")
    return top[top.groupby("e").cumcount().to_numpy() < s.policy.suggestion_limit]


def suggestions(s: State, todo: np.ndarray) -> dict[int, list[Suggestion]]:
    """Top `suggestions.limit` (line_ids, score, why) per unmatched entry, best first."""
    top = ranked(s, todo)
    if top.empty:
        return {}
    e = top.e.to_numpy()
    why = _whys(top.ref.to_numpy(), top.partner.to_numpy(), top.residual.to_numpy(), top.amount.to_numpy(),
                s.currencies.to_numpy()[top.cur.to_numpy()].astype(str), top.dated.to_numpy(), top.days.to_numpy())
    hints = list(map(Suggestion._make, zip(zip(top.line.tolist()), top.score.tolist(), why.tolist(),
                                           strict=True)))
    bounds = np.flatnonzero(np.r_[True, e[1:] != e[:-1], True]).tolist()  # ranked is sorted by entry
    return {ee: hints[a:b] for ee, a, b in zip(e[bounds[:-1]].tolist(), bounds[:-1], bounds[1:], strict=True)}


def reasons(s: State, todo: np.ndarray) -> list[str]:
    """Why each of `todo` stayed unmatched, from the strongest evidence it had."""
    partner, source = s.partners()
    he, hi = s.hits_all
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
