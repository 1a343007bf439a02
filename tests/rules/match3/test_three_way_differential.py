"""The faster three-way match decides exactly what the previous engine did (issue 13): a differential test.

`previous_engine/` is the engine as it was before the 1M-line round (a frozen copy: one left merge of every
bill line with its order line, the keys compared as strings in each merge and group-by, the whole frame
sorted); both engines run on random months (the bench's generator, roughened: several lines and bills on
one order line, lines without or with a blank order number, unknown order lines, draft, cancelled and
amended orders, currencies without a tolerance, lower-case and spaced bill numbers, shuffled rows, bills
without lines, lines of no bill, typed keys and ids) and every bill's outcome, every line, every reason
with its text, their order and the counts must be equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from previous_engine import match_bills as previous_match_bills

from bench.three_way_match import generate
from ofm.rules.match3 import load_policy, match_bills

POLICY = load_policy()


def _month(seed: int, n: int = 3000):
    lines, bills, orders, previous = generate(n, seed=seed)
    rng = np.random.default_rng(seed)
    share = rng.integers(0, len(lines), len(lines))
    again = rng.random(len(lines)) < 0.08  # billed again, on another line's order line
    for column in ("order_number", "order_line_ref"):
        lines[column] = lines[column].where(~again, lines[column].to_numpy()[share])
    odd = rng.random(len(lines))
    lines["order_line_ref"] = lines.order_line_ref.where(odd > 0.01, None)
    lines["order_number"] = lines.order_number.where((odd < 0.01) | (odd > 0.02), "  ")
    lines["order_number"] = lines.order_number.where((odd < 0.02) | (odd > 0.03), " " + lines.order_number + " ")
    lines["order_line_ref"] = lines.order_line_ref.where((odd < 0.03) | (odd > 0.035), "9")
    lines["product_code"] = lines.product_code.where((odd < 0.035) | (odd > 0.05), None)
    lines["product_code"] = lines.product_code.where((odd < 0.05) | (odd > 0.06), "P-X")
    lines["currency"] = lines.currency.where((odd < 0.06) | (odd > 0.065), "CHF")
    lines["quantity_milli"] = lines.quantity_milli.where((odd < 0.065) | (odd > 0.08), lines.quantity_milli // 3)
    lines["tax_percent_milli"] = lines.tax_percent_milli.where((odd < 0.08) | (odd > 0.085), 19_050)
    odd = rng.random(len(orders))
    orders["state"] = orders.state.where(odd > 0.01, "draft")
    orders["state"] = orders.state.where((odd < 0.01) | (odd > 0.015), "done")
    orders["currency"] = orders.currency.where((odd < 0.015) | (odd > 0.02), "CHF")
    orders["product_code"] = orders.product_code.where((odd < 0.02) | (odd > 0.04), None)
    orders["invoiced_milli"] = np.where(odd > 0.9, orders.quantity_milli // 4, 0)
    orders["received_milli"] = np.where((odd > 0.6) & (odd < 0.7), orders.received_milli // 2, orders.received_milli)
    if seed % 2:
        orders["revision"] = np.where(rng.random(len(orders)) < 0.05, 2, 1)
    odd = rng.random(len(bills))
    bills["bill_number"] = bills.bill_number.where(odd > 0.03, bills.bill_number.str.lower())
    bills["bill_number"] = bills.bill_number.where((odd < 0.03) | (odd > 0.05), " " + bills.bill_number.str[:4]
                                                   + " " + bills.bill_number.str[4:])
    bills["bill_number"] = bills.bill_number.where((odd < 0.05) | (odd > 0.07), bills.bill_number.shift(1))
    bills["bill_number"] = bills.bill_number.where((odd < 0.07) | (odd > 0.075), None)
    bills["total_minor"] = np.where((odd > 0.075) & (odd < 0.09), bills.total_minor + 1, bills.total_minor)
    bills["invoice_date"] = np.where((odd > 0.09) & (odd < 0.12), bills.invoice_date.shift(1), bills.invoice_date)
    bills["invoice_date"] = bills.invoice_date.fillna(bills.invoice_date.iloc[0])
    again = previous.sample(frac=0.01, random_state=seed)
    previous = pd.concat([previous, again.assign(bill_number=again.bill_number.str.lower() + " ")],
                         ignore_index=True)
    empty = bills.bill_id.sample(frac=0.01, random_state=seed)
    lines = lines[~lines.bill_id.isin(empty)]
    return (lines.sample(frac=1, random_state=seed), bills.sample(frac=1, random_state=seed + 1), orders, previous)


def _same(frames) -> None:
    new, old = match_bills(*frames, POLICY), previous_match_bills(*frames, POLICY)
    for name in ("bills", "lines", "reasons"):
        pd.testing.assert_frame_equal(getattr(new, name), getattr(old, name))
    assert new.stats == old.stats


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_decides_as_the_previous_engine_on_random_months(seed):
    frames = _month(seed)
    assert {"no_order", "product_mismatch", "price", "quantity", "tax", "currency", "order_not_confirmed",
            "order_cancelled", "duplicate_number", "duplicate_amount", "total", "no_lines",
            "supplier_mismatch"} <= set(match_bills(*frames, POLICY).stats["reasons"])
    _same(frames)


def test_decides_as_the_previous_engine_with_typed_keys_and_string_ids():
    lines, bills, orders, previous = _month(5)
    lines["order_line_ref"] = lines.order_line_ref.astype(float)  # typed keys (NaN for the missing ones)
    orders["order_line_ref"] = orders.order_line_ref.astype(float)
    lines["bill_id"] = "B" + lines.bill_id.astype(str)
    bills["bill_id"] = "B" + bills.bill_id.astype(str)
    lines["bill_line_id"] = "L" + lines.bill_line_id.astype(str).str.zfill(6)
    _same((lines, bills, orders, previous))


def test_decides_as_the_previous_engine_with_lines_of_no_bill_and_no_previous_bills():
    lines, bills, orders, previous = _month(6)
    _same((lines, bills.iloc[10:], orders, None))


def test_decides_as_the_previous_engine_on_tiny_and_empty_batches():
    lines, bills, orders, previous = _month(7, n=20)
    _same((lines.iloc[:3], bills, orders, previous))
    _same((lines.iloc[:0], bills.iloc[:2], orders, previous.iloc[:0]))
    _same((lines.iloc[:4], bills, orders.iloc[:0], previous))
