"""Bank matching: statement entries against Odoo's open items, a cascade of rules, cheapest first.

Pure and vectorised: `match(entries, items, partner_banks, policy)` reads three frames (see
frames.py) and returns what to reconcile, what a person must look at and why, and counts per
rule. Each open item is used at most once per run; an entry with two equally good readings,
or an item two entries claim equally, is never reconciled automatically.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from ofm.memory import paused_gc
from ofm.rules.bank.engine import Match, MatchResult, Unmatched  # noqa: F401
from ofm.rules.bank.policy import MatchingPolicy

from .resolve import resolve
from .state import State, prepare
from .strategies import RULES
from .suggest import Suggestion, reasons, suggestions  # noqa: F401


# the result types are the engine's own, so results compare equal (the one change to the copy)
def match(entries: pd.DataFrame, items: pd.DataFrame, partner_banks: pd.DataFrame | None,
          policy: MatchingPolicy) -> MatchResult:
    """Run the policy's rules in order over the entries still open and the items still free.

    Without cyclic garbage collection: the result holds hundreds of thousands of small objects (one
    Unmatched with its suggestions per entry left), and each collection would walk all of them again."""
    with paused_gc():
        return _match(entries, items, partner_banks, policy)


def _match(entries: pd.DataFrame, items: pd.DataFrame, partner_banks: pd.DataFrame | None,
           policy: MatchingPolicy) -> MatchResult:
    if partner_banks is None:
        partner_banks = pd.DataFrame({"partner_id": pd.Series(dtype=np.int64), "iban": pd.Series(dtype=str)})
    s = prepare(entries, items, partner_banks, policy)
    accepted, unmatched = [], []
    closed = np.zeros(s.n, dtype=bool)
    for name in policy.rules:
        rule = RULES[name]
        decision = resolve(rule.find(s))
        done = decision.accepted
        s.e_open[done.e.to_numpy()] = False
        s.i_free[done.i.to_numpy()] = False
        accepted.append(done.assign(rule=name))
        s.e_open[decision.ambiguous.e.to_numpy()] = False
        closed[done.e.to_numpy()] = closed[decision.ambiguous.e.to_numpy()] = True
        unmatched += _ambiguous(s, rule.why, decision.ambiguous, decision.rivals)
    ambiguous = len(unmatched)  # every reason the rules give is 'ambiguous: ...', every later one 'no match: ...'
    todo = np.flatnonzero(~closed)
    hints = suggestions(s, todo)
    ids = s.entries.entry_id.to_numpy()
    unmatched += map(Unmatched, ids[todo].tolist(), reasons(s, todo), [hints.get(e, []) for e in todo.tolist()])
    matches = _matches(s, pd.concat(accepted, ignore_index=True))
    stats = _stats(s, matches, len(unmatched), ambiguous)
    return MatchResult(matches.drop(columns="e"), unmatched, stats)


def _ambiguous(s: State, why: str, ambiguous: pd.DataFrame, rivals: pd.DataFrame) -> list[Unmatched]:
    """Unmatched values for a rule's ambiguous entries, their rival groups as suggestions."""
    if ambiguous.empty:
        return []
    ids, lines = s.entries.entry_id.to_numpy(), s.items.line_id.to_numpy()
    groups: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    claims: dict[int, set[int]] = defaultdict(set)
    wants: dict[int, list[int]] = defaultdict(list)
    for e, g, i in zip(*(rivals[c].tolist() for c in ("e", "g", "i")), strict=True):
        groups[e][g].append(int(lines[i]))
        claims[i].add(e)
        wants[e].append(i)
    out = []
    limit = s.policy.suggestion_limit
    for e, kind, n in zip(*(ambiguous[c].tolist() for c in ("e", "kind", "n")), strict=True):
        options = sorted(tuple(sorted(g)) for g in groups[e].values())
        label = "equally good" if kind == "candidates" else "claimed as well by another entry"
        hints = [Suggestion(o, 1.0, f"{label}: {why}") for o in options[:limit]]
        if kind == "candidates":
            reason = f"ambiguous: {n} equally good candidates ({why})"
        else:
            mine = [i for i in wants[e] if len(claims[i]) > 1]
            others = sorted(ids[o] for o in claims[mine[0]] - {e}) if mine else []
            line = lines[mine[0]] if mine else "?"
            more = f" and {len(others) - 1} more" if len(others) > 1 else ""
            other = others[0] if others else "?"
            reason = f"ambiguous: open item {line} is also claimed by entry {other}{more} ({why})"
        out.append(Unmatched(ids[e], reason, hints))
    return out


def _matches(s: State, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per matched entry, its lines in line id order."""
    line = s.items.line_id.to_numpy()[rows.i.to_numpy()]
    order = np.lexsort((line, rows.e.to_numpy()))  # stable, like sorting by (e, line)
    e, line = rows.e.to_numpy()[order], line[order]
    starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]]) if len(e) else np.array([], dtype=np.int64)
    writeoff = (np.add.reduceat(rows.writeoff.to_numpy()[order], starts) if len(e)
                else np.array([], dtype=np.int64))
    account = s.policy.writeoff_account
    return pd.DataFrame({
        "entry_id": s.entries.entry_id.to_numpy()[e[starts]],
        "rule": rows.rule.to_numpy()[order][starts],
        "line_ids": _spans(line, starts),
        "applied_minor": _spans(rows.applied.to_numpy()[order], starts),
        "writeoff_minor": writeoff.astype(np.int64),
        "writeoff_account": pd.Series(np.where(writeoff != 0, account, None), dtype=object),
        "partner_id": s.i_partner[rows.i.to_numpy()[order][starts]],
        "e": e[starts],
    })


def _spans(values: np.ndarray, starts: np.ndarray) -> list[tuple[int, ...]]:
    """values[starts[k]:starts[k + 1]] as a tuple of ints per k: most spans hold one value, made
    all at once by zip; the few longer ones one by one."""
    out = list(zip(values[starts].tolist()))
    bounds = np.r_[starts, len(values)]
    for k in np.flatnonzero(np.diff(bounds) > 1).tolist():
        out[k] = tuple(values[bounds[k]:bounds[k + 1]].tolist())
    return out


def _stats(s: State, matches: pd.DataFrame, unmatched: int, ambiguous: int) -> dict[str, Any]:
    """JSON-able counts: entries, lines and absolute amount per currency, per rule."""
    e = matches.e.to_numpy()
    frame = pd.DataFrame({"rule": matches.rule.to_numpy(), "lines": matches.line_ids.map(len).to_numpy(),
                          "cur": s.currencies.to_numpy()[s.e_cur[e]], "amount": np.abs(s.e_amount[e]),
                          "writeoff": matches.writeoff_minor.to_numpy()})
    rules: dict[str, Any] = {}
    for name in s.policy.rules:
        mine = frame[frame.rule == name]
        rules[name] = {"entries": len(mine), "lines": int(mine.lines.sum()),
                       "amount_minor": {str(k): int(v) for k, v in mine.groupby("cur").amount.sum().items()}}
        if name == "fees":
            rules[name]["writeoff_minor"] = {str(k): int(v) for k, v in mine.groupby("cur").writeoff.sum().items()}
    return {"entries": s.n, "items": len(s.i_resid), "matched": len(matches), "rules": rules,
            "unmatched": {"entries": unmatched, "ambiguous": ambiguous},
            "match_rate": round(len(matches) / s.n, 4) if s.n else 0.0}
