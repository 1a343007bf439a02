"""Bank matching: statement entries against Odoo's open items, a cascade of rules, cheapest first.

Pure and vectorised: `match(entries, items, partner_banks, policy)` reads three frames (see
frames.py) and returns what to reconcile, what a person must look at and why, and counts per
rule. Each open item is used at most once per run; an entry with two equally good readings,
or an item two entries claim equally, is never reconciled automatically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ofm.memory import paused_gc
from ofm.rules.bank.policy import MatchingPolicy
from ofm.rules.bank.resolve import Ambiguous, Candidates, resolve
from ofm.rules.bank.state import State, by_pair, prepare
from ofm.rules.bank.strategies import RULES
from ofm.rules.bank.suggest import Suggestion, reasons, suggestions

MATCH_COLUMNS = ("entry_id", "rule", "line_ids", "applied_minor", "writeoff_minor", "writeoff_account",
                 "partner_id")


@dataclass(frozen=True)
class Match:
    """Reconcile entry `entry_id` with open items `line_ids`.

    applied_minor[k] is the part of the entry set against line_ids[k] (they add up to the entry
    amount); writeoff_minor = residuals - applied, booked to writeoff_account (rule 'fees').
    """

    entry_id: str
    rule: str
    line_ids: tuple[int, ...]
    applied_minor: tuple[int, ...]
    writeoff_minor: int
    writeoff_account: str | None
    partner_id: int


@dataclass(frozen=True)
class Unmatched:
    """An entry left for a person: why ('ambiguous: ...' or 'no match: ...') and best guesses."""

    entry_id: str
    reason: str
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return self.reason.startswith("ambiguous")


class UnmatchedEntries(Sequence[Unmatched]):
    """The entries left for a person, in order (each rule's ambiguous ones, then those no rule matched), built
    when first read: their reasons, suggestions and texts are a second of work at 1M entries, which a caller that
    only counts them (the stats) never pays. Reads like a list of Unmatched, compares equal to one, and
    pickles as one. Two threads reading it first at once would both build it (the same list)."""

    def __init__(self, build: Callable[[], list[Unmatched]], count: int) -> None:
        self._build: Callable[[], list[Unmatched]] | None = build
        self._items: list[Unmatched] | None = None
        self._count = count

    def _list(self) -> list[Unmatched]:
        if self._items is None:
            items = self._build()  # type: ignore[misc]  # set until built
            if len(items) != self._count:
                raise RuntimeError(f"built {len(items)} unmatched entries, counted {self._count}")
            self._items, self._build = items, None  # the engine's state is released once built
        return self._items

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[override]
        return self._list()[index]

    def __iter__(self) -> Iterator[Unmatched]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UnmatchedEntries | list | tuple):
            return len(self) == len(other) and self._list() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like a list

    def __repr__(self) -> str:
        return f"UnmatchedEntries({self._list()!r})"

    def __reduce__(self) -> tuple[type, tuple[list[Unmatched]]]:
        return list, (self._list(),)


@dataclass(frozen=True)
class MatchResult:
    """Matches (one row per entry, columns MATCH_COLUMNS), unmatched entries, counts per rule."""

    matches: pd.DataFrame
    unmatched: Sequence[Unmatched]
    stats: dict[str, Any]

    def match_list(self) -> list[Match]:
        """The matches as Match values (convenient for small runs and tests)."""
        return [Match(*row) for row in self.matches[list(MATCH_COLUMNS)].itertuples(index=False)]


def match(entries: pd.DataFrame, items: pd.DataFrame, partner_banks: pd.DataFrame | None,
          policy: MatchingPolicy) -> MatchResult:
    """Run the policy's rules in order over the entries still open and the items still free.

    Without cyclic garbage collection: the result holds hundreds of thousands of small objects (the
    matches' tuples; one Unmatched with its suggestions per entry left, built when first read, likewise
    without collection), and each collection would walk all of them again."""
    with paused_gc():
        return _match(entries, items, partner_banks, policy)


def _match(entries: pd.DataFrame, items: pd.DataFrame, partner_banks: pd.DataFrame | None,
           policy: MatchingPolicy) -> MatchResult:
    if partner_banks is None:
        partner_banks = pd.DataFrame({"partner_id": pd.Series(dtype=np.int64), "iban": pd.Series(dtype=str)})
    s = prepare(entries, items, partner_banks, policy)
    accepted, rules, doubts = [], [], []
    closed = np.zeros(s.n, dtype=bool)
    for k, name in enumerate(policy.rules):
        rule = RULES[name]
        decision = resolve(rule.find(s))
        done = decision.accepted
        s.e_open[done.e] = False
        s.i_free[done.i] = False
        accepted.append(done)
        rules.append(np.full(len(done), k, dtype=np.int64))
        s.e_open[decision.ambiguous.e] = False
        closed[done.e] = closed[decision.ambiguous.e] = True
        doubts.append((rule.why, decision.ambiguous, decision.rivals))
    ambiguous = sum(len(a) for _, a, _ in doubts)  # every reason the rules give is 'ambiguous: ...'
    todo = np.flatnonzero(~closed)  # every later one 'no match: ...'
    unmatched = UnmatchedEntries(partial(_unmatched, s, doubts, todo), ambiguous + len(todo))
    matches, per_match = _matches(s, Candidates.concat(accepted), np.concatenate(rules))
    stats = _stats(s, matches, per_match, len(unmatched), ambiguous)
    return MatchResult(matches, unmatched, stats)


def _unmatched(s: State, doubts: list[tuple[str, Ambiguous, Candidates]], todo: np.ndarray) -> list[Unmatched]:
    """The unmatched entries: each rule's ambiguous ones (with their rivals), then `todo`, the entries no rule
    decided (why, and ranked suggestions). `s` is the state the cascade ended in."""
    with paused_gc():
        out = [u for why, ambiguous, rivals in doubts for u in _ambiguous(s, why, ambiguous, rivals)]
        hints = suggestions(s, todo)
        ids = s.entries.entry_id.to_numpy()
        out += map(Unmatched, ids[todo].tolist(), reasons(s, todo), [hints.get(e, []) for e in todo.tolist()])
    return out


def _ambiguous(s: State, why: str, ambiguous: Ambiguous, rivals: Candidates) -> list[Unmatched]:
    """Unmatched values for a rule's ambiguous entries, their rival groups as suggestions."""
    if not len(ambiguous):
        return []
    ids, lines = s.entries.entry_id.to_numpy(), s.items.line_id.to_numpy()
    options = rival_options(rivals.e, rivals.g, lines[rivals.i], s.policy.suggestion_limit)
    claims = first_claims(rivals.e, rivals.i, ids)
    out = []
    labels = {"candidates": f"equally good: {why}", "claimed": f"claimed as well by another entry: {why}"}
    for e, eid, kind, n in zip(ambiguous.e.tolist(), ids[ambiguous.e].tolist(), ambiguous.kind, ambiguous.n.tolist(),
                               strict=True):
        label = labels[kind]
        hints = [Suggestion(o, 1.0, label) for o in options.get(e, ())]
        if kind == "candidates":
            reason = f"ambiguous: {n} equally good candidates ({why})"
        else:
            i, other, others = claims.get(e, (-1, -1, 0))
            line = lines[i] if i >= 0 else "?"
            more = f" and {others - 1} more" if others > 1 else ""
            other = ids[other] if other >= 0 else "?"
            reason = f"ambiguous: open item {line} is also claimed by entry {other}{more} ({why})"
        out.append(Unmatched(eid, reason, hints))
    return out


def rival_options(e: np.ndarray, g: np.ndarray, line: np.ndarray, limit: int) -> dict[int, list[tuple[int, ...]]]:
    """Per entry: each of its groups as the tuple of its line ids in order, the tuples in order, the first
    `limit` of them. Entries whose groups are single lines (nearly all) by one sort of (entry, line), the
    others group by group."""
    out: dict[int, list[tuple[int, ...]]] = {}
    if not len(e):
        return out
    order = by_pair(e, g - g.min())  # each entry's groups together, rows in place within a group
    se, sg = e[order], g[order]
    new = np.r_[True, (se[1:] != se[:-1]) | (sg[1:] != sg[:-1])]
    group = np.cumsum(new) - 1
    long = np.zeros(int(e.max()) + 1, dtype=bool)
    long[se[np.bincount(group)[group] > 1]] = True
    one = ~long[e]
    e1, l1 = e[one], line[one]
    order = by_pair(e1, l1)
    e1, l1 = e1[order], l1[order]
    first = np.flatnonzero(np.r_[True, e1[1:] != e1[:-1]]) if len(e1) else np.zeros(0, dtype=np.intp)
    rank = np.arange(len(e1)) - np.repeat(first, np.diff(np.r_[first, len(e1)]))
    e1, l1 = e1[rank < limit], l1[rank < limit]
    bounds = np.flatnonzero(np.r_[True, e1[1:] != e1[:-1], True]).tolist() if len(e1) else [0]
    singles = list(zip(l1.tolist()))
    for entry, a, b in zip(e1[bounds[:-1]].tolist(), bounds[:-1], bounds[1:], strict=True):
        out[entry] = singles[a:b]
    groups: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    rest = ~one
    for entry, k, ln in zip(e[rest].tolist(), g[rest].tolist(), line[rest].tolist(), strict=True):
        groups[entry][k].append(ln)
    for entry, by_group in groups.items():
        out[entry] = sorted(tuple(sorted(lines)) for lines in by_group.values())[:limit]
    return out


def first_claims(e: np.ndarray, i: np.ndarray, ids: np.ndarray) -> dict[int, tuple[int, int, int]]:
    """Per entry that wants an item other entries want too (rows (e, i)): the first such item in row order, the
    other claimant with the smallest id, and how many other claimants it has."""
    if not len(e):
        return {}
    width = int(i.max()) + 1
    pairs = np.unique(e * width + i)  # each (entry, item) once
    pe, pi = pairs // width, pairs % width
    claimants = np.bincount(pi, minlength=width)
    shared = np.flatnonzero(claimants[i] > 1)
    if not len(shared):
        return {}
    entries, first = np.unique(e[shared], return_index=True)  # the first shared item of each entry, in row order
    item = i[shared[first]]
    # each shared item's two claimants with the smallest ids
    keep = claimants[pi] > 1
    pe, pi = pe[keep], pi[keep]
    people = np.unique(pe)
    rank = np.zeros(int(e.max()) + 1, dtype=np.int64)
    rank[people[np.argsort(ids[people], kind="stable")]] = np.arange(len(people))
    order = by_pair(pi, rank[pe])
    pe, pi = pe[order], pi[order]
    starts = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])  # each item has two claimants or more
    lowest, second = np.full(width, -1), np.full(width, -1)
    lowest[pi[starts]], second[pi[starts]] = pe[starts], pe[starts + 1]
    other = np.where(lowest[item] != entries, lowest[item], second[item])
    return dict(zip(entries.tolist(), zip(item.tolist(), other.tolist(), (claimants[item] - 1).tolist(),
                                          strict=True), strict=True))


