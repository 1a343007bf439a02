"""Invariants on a synthetic month (the bench's generator, small): whatever the rules decide,
each entry ends in exactly one place, each open item is used once, and the amounts add up."""

from __future__ import annotations

import pytest

from bench.bank_matching import generate, nested_loop
from ofm.rules.bank import load_policy, match


@pytest.fixture(scope="module")
def month():
    entries, items, banks = generate(3000, seed=11)
    return entries, items, banks, match(entries, items, banks, load_policy())


def test_every_entry_is_matched_or_unmatched_exactly_once(month):
    entries, _, _, result = month
    placed = list(result.matches.entry_id) + [u.entry_id for u in result.unmatched]
    assert sorted(placed) == sorted(entries.entry_id)
    assert all(1 <= len(u.suggestions) <= 3 or not u.suggestions for u in result.unmatched)


def test_each_open_item_is_used_at_most_once(month):
    lines = [line for ids in month[3].matches.line_ids for line in ids]
    assert len(lines) == len(set(lines)) > 0


def test_amounts_add_up_and_currencies_agree(month):
    entries, items, _, result = month
    entry = entries.set_index("entry_id")
    item = items.set_index("line_id")
    for m in result.match_list():
        assert sum(m.applied_minor) == entry.amount_minor[m.entry_id]
        residual = sum(int(item.residual_minor[line]) for line in m.line_ids)
        if m.rule == "partial":
            assert abs(m.applied_minor[0]) < abs(residual) and m.writeoff_minor == 0
        else:
            assert residual == sum(m.applied_minor) + m.writeoff_minor
        assert {item.currency[line] for line in m.line_ids} == {entry.currency[m.entry_id]}
        assert (m.writeoff_account is not None) == (m.writeoff_minor != 0)


def test_every_rule_fires_and_the_engine_finds_more_than_the_plain_loop(month):
    entries, items, banks, result = month
    assert all(stats["entries"] > 0 for stats in result.stats["rules"].values())
    assert result.stats["matched"] > nested_loop(entries, items, banks)
