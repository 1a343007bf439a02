"""The engine's working state: the frames as integer arrays, reference hits, who is still open.

Everything the rules compare becomes an int64/bool numpy array indexed by position (entry `e`,
open item `i`), so each rule is a handful of joins and masks. Matched entries and consumed
items are switched off in `e_open` / `i_free`, and every later rule looks only at what is left.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from typing import NamedTuple

import numpy as np
import pandas as pd

from ofm.rules.bank.policy import MatchingPolicy
from ofm.rules.resemblance import LEGAL_FORMS, UMLAUTS, normalise_name

NO_DAY = np.iinfo(np.int64).min  # NaT as int64 days
IBAN, NAME = 2, 1  # how an entry's partner was found (also its score where partners compete)


def _days(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype="datetime64[D]").astype(np.int64)


SEP = "\x00"  # joins many texts into one string: not whitespace, not a letter or digit, not in a reference
_OUTER = ("(?<![A-Z0-9])(", ")(?![A-Z0-9])")  # how MatchingPolicy.reference_regex wraps the patterns
_NON_WORD = re.compile(f"[^a-z0-9{SEP}]+")  # what separates words in `normalise_name`
_LEGAL = re.compile(f"(?<![a-z0-9])(?:{'|'.join(sorted(LEGAL_FORMS))})(?![a-z0-9])")  # a legal form as a whole word
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.split() splits on, in ASCII
_SPACES, _SPACES_AT_SEP = re.compile(" +"), re.compile(f" ?{SEP} ?")
_CONTEXT = ("^", "$", "\\A", "\\Z", "\\b", "\\B", "(?=", "(?!", "(?<")  # anchors and lookarounds


def normal_text(value: str) -> str:
    """Upper case without whitespace: 'inv/2026/0001', 'RF18 5390 0754' compare as written by Odoo."""
    return "".join(value.split()).upper()


def is_normal(text: str) -> bool:
    """Whether `normal_text` leaves the text as it is, for ASCII texts (a few scans in C); False otherwise."""
    return text.isascii() and not any(c in text for c in _ASCII_SPACE) and text.upper() == text


def _normal(values: pd.Series) -> pd.Series:
    """`normal_text` of each value, done on all of them joined into one string (both steps work
    character by character), unless a value holds the separator: then value by value."""
    texts = values.tolist()
    joined = SEP.join(texts)
    if joined.count(SEP) != max(len(texts) - 1, 0):
        return pd.Series([normal_text(v) for v in texts], index=values.index, dtype=object)
    if is_normal(joined):  # already upper case without whitespace (Odoo's names): nothing to do
        return pd.Series(texts, index=values.index, dtype=object)
    return pd.Series(normal_text(joined).split(SEP) if texts else [], index=values.index, dtype=object)


def joinable(regex: str) -> bool:
    """Whether texts may be searched joined by SEP and find what each alone would: the patterns use no
    anchor and no lookaround, so only the policy's outer pair looks past a match, at one letter or
    digit either side (never SEP). A match that would run over SEP is caught in `_tokens`."""
    if not (regex.startswith(_OUTER[0]) and regex.endswith(_OUTER[1])):
        return False
    body = regex[len(_OUTER[0]):-len(_OUTER[1])]
    return not any(c in body for c in _CONTEXT)


def tokens_by_text(text: list[str], pattern: re.Pattern) -> pd.Series:
    """The plain way: `findall` text by text (group 1 where the pattern has groups), index = text position."""
    rows = [(k, t[0] if isinstance(t, tuple) else t) for k, v in enumerate(text) for t in pattern.findall(v)]
    return pd.Series([t for _, t in rows], index=np.array([k for k, _ in rows], dtype=np.int64), dtype=object)


def _joined(columns: list[list[str]]) -> str:
    """Each row's values joined by a space (the row's text), the rows joined by SEP, without a Python
    loop over the rows: the pieces are laid out by slice assignment and joined once."""
    n, k = len(columns[0]), len(columns)
    pieces = [" "] * (2 * k * n)
    for j, column in enumerate(columns):
        pieces[2 * j::2 * k] = column
    pieces[2 * k - 1::2 * k] = [SEP] * n
    return "".join(pieces[:-1])


def _tokens(columns: list[list[str]], regex: str) -> pd.Series:
    """Reference tokens found in each row's text (its values joined by a space), normalised; the
    index is the row's position.

    One regex pass over all texts joined by SEP (a million `findall` calls cost four times as much)
    when `joinable`, else text by text."""
    n = len(columns[0])
    joined = _joined(columns) if n else ""
    if not joinable(regex) or joined.count(SEP) != max(n - 1, 0):
        pattern = re.compile(regex, flags=re.IGNORECASE)
        return _normal(tokens_by_text([" ".join(parts) for parts in zip(*columns, strict=True)], pattern))
    one = _one_group(regex)
    if joined.isascii() and case_free(one):  # the same matches, upper case, without the slower IGNORECASE
        parts = re.compile(one).split(joined.upper())  # compiled once per process (re caches it)
    else:
        parts = re.compile(one, flags=re.IGNORECASE).split(joined)
    # parts: the text between matches, then each group of a match, in order
    width = re.compile(one).groups + 1
    found = parts[1::width]  # group 1: the outer group, the whole match
    if SEP in "".join(found):
        return _normal(tokens_by_text(joined.split(SEP), re.compile(regex, flags=re.IGNORECASE)))
    # the row of match k: how many separators the texts before it hold (no text holds one)
    at = np.cumsum(np.fromiter(map(str.count, parts[0:-1:width], repeat(SEP)), np.int64, len(found)))
    return _normal(pd.Series(found, index=at, dtype=object))


_ABOVE_LETTERS = "{|}~\x7f"  # a range up to one of these may take in lower-case letters without upper case


@cache
def case_free(regex: str) -> bool:
    """Whether the regex finds in the upper case of an ASCII text, without IGNORECASE, exactly what it finds
    in the text with IGNORECASE: it is ASCII and names no lower-case letter (nor an inline flag, a group
    name or an escape such as \\x61 that could), so each character it tests is tested the same way on
    either case. A range holding a lower-case letter ends at one, or above them all: refused ([_-~])."""
    if not regex.isascii():
        return False
    parts = re.findall(r"\\.|.", regex, flags=re.DOTALL)
    for k, part in enumerate(parts):
        escape = part.startswith("\\")
        if escape and part[1:].isalnum() and part[1:] not in "dDwWsS":  # \d, \w, \s and their negations only
            return False
        ends_above = part == "-" and "".join(parts[k + 1:k + 2])[-1:] in tuple(_ABOVE_LETTERS)  # [_-~], [!-\~]
        if not escape and (part.islower() or ends_above):
            return False
    return True


@cache
def _one_group(regex: str) -> str:
    """A `joinable` regex with every group but the outer one made non-capturing (`re.split` then
    returns one piece per match instead of one per group), or the regex itself when that could change
    what it matches (a back-reference or a conditional names groups by number)."""
    body = regex[len(_OUTER[0]):-len(_OUTER[1])]
    if re.search(r"\\[1-9]|\(\?\(|\(\?[a-zA-Z]*x", body):  # back-reference, conditional, verbose mode
        return regex
    out, k, in_class = [], 0, False
    while k < len(body):
        c = body[k]
        if c == "\\":
            out.append(body[k:k + 2])
            k += 2
            continue
        if in_class:  # a ']' right after '[' or '[^' is a literal
            in_class = c != "]" or body[k - 1] == "[" or body[k - 2:k] == "[^"
        elif c == "[":
            in_class = True
        elif c == "(" and body[k + 1:k + 2] != "?":
            c = "(?:"
        out.append(c)
        k += 1
    single = _OUTER[0] + "".join(out) + _OUTER[1]
    try:
        return single if re.compile(single, flags=re.IGNORECASE).groups == 1 else regex
    except re.error:
        return regex


def _keys(items: pd.DataFrame) -> pd.Series:
    """Every reference an open item is known by (move name, payment reference, ref), normalised."""
    values = np.concatenate([items[c].to_numpy(object) for c in ("move_name", "payment_reference", "ref")])
    known = ~pd.isna(values)
    keys = _normal(pd.Series(values[known], index=np.tile(np.arange(len(items)), 3)[known], dtype=object))
    return keys[keys.to_numpy() != ""]


class Pairs(NamedTuple):
    """Entry and item positions of pairs, row by row."""

    e: np.ndarray
    i: np.ndarray


def key_codes(left: list[np.ndarray], right: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
    """One integer code per row for keys of several integer columns, left and right rows coded alike
    (equal keys, equal codes); and how many codes there are. Each column is factorised with the codes so
    far, so the combined code never outgrows the row count."""
    n = len(left[0])
    code, size = np.zeros(n + len(right[0]), dtype=np.int64), 1
    for a, b in zip(left, right, strict=True):
        column, uniques = pd.factorize(np.concatenate([np.asarray(a, np.int64), np.asarray(b, np.int64)]))
        code, combined = pd.factorize(code * len(uniques) + column) if size > 1 else (column, uniques)
        size = len(combined)
    return code[:n], code[n:], size


def by_pair(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """`np.lexsort((second, first))`: the order by first, then second, ties in place; as one stable argsort of
    first * (max(second) + 1) + second when both are non-negative and that fits in int64 (twice as fast)."""
    if len(first) and first.min() >= 0 and second.min() >= 0:
        width = int(second.max()) + 1
        if (int(first.max()) + 1) * width < 2**62:
            return np.argsort(first.astype(np.int64) * width + second, kind="stable")
    return np.lexsort((second, first))


def join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (l, r) of every pair with left[l] == right[r] (codes >= 0), ordered as pandas' inner merge
    orders them: by l, then by r."""
    if not len(left) or not len(right):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    size = int(max(left.max(), right.max())) + 1
    order = np.argsort(right, kind="stable")
    counts = np.bincount(right, minlength=size)
    starts = np.cumsum(counts) - counts
    per_left = counts[left]
    total = int(per_left.sum())
    l_pos = np.repeat(np.arange(len(left)), per_left)
    offset = np.arange(total) - np.repeat(np.cumsum(per_left) - per_left, per_left)
    return l_pos, order[starts[left][l_pos] + offset]


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
    hits_all: Pairs  # (e, i): a reference of item i found in entry e, any currency
    partner_banks: pd.DataFrame
    e_ref: np.ndarray = field(init=False)  # the entry references a known item of its currency
    e_open: np.ndarray = field(init=False)
    i_free: np.ndarray = field(init=False)
    _partner: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.e_open = self.e_amount != 0  # a zero amount settles nothing
        self.i_free = self.i_resid != 0
        h = self.hits_all
        same = self.e_cur[h.e] == self.i_cur[h.i]
        self.e_ref = np.zeros(self.n, dtype=bool)
        self.e_ref[h.e[same]] = True

    @property
    def n(self) -> int:
        return len(self.e_amount)

    def hits(self) -> Pairs:
        """Reference hits between open entries and free items of the same currency."""
        h = self.hits_all
        keep = self.e_open[h.e] & self.i_free[h.i] & (self.e_cur[h.e] == self.i_cur[h.i])
        return Pairs(h.e[keep], h.i[keep])

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
        if pd.Index(frame[key].to_numpy()).is_unique:
            continue
        dupes = frame[key][frame[key].duplicated()]
        raise ValueError(f"{key} must be unique: {dupes.iloc[0]!r} appears twice (deduplicate by identity first)")
    (e_cur, i_cur), currencies = _currency_codes(entries.currency, items.currency)
    columns = [entries[c].astype(object).fillna("").tolist()
               for c in ("remittance", "creditor_reference", "end_to_end_id")]
    tokens, keys = _tokens(columns, policy.reference_regex), _keys(items)
    codes, _ = pd.factorize(pd.concat([tokens, keys], ignore_index=True))
    left, right = join(codes[:len(tokens)], codes[len(tokens):])
    e, i = tokens.index.to_numpy(np.int64)[left], keys.index.to_numpy(np.int64)[right]
    first = ~pd.Index(e * max(len(items), 1) + i).duplicated()  # each (e, i) once, the first kept
    hits = Pairs(e[first], i[first])
    return State(
        policy=policy, entries=entries, items=items, currencies=currencies,
        e_amount=entries.amount_minor.to_numpy(np.int64), e_cur=e_cur,
        e_day=_days(entries.booking_date), i_resid=items.residual_minor.to_numpy(np.int64),
        i_cur=i_cur, i_day=_days(items.date_maturity),
        i_partner=items.partner_id.to_numpy(np.int64), hits_all=hits, partner_banks=partner_banks)