def _matches(s: State, rows: Candidates, rule: np.ndarray) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    """One row per matched entry, its lines in line id order (`rule`: the position of each row's rule
    in the policy), columns MATCH_COLUMNS; and per row the entry `e`, the rule's position `k` and the
    count of `lines` (for the stats)."""
    line = s.items.line_id.to_numpy()[rows.i]
    order = by_pair(rows.e, line)  # stable, like sorting by (e, line)
    e, line = rows.e[order], line[order]
    starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]]) if len(e) else np.array([], dtype=np.int64)
    writeoff = (np.add.reduceat(rows.writeoff[order], starts) if len(e)
                else np.array([], dtype=np.int64))
    account = s.policy.writeoff_account
    frame = pd.DataFrame({
        "entry_id": s.entries.entry_id.to_numpy()[e[starts]],
        "rule": np.array(s.policy.rules + ("",), dtype=object)[rule[order][starts]],
        "line_ids": _spans(line, starts),
        "applied_minor": _spans(rows.applied[order], starts),
        "writeoff_minor": writeoff.astype(np.int64),
        "writeoff_account": pd.Series(np.where(writeoff != 0, account, None), dtype=object),
        "partner_id": s.i_partner[rows.i[order][starts]],
    })
    return frame, (e[starts], rule[order][starts], np.diff(np.r_[starts, len(e)]))


