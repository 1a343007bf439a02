"""The faster three-way match decides exactly what the previous one did (issue 13): a differential test.

The engine now turns pandas' string columns into plain object columns before it joins and
compares (`plain_strings`); patched back to the identity, it is the previous engine. Both run on
random months (the bench's generator, with missing and odd texts mixed in) and every bill's
outcome, every line, every reason with its text, their order and the counts must be equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.three_way_match import generate
from ofm.rules.match3 import engine, load_policy, match_bills

POLICY = load_policy()


def _month(seed: int):
    lines, bills, orders, previous = generate(3000, seed=seed)
    rng = np.random.default_rng(seed)
    odd = rng.random(len(lines))
    lines["product_code"] = lines.product_code.where(odd > 0.02, None)  # no product on the bill line
    lines["product_code"] = lines.product_code.where((odd < 0.02) | (odd > 0.04), "P-X")  # another product
    lines["order_number"] = lines.order_number.where((odd < 0.04) | (odd > 0.05), " " + lines.order_number + " ")
    orders["product_code"] = orders.product_code.where(rng.random(len(orders)) > 0.02, None)
    bills["bill_number"] = bills.bill_number.where(rng.random(len(bills)) > 0.05, bills.bill_number.str.lower())
    return lines, bills, orders, previous


@pytest.mark.parametrize("seed", [1, 2])
def test_three_way_match_decides_as_the_previous_one_on_random_months(seed, monkeypatch):
    frames = _month(seed)
    assert any(isinstance(t, pd.StringDtype) for t in frames[0].dtypes)  # the path changed is taken
    new = match_bills(*frames, POLICY)
    monkeypatch.setattr(engine, "plain_strings", lambda frame: frame)
    old = match_bills(*frames, POLICY)
    for name in ("bills", "lines", "reasons"):
        pd.testing.assert_frame_equal(getattr(new, name), getattr(old, name))
    assert new.stats == old.stats
    assert {"no_order", "product_mismatch", "price", "quantity", "tax", "duplicate_number"} <= set(new.stats["reasons"])


def test_string_ids_keep_their_type(monkeypatch):
    lines, bills, orders, previous = _month(3)
    lines["bill_id"] = ("B" + lines.bill_id.astype(str)).astype("str")
    bills["bill_id"] = ("B" + bills.bill_id.astype(str)).astype("str")
    new = match_bills(lines, bills, orders, previous, POLICY)
    monkeypatch.setattr(engine, "plain_strings", lambda frame: frame)
    old = match_bills(lines, bills, orders, previous, POLICY)
    for name in ("bills", "lines", "reasons"):
        pd.testing.assert_frame_equal(getattr(new, name), getattr(old, name))