def _currency_codes(*columns: pd.Series) -> tuple[list[np.ndarray], pd.Index]:
    """Each column's currency as a position in the sorted currencies of all of them, -1 where missing.

    Factorised as plain object arrays (pandas' string dtype hashes a million values ten times slower)."""
    factors = [pd.factorize(column.to_numpy(object)) for column in columns]
    currencies = pd.Index(sorted(set().union(*(uniques.tolist() for _, uniques in factors))))
    positions = [np.append(currencies.get_indexer(uniques), -1) for _, uniques in factors]  # code -1 stays -1
    return [at[codes] for (codes, _), at in zip(factors, positions, strict=True)], currencies


def _one_partner(keys: np.ndarray, partner_ids: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per key code 0..size-1 (codes < 0 ignored): the partner, and whether the key names exactly one.

    Integers only (a key names one partner when its smallest and largest partner id are equal): no
    group-by on texts, whose hashing dominated the look-up."""
    partner_ids = np.asarray(partner_ids)
    ok = (keys >= 0) & ~pd.isna(partner_ids)
    keys, partner_ids = keys[ok], partner_ids[ok].astype(np.int64)
    low, high = np.full(size, np.iinfo(np.int64).max), np.full(size, np.iinfo(np.int64).min)
    np.minimum.at(low, keys, partner_ids)
    np.maximum.at(high, keys, partner_ids)
    return low, low == high


def _find_partners(state: State) -> tuple[np.ndarray, np.ndarray]:
    """IBAN of a partner bank account naming one partner, else a normalised name naming one partner.

    The bank accounts' IBANs are factorised and the entries' looked up among them, names once per distinct name
    (normalised in Python), and keys that are missing or empty name nobody."""
    partner = np.zeros(state.n, dtype=np.int64)
    source = np.zeros(state.n, dtype=np.int8)
    todo = state.open_entries()
    banks = state.partner_banks
    # the bank accounts' IBANs factorised, the entries' looked up among them (an unknown one finds no code)
    bank_codes, ibans = pd.factorize(banks.iban.to_numpy(object))
    entry_codes = pd.Index(ibans, dtype=object).get_indexer(state.entries.counterparty_iban.to_numpy(object)[todo])
    empty = np.flatnonzero(ibans == "")
    bank_codes[np.isin(bank_codes, empty)] = entry_codes[np.isin(entry_codes, empty)] = -1
    found, one = _one_partner(bank_codes, banks.partner_id.to_numpy(), len(ibans))
    hit = entry_codes >= 0
    hit[hit] = one[entry_codes[hit]]
    partner[todo[hit]], source[todo[hit]] = found[entry_codes[hit]], IBAN
    todo = todo[~hit]
    # every distinct name (the items' partners', the entries' counterparties') normalised once
    item_names, item_partners = _partner_names(state.items)
    codes, distinct = pd.factorize(np.concatenate([item_names, state.entries.counterparty_name.to_numpy(object)[todo]]))
    normal = np.array(normal_names(distinct.tolist()), dtype=object)
    same, normals = pd.factorize(normal)  # distinct name -> distinct normalised name
    same[normal == ""] = -1
    codes = np.where(codes >= 0, np.append(same, -1)[codes], -1)
    item_codes, entry_codes = codes[:len(item_names)], codes[len(item_names):]
    found, one = _one_partner(item_codes, item_partners, len(normals))
    hit = entry_codes >= 0
    hit[hit] = one[entry_codes[hit]]
    partner[todo[hit]], source[todo[hit]] = found[entry_codes[hit]], NAME
    return partner, source


def _partner_names(items: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(name, partner id) of the items with a partner (id > 0): one row per partner when each partner's
    items all carry one name (as Odoo's do), so only those names are hashed; else one row per item."""
    partners = items.partner_id.to_numpy(np.int64)
    known = partners > 0
    names, partners = items.partner_name.to_numpy(object)[known], partners[known]
    if pd.isna(names).any():
        return names, partners
    codes, distinct = pd.factorize(partners)
    one = np.zeros(len(distinct), dtype=np.intp)
    one[codes] = np.arange(len(codes))  # one item of each partner (which one does not matter)
    if not bool((names[one][codes] == names).all()):  # equal objects compare by identity first: cheap
        return names, partners
    return names[one], distinct


def normal_names(names: list[str]) -> list[str]:
    """`normalise_name` of each name, done on all of them joined into one string (each step works
    character by character, and SEP is neither a letter nor a digit nor changed by any step), unless
    a name holds the separator: then name by name."""
    joined = SEP.join(names)
    if joined.count(SEP) != max(len(names) - 1, 0):
        return [normalise_name(name) for name in names]
    text = joined.lower().replace(".", "").translate(UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _LEGAL.sub("", _NON_WORD.sub(" ", text))  # words only, separated by one space or SEP
    text = _SPACES_AT_SEP.sub(SEP, _SPACES.sub(" ", text)).strip(" ")
    return text.split(SEP) if names else []