def _spans(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """values[starts[k]:starts[k + 1]] as a tuple of ints per k, in an object array: most spans hold one
    value, made all at once by zip; the few longer ones one by one."""
    out = np.fromiter(zip(values[starts].tolist()), dtype=object, count=len(starts))
    bounds = np.r_[starts, len(values)]
    for k in np.flatnonzero(np.diff(bounds) > 1).tolist():
        out[k] = tuple(values[bounds[k]:bounds[k + 1]].tolist())
    return out


def _stats(s: State, matches: pd.DataFrame, per_match: tuple[np.ndarray, ...], unmatched: int,
           ambiguous: int) -> dict[str, Any]:
    """JSON-able counts: entries, lines and absolute amount per currency, per rule (integer sums
    per rule and currency by np.add.at; currencies listed in code order, which is their sorted order)."""
    e, rule, lines = per_match
    names = s.currencies.to_numpy()
    cur = s.e_cur[e] % max(len(names), 1)  # a missing currency (-1) reads as the last one, as indexing does
    amount, writeoff = np.abs(s.e_amount[e]), matches.writeoff_minor.to_numpy()
    width = max(len(names), 1)

    def per_currency(mask: np.ndarray, values: np.ndarray) -> dict[str, int]:
        sums, seen = np.zeros(width, dtype=np.int64), np.zeros(width, dtype=bool)
        np.add.at(sums, cur[mask], values[mask])
        seen[cur[mask]] = True
        return {str(names[c]): int(sums[c]) for c in np.flatnonzero(seen).tolist()}

    rules: dict[str, Any] = {}
    for k, name in enumerate(s.policy.rules):
        mine = rule == k
        rules[name] = {"entries": int(mine.sum()), "lines": int(lines[mine].sum()),
                       "amount_minor": per_currency(mine, amount)}
        if name == "fees":
            rules[name]["writeoff_minor"] = per_currency(mine, writeoff)
    return {"entries": s.n, "items": len(s.i_resid), "matched": len(matches), "rules": rules,
            "unmatched": {"entries": unmatched, "ambiguous": ambiguous},
            "match_rate": round(len(matches) / s.n, 4) if s.n else 0.0}
