"""The engine's working state: the frames as integer arrays, reference hits, who is still open.

Everything the rules compare becomes an int64/bool numpy array indexed by position (entry `e`,
open item `i`), so each rule is a handful of joins and masks. Matched entries and consumed
items are switched off in `e_open` / `i_free`, and every later rule looks only at what is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ofm.rules.bank.policy import MatchingPolicy
from ofm.rules.resemblance import normalise_name

NO_DAY = np.iinfo(np.int64).min  # NaT as int64 days
IBAN, NAME = 2, 1  # how an entry's partner was found (also its score where partners compete)


def _days(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype="datetime64[D]").astype(np.int64)


def _normal(values: pd.Series) -> pd.Series:
    """Upper case without whitespace: 'inv/2026/0001', 'RF18 5390 0754' compare as written by Odoo."""
    return pd.Series(["".join(v.split()).upper() for v in values.tolist()], index=values.index, dtype=object)


def _tokens(text: pd.Series, regex: str) -> pd.Series:
    """Reference tokens found in each text (one regex pass over all of them), normalised."""
    found = text.str.findall(regex, flags=re.IGNORECASE).explode().dropna()
    if re.compile(regex).groups > 1:  # patterns with their own groups: group 1 is the whole token
        found = pd.Series([t[0] for t in found.tolist()], index=found.index, dtype=object)
    return _normal(found)


def _keys(items: pd.DataFrame) -> pd.Series:
    """Every reference an open item is known by (move name, payment reference, ref), normalised."""
    keys = _normal(pd.concat([items[c].astype(object) for c in ("move_name", "payment_reference", "ref")]).dropna())
    return keys[keys != ""]


@dataclass
class State:
    """Positional arrays for entries (e_*) and open items (i_*), plus the reference hits."""

    policy: MatchingPolicy
    entries: pd.DataFrame
    items: pd.DataFrame
    currencies: pd.Index
    e_amount: np.ndarray
    e_cur: np.ndarray
    e_day: np.ndarray
    i_resid: np.ndarray
    i_cur: np.ndarray
    i_day: np.ndarray
    i_partner: np.ndarray
    hits_all: pd.DataFrame  # (e, i): a reference of item i found in entry e, any currency
    partner_banks: pd.DataFrame
    e_ref: np.ndarray = field(init=False)  # the entry references a known item of its currency
    e_open: np.ndarray = field(init=False)
    i_free: np.ndarray = field(init=False)
    _partner: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.e_open = self.e_amount != 0  # a zero amount settles nothing
        self.i_free = self.i_resid != 0
        h = self.hits_all
        same = self.e_cur[h.e.to_numpy()] == self.i_cur[h.i.to_numpy()]
        self.e_ref = np.zeros(self.n, dtype=bool)
        self.e_ref[h.e.to_numpy()[same]] = True

    @property
    def n(self) -> int:
        return len(self.e_amount)

    def hits(self) -> pd.DataFrame:
        """Reference hits between open entries and free items of the same currency."""
        h = self.hits_all
        keep = self.e_open[h.e.to_numpy()] & self.i_free[h.i.to_numpy()]
        keep &= self.e_cur[h.e.to_numpy()] == self.i_cur[h.i.to_numpy()]
        return h[keep]

    def open_entries(self) -> np.ndarray:
        return np.flatnonzero(self.e_open)

    def free_items(self) -> np.ndarray:
        return np.flatnonzero(self.i_free)

    def partners(self) -> tuple[np.ndarray, np.ndarray]:
        """(partner id, how found) per entry: IBAN of a partner bank account, else its normalised name.

        Computed once, when a rule first needs it, for the entries still open then: names are
        normalised in Python, once per distinct name.
        """
        if self._partner is None:
            self._partner = _find_partners(self)
        return self._partner

    def window(self, e: np.ndarray, i: np.ndarray) -> np.ndarray:
        """|booking date - due date| within the policy's window (a missing date is outside)."""
        a, b = self.e_day[e], self.i_day[i]
        ok = (a != NO_DAY) & (b != NO_DAY)
        return ok & (np.abs(np.where(ok, a, 0) - np.where(ok, b, 0)) <= self.policy.date_window_days)


