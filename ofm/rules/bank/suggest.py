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
from ofm.rules.bank.state import IBAN, NO_DAY, State, join, key_codes


class Suggestion(NamedTuple):
    """A possible reading of an unmatched entry, for a person to confirm."""

    line_ids: tuple[int, ...]
    score: float
    why: str


def _bounded_join(left: list[np.ndarray], right: list[np.ndarray], pool: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (l, r) of pairs with equal keys, leaving out keys that more than `pool` right rows share."""
    lc, rc, size = key_codes(left, right)
    small = np.flatnonzero(np.bincount(rc, minlength=size)[rc] <= pool)
    lp, rp = join(lc, rc[small])
    return lp, small[rp]


def _candidates(s: State, todo: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(e, i, ref) for the unmatched entries `todo` and the free items, each pair once (in no set order)."""
    pool = s.policy.suggestion_pool
    partner, _ = s.partners()
    h = s.hits()
    mine = np.isin(h.e, todo)
    fi = s.free_items()
    todo_p, fi_p = todo[partner[todo] > 0], fi[s.i_partner[fi] > 0]
    lp, rp = _bounded_join([partner[todo_p], s.e_cur[todo_p]], [s.i_partner[fi_p], s.i_cur[fi_p]], pool)
    la, ra = _bounded_join([s.e_cur[todo], s.e_amount[todo]], [s.i_cur[fi], s.i_resid[fi]], pool)
    e = np.concatenate([h.e[mine], todo_p[lp], todo[la]])
    i = np.concatenate([h.i[mine], fi_p[rp], fi[ra]])
    ref = np.r_[np.ones(int(mine.sum())), np.zeros(len(lp) + len(la))]
    width = max(len(s.i_resid), 1)
    distinct, at = np.unique(e * width + i, return_inverse=True)
    found = np.zeros(len(distinct))
    np.maximum.at(found, at, ref)
    return distinct // width, distinct % width, found


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
        scale = 10 ** d
        out[at] = [f"-{-m // scale}.{-m % scale:0{d}d}" if m < 0 else f"{m // scale}.{m % scale:0{d}d}"
                   for m in minor[at].tolist()]
    return out


_HEADS = ("", "same partner; ", "reference found; ", "reference found; same partner; ")


def _whys(ref: np.ndarray, same_partner: np.ndarray, residual: np.ndarray, amount: np.ndarray,
          currency: np.ndarray, dated: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Why each pair was suggested ('reference found; same partner; exact amount; 3 days from due date'):
    the amounts that differ written out first, then one format per pair."""
    exact = residual == amount
    body = np.full(len(ref), "exact amount", dtype=object)
    cur = currency[~exact].astype(object)
    body[~exact] = [f"residual {r} vs amount {a} {c}" for r, a, c in zip(
        amount_texts(residual[~exact], cur).tolist(), amount_texts(amount[~exact], cur).tolist(), cur.tolist(),
        strict=True)]
    head = (ref.astype(bool) * 2 + same_partner.astype(bool)).tolist()
    return np.array([f"{_HEADS[h]}{b}; {d} days from due date" if t else _HEADS[h] + b
                     for h, b, t, d in zip(head, body.tolist(), dated.tolist(), days.tolist(), strict=True)],
                    dtype=object)


def ranked(s: State, todo: np.ndarray) -> pd.DataFrame:
    """The top `suggestions.limit` candidate items per unmatched entry, scored, best first, sorted by entry."""
    e, i, ref = _candidates(s, todo)
    if not len(e):
        return pd.DataFrame()
    partner, _ = s.partners()
    w, window = s.policy.weights, max(s.policy.date_window_days, 1)
    amount, residual = s.e_amount[e], s.i_resid[i]
    diff = residual - amount
    same_partner = (partner[e] > 0) & (partner[e] == s.i_partner[i])
    closeness = np.where(np.sign(amount) == np.sign(residual),
                         1 - np.minimum(1, np.abs(diff) / np.maximum(np.abs(amount), 1)), 0)
    dated = (s.e_day[e] != NO_DAY) & (s.i_day[i] != NO_DAY)
    days = np.where(dated, s.e_day[e] - np.where(dated, s.i_day[i], 0), 0)
    soon = np.where(dated, np.maximum(0, 1 - np.abs(days) / (2 * window)), 0)
    score = np.round((w["reference"] * ref + w["partner"] * same_partner + w["amount"] * closeness
                      + w["date"] * soon) / sum(w.values()), 3)
    line = s.items.line_id.to_numpy()[i]
    order = np.lexsort((line, -score, e))  # by entry, best first, then line id: each (e, line) is one pair
    se = e[order]
    first = np.flatnonzero(np.r_[True, se[1:] != se[:-1]])
    rank = np.arange(len(se)) - np.repeat(first, np.diff(np.r_[first, len(se)]))
    top = order[rank < s.policy.suggestion_limit]
    return pd.DataFrame({
        "e": e[top], "score": score[top], "line": line[top], "ref": ref[top], "partner": same_partner[top],
        "residual": residual[top], "amount": amount[top], "cur": s.i_cur[i][top], "dated": dated[top],
        "days": days[top]})


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
