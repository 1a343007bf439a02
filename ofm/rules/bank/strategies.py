"""The matching rules, cheapest first, each a tiny declaration: a name, why, and its candidates.

Each `find` returns candidate groups (see resolve.py) for the entries still open against the
items still free; scores say which claim is strictly better where two compete. Nothing here
decides: `resolve` does, the same way for every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ofm.rules.bank.resolve import Candidates, candidates, empty_candidates
from ofm.rules.bank.state import IBAN, Pairs, State, by_pair, join, key_codes
from ofm.rules.bank.subsets import PAD, solutions

PAIR_BUDGET = 4_000_000  # entry x partner-item pairs built at once (bounds memory for big partners)


def _same_sign(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sign(a) == np.sign(b)


def within_tolerance(s: State, cur: np.ndarray, residual: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """|residual - amount| within the currency's fee tolerance (absolute and/or percent), in exact integers.

    A currency the policy does not list has no tolerance; -1 marks a bound the policy leaves out.
    """
    k = len(s.currencies)
    listed, absolute = np.zeros(k, dtype=bool), np.full(k, -1, np.int64)
    num, den = np.full(k, -1, np.int64), np.ones(k, np.int64)
    for code, tol in s.policy.tolerances.items():
        if code in s.currencies:
            at = s.currencies.get_loc(code)
            listed[at] = True
            if tol.absolute_minor is not None:
                absolute[at] = tol.absolute_minor
            if tol.percent is not None:
                num[at], den[at] = tol.percent.as_integer_ratio()
    diff, base = np.abs(residual - amount), np.abs(residual)
    a, n, d = absolute[cur], num[cur], den[cur]
    return listed[cur] & ((a < 0) | (diff <= a)) & ((n < 0) | (diff * 100 * d <= n * base))


def _partnered(s: State) -> np.ndarray:
    """Open entries with a known partner and no reference to a known item (a reference found is
    stronger evidence than the partner: such entries are left to the reference rules or a person)."""
    partner, _ = s.partners()
    oe = s.open_entries()
    return oe[(partner[oe] > 0) & ~s.e_ref[oe]]


def _partner_pairs(s: State, keep: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Pairs:
    """(e, i): partnered entries x free items of that partner and currency, filtered by `keep(e, i)`,
    built chunk by chunk so that a partner with thousands of open items cannot exhaust memory."""
    partner, _ = s.partners()
    oe, fi = _partnered(s), s.free_items()
    left, right, size = key_codes([partner[oe], s.e_cur[oe]], [s.i_partner[fi], s.i_cur[fi]])
    per_entry = np.bincount(right, minlength=size)[left]
    has = per_entry > 0
    oe, left = oe[has], left[has]
    chunk = (np.cumsum(per_entry[has]) - 1) // PAIR_BUDGET
    bounds = np.flatnonzero(np.r_[True, chunk[1:] != chunk[:-1], True]) if len(chunk) else np.array([0])
    es, is_ = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        lp, rp = join(left[a:b], right)
        e, i = oe[a:b][lp], fi[rp]
        mask = keep(e, i)
        es.append(e[mask])
        is_.append(i[mask])
    return Pairs(np.concatenate(es), np.concatenate(is_))


def reference(s: State) -> Candidates:
    """(1) A referenced item whose residual is the amount, or all referenced items adding up to it."""
    h = s.hits()
    e, i = h.e, h.i
    amount, residual = s.e_amount[e], s.i_resid[i]
    exact = residual == amount
    has_exact = np.zeros(s.n, dtype=bool)
    has_exact[e[exact]] = True
    total = np.zeros(s.n, dtype=np.int64)
    np.add.at(total, e, residual)
    multi = (np.bincount(e, minlength=s.n) >= 2) & (total == s.e_amount) & ~has_exact
    m = multi[e]
    return Candidates.concat([candidates(e[exact], i[exact], i[exact], 2, amount[exact], 0),
                              candidates(e[m], -1, i[m], 1, residual[m], 0)])


def partner_amount(s: State) -> Candidates:
    """(2) The partner (IBAN beats name) has an item of exactly this amount within the date window."""
    partner, source = s.partners()
    oe, fi = _partnered(s), s.free_items()
    left, right, _ = key_codes([partner[oe], s.e_cur[oe], s.e_amount[oe]],
                               [s.i_partner[fi], s.i_cur[fi], s.i_resid[fi]])
    lp, rp = join(left, right)
    e, i = oe[lp], fi[rp]
    w = s.window(e, i)
    return candidates(e[w], i[w], i[w], source[e[w]], s.e_amount[e[w]], 0)


def multi_invoice(s: State) -> Candidates:
    """(3) Two to max_items open items of the partner, same sign, within the window, sum to the amount."""
    pol = s.policy

    def keep(e: np.ndarray, i: np.ndarray) -> np.ndarray:
        amount, residual = s.e_amount[e], s.i_resid[i]
        return _same_sign(amount, residual) & (np.abs(residual) < np.abs(amount)) & s.window(e, i)

    pairs = _partner_pairs(s, keep)
    order = by_pair(pairs.e, pairs.i)
    e, i = pairs.e[order], pairs.i[order]
    count = np.bincount(e, minlength=s.n)[e]
    few = (count >= 2) & (count <= pol.max_candidates)
    e, i = e[few], i[few]
    if not len(e):
        return empty_candidates()
    first = np.r_[True, e[1:] != e[:-1]]  # sorted by entry: each entry's rows together
    rows, row_of = e[first], np.cumsum(first) - 1
    slot = np.arange(len(e)) - np.flatnonzero(first)[row_of]
    width = int(slot.max()) + 1
    pools = np.full((len(rows), width), PAD, dtype=np.int64)
    items = np.full((len(rows), width), -1, dtype=np.int64)
    pools[row_of, slot] = np.abs(s.i_resid[i])
    items[row_of, slot] = i
    found = solutions(pools, np.abs(s.e_amount[rows]), pol.max_items)
    e = [rows[r] for r, slots in found for _ in slots]
    g = [n for n, (_, slots) in enumerate(found) for _ in slots]
    i = [items[r, k] for r, slots in found for k in slots]
    return candidates(e, g, i, 1, s.i_resid[np.asarray(i, dtype=np.int64)], 0) if found else empty_candidates()


def partial(s: State) -> Candidates:
    """(4) Less than the residual of the one item identified (by reference, or an IBAN partner's only item)."""
    fees_on = "fees" in s.policy.rules  # a shortfall within the fee tolerance is a fee, not a part payment
    parts = []
    if "reference" in s.policy.partial_identify_by:
        h = s.hits()
        e, i = h.e, h.i
        one = np.bincount(e, minlength=s.n)[e] == 1
        parts.append((e[one], i[one], 2))
    if "iban" in s.policy.partial_identify_by:
        partner, source = s.partners()
        oe = _partnered(s)
        oe = oe[source[oe] == IBAN]
        fi = s.free_items()
        left, right, size = key_codes([partner[oe], s.e_cur[oe], np.sign(s.e_amount[oe])],
                                      [s.i_partner[fi], s.i_cur[fi], np.sign(s.i_resid[fi])])
        only = np.bincount(right, minlength=size)[right] == 1  # the partner's only item of that currency and sign
        lp, rp = join(left, right[only])
        parts.append((oe[lp], fi[only][rp], 1))
    out = []
    for e, i, score in parts:
        amount, residual = s.e_amount[e], s.i_resid[i]
        ok = _same_sign(amount, residual) & (np.abs(amount) < np.abs(residual))
        if fees_on:
            ok &= ~within_tolerance(s, s.i_cur[i], residual, amount)
        out.append(candidates(e[ok], i[ok], i[ok], score, amount[ok], 0))
    return Candidates.concat(out)


def fees(s: State) -> Candidates:
    """(5) Residual minus amount within the tolerance: by reference, or the partner's unique such item."""
    def fits(e: np.ndarray, i: np.ndarray) -> np.ndarray:
        amount, residual = s.e_amount[e], s.i_resid[i]
        return (_same_sign(amount, residual) & (amount != residual)
                & within_tolerance(s, s.i_cur[i], residual, amount))

    h = s.hits()
    e, i = h.e, h.i
    ok = fits(e, i)
    pairs = _partner_pairs(s, lambda e, i: fits(e, i) & s.window(e, i))
    out = [(e[ok], i[ok], 2), (pairs.e, pairs.i, 1)]
    return Candidates.concat([candidates(e, i, i, score, s.e_amount[e], s.i_resid[i] - s.e_amount[e])
                              for e, i, score in out])


@dataclass(frozen=True)
class Rule:
    """One step of the cascade."""

    name: str
    why: str
    find: Callable[[State], Candidates]


RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("reference", "reference in the remittance and exact residual", reference),
    Rule("partner_amount", "same partner and exact amount within the date window", partner_amount),
    Rule("multi_invoice", "several open items of the partner add up to the amount", multi_invoice),
    Rule("partial", "part payment of the one open item identified", partial),
    Rule("fees", "difference within the fee tolerance, written off", fees),
)}