def prepare(entries: pd.DataFrame, items: pd.DataFrame, partner_banks: pd.DataFrame,
            policy: MatchingPolicy) -> State:
    """Arrays and reference hits for one run; entry and line ids must be unique."""
    entries = entries.reset_index(drop=True)
    items = items.reset_index(drop=True)
    for frame, key in ((entries, "entry_id"), (items, "line_id")):
        dupes = frame[key][frame[key].duplicated()]
        if len(dupes):
            raise ValueError(f"{key} must be unique: {dupes.iloc[0]!r} appears twice (deduplicate by identity first)")
    currencies = pd.Index(sorted(set(entries.currency.dropna().unique()) | set(items.currency.dropna().unique())))
    text = entries.remittance.astype(object).fillna("")
    for column in ("creditor_reference", "end_to_end_id"):
        text = text + " " + entries[column].astype(object).fillna("")
    tokens, keys = _tokens(text, policy.reference_regex), _keys(items)
    codes, _ = pd.factorize(pd.concat([tokens, keys], ignore_index=True))
    left = pd.DataFrame({"e": tokens.index.to_numpy(np.int64), "t": codes[:len(tokens)]})
    right = pd.DataFrame({"i": keys.index.to_numpy(np.int64), "t": codes[len(tokens):]})
    hits = left.merge(right, on="t")[["e", "i"]].drop_duplicates(ignore_index=True)
    return State(
        policy=policy, entries=entries, items=items, currencies=currencies,
        e_amount=entries.amount_minor.to_numpy(np.int64), e_cur=currencies.get_indexer(entries.currency),
        e_day=_days(entries.booking_date), i_resid=items.residual_minor.to_numpy(np.int64),
        i_cur=currencies.get_indexer(items.currency), i_day=_days(items.date_maturity),
        i_partner=items.partner_id.to_numpy(np.int64), hits_all=hits, partner_banks=partner_banks)


def _unique_map(keys: pd.Series, partner_ids: pd.Series) -> pd.Series:
    """key -> partner id, only for keys that name exactly one partner."""
    pairs = pd.DataFrame({"k": keys.to_numpy(), "p": partner_ids.to_numpy()}).dropna().drop_duplicates()
    pairs = pairs[pairs.k != ""]
    single = pairs.groupby("k").p.transform("size") == 1
    return pd.Series(pairs.p[single].to_numpy(np.int64), index=pairs.k[single].to_numpy())


def _find_partners(state: State) -> tuple[np.ndarray, np.ndarray]:
    partner = np.zeros(state.n, dtype=np.int64)
    source = np.zeros(state.n, dtype=np.int8)
    todo = state.open_entries()
    by_iban = _unique_map(state.partner_banks.iban, state.partner_banks.partner_id)
    ibans = state.entries.counterparty_iban.to_numpy()[todo]
    found = pd.Series(ibans).map(by_iban).to_numpy()
    hit = ~pd.isna(found)
    partner[todo[hit]], source[todo[hit]] = found[hit].astype(np.int64), IBAN
    todo = todo[~hit]
    names = state.entries.counterparty_name.to_numpy()[todo]
    known = state.items[["partner_id", "partner_name"]].drop_duplicates()
    known = known[known.partner_id > 0]
    by_name = _unique_map(known.partner_name.map(normalise_name, na_action="ignore"), known.partner_id)
    distinct = pd.unique(pd.Series(names).dropna())
    normal = pd.Series(distinct, index=distinct).map(normalise_name).map(by_name)
    found = pd.Series(names).map(normal).to_numpy()
    hit = ~pd.isna(found)
    partner[todo[hit]], source[todo[hit]] = found[hit].astype(np.int64), NAME
    return partner, source
