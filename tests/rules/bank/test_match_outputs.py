"""The pieces that build the engine's output (issue 13), each against the plain loop it replaced.

`rival_options` and `first_claims` word an ambiguous entry (its rival groups as suggestions; the open item it
shares, with whom); `_distinct_pairs` lets `resolve` skip its three-key sort; `UnmatchedEntries` builds the
unmatched entries when first read. Random rows with many repeats, so that shared items, long groups and
ties are common.
"""

from __future__ import annotations

import pickle
from collections import defaultdict

import numpy as np
import pytest

from bench.bank_matching import generate
from ofm.rules.bank import load_policy, match
from ofm.rules.bank.engine import Unmatched, UnmatchedEntries, first_claims, rival_options
from ofm.rules.bank.resolve import _distinct_pairs, _first


def _plain_options(e, g, line, limit):
    groups: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for entry, k, ln in zip(e.tolist(), g.tolist(), line.tolist(), strict=True):
        groups[entry][k].append(ln)
    return {entry: sorted(tuple(sorted(x)) for x in by_group.values())[:limit] for entry, by_group in groups.items()}


def _plain_claims(e, i, ids):
    claims: dict[int, set[int]] = defaultdict(set)
    wants: dict[int, list[int]] = defaultdict(list)
    for entry, item in zip(e.tolist(), i.tolist(), strict=True):
        claims[item].add(entry)
        wants[entry].append(item)
    out = {}
    for entry, items in wants.items():
        mine = [x for x in items if len(claims[x]) > 1]
        if mine:
            others = sorted(claims[mine[0]] - {entry}, key=lambda o: ids[o])
            out[entry] = (mine[0], others[0], len(others))
    return out


def _rows(seed: int, n: int):
    rng = np.random.default_rng(seed)
    e = rng.integers(0, max(2, n // 3), n)
    g = np.where(rng.random(n) < 0.7, rng.integers(-1, 6, n), rng.integers(0, 10_000, n))
    i = rng.integers(0, max(2, n // 2), n)
    ids = np.array([f"E{rng.integers(0, 10**6):07d}-{k}" for k in range(int(e.max()) + 1)], dtype=object)
    return e, g, i, ids


@pytest.mark.parametrize("seed", range(40))
def test_rival_options_are_the_sorted_groups_as_before(seed):
    e, g, i, _ = _rows(seed, int(np.random.default_rng(seed).integers(1, 300)))
    keep = np.unique(np.c_[e, g, i], axis=0, return_index=True)[1]  # resolve's rows: each (e, g, i) once
    e, g, i = e[np.sort(keep)], g[np.sort(keep)], i[np.sort(keep)]
    line = i * 7 + 100  # line ids: increasing with the item, like Odoo's
    for limit in (1, 2, 3):
        assert rival_options(e, g, line, limit) == _plain_options(e, g, line, limit)


@pytest.mark.parametrize("seed", range(40))
def test_first_claims_name_the_first_shared_item_and_the_smallest_other_id(seed):
    e, _, i, ids = _rows(seed, int(np.random.default_rng(seed).integers(1, 300)))
    assert first_claims(e, i, ids) == _plain_claims(e, i, ids)


@pytest.mark.parametrize("seed", range(20))
def test_distinct_pairs_skip_the_sort_only_when_no_row_repeats(seed):
    e, g, i, _ = _rows(seed, int(np.random.default_rng(seed).integers(1, 60)))
    distinct = len({(a, b) for a, b in zip(e.tolist(), i.tolist(), strict=True)}) == len(e)
    assert _distinct_pairs(e, i) == distinct
    mask = _first(e, g, i)
    seen, expected = set(), []
    for row in zip(e.tolist(), g.tolist(), i.tolist(), strict=True):
        expected.append(row not in seen)
        seen.add(row)
    assert mask.tolist() == expected


def test_unmatched_entries_are_built_once_when_first_read_and_read_like_a_list():
    calls = []
    values = [Unmatched("a", "no match: zero amount"), Unmatched("b", "ambiguous: x")]

    def build():
        calls.append(1)
        return list(values)

    lazy = UnmatchedEntries(build, 2)
    assert len(lazy) == 2 and not calls  # counting builds nothing
    assert lazy == values and values == lazy and lazy[1] == values[1] and list(lazy) == values
    assert lazy[-1:] == values[-1:] and [u.entry_id for u in lazy] == ["a", "b"]
    assert calls == [1]
    assert pickle.loads(pickle.dumps(lazy)) == values
    assert lazy != values[:1] and UnmatchedEntries(lambda: values[:1], 1) != lazy
    with pytest.raises(RuntimeError, match="built 1 unmatched entries, counted 2"):
        list(UnmatchedEntries(lambda: values[:1], 2))


def test_the_engine_s_unmatched_entries_count_what_they_hold():
    entries, items, banks = generate(2000, seed=3)
    result = match(entries, items, banks, load_policy())
    built = list(result.unmatched)
    assert len(built) == result.stats["unmatched"]["entries"] > 0
    assert sum(u.ambiguous for u in built) == result.stats["unmatched"]["ambiguous"] > 0
