"""Batch behaviour of the three-way match: bill order, tolerance edges, input validation."""

from __future__ import annotations

import pandas as pd
import pytest
from match3_factory import bill, frames, order, run

from ofm.rules.match3 import load_policy, match_bills


def test_two_bills_cannot_consume_one_receipt_and_the_earlier_one_posts() -> None:
    result = run([bill(2, [{"quantity_milli": 5_000}], invoice_date="2026-03-12"),
                  bill(1, [{"quantity_milli": 6_000}], invoice_date="2026-03-10")],
                 [order(purchase_method="receive", received_milli=8_000)])
    assert result.decision(1).outcome == "matched"
    assert [r.code for r in result.decision(2).reasons] == ["quantity"]


def test_a_duplicate_bill_does_not_take_the_quantity_of_the_next_one() -> None:
    result = run([bill(1, [{"quantity_milli": 4_000}]), bill(2, [{"quantity_milli": 4_000}], bill_number="BILL-1"),
                  bill(3, [{"quantity_milli": 6_000}], invoice_date="2026-03-20")])
    assert [r.code for r in result.decision(2).reasons] == ["duplicate_number"]
    assert result.decision(3).outcome == "matched"


@pytest.mark.parametrize(("price", "tolerance", "outcome"), [
    (1300, {}, "matched"),                                           # +0.50 EUR: at the absolute amount
    (1301, {}, "exception"),                                         # +0.51 EUR and 4.08 %: above both
    (1199, {}, "exception"),                                         # -0.51 EUR: lower prices are checked too
    (1300, {"price_absolute_minor": 0, "price_percent_e4": 40_000}, "matched"),     # exactly 4 %
    (1301, {"price_absolute_minor": 0, "price_percent_e4": 40_000}, "exception"),   # just above 4 %
    (1301, {"price_absolute_minor": 60, "price_percent_e4": 0}, "matched"),         # the larger allowance wins
])
def test_price_tolerance_edges(price: int, tolerance: dict, outcome: str) -> None:
    tolerance = {"total_percent_e4": 100_000, **tolerance}
    result = run([bill(lines=[{"unit_price_minor": price}])], **tolerance)
    assert result.decision(1).outcome == outcome


@pytest.mark.parametrize(("quantity", "percent_e4", "outcome"), [
    (10_500, 50_000, "matched"), (10_501, 50_000, "exception"), (10_001, 0, "exception")])
def test_quantity_tolerance_edges(quantity: int, percent_e4: int, outcome: str) -> None:
    result = run([bill(lines=[{"quantity_milli": quantity}])], [order(received_milli=20_000)],
                 quantity_percent_e4=percent_e4)
    assert result.decision(1).outcome == outcome


def test_one_bad_line_holds_the_whole_bill_and_says_which_line() -> None:
    result = run([bill(lines=[{}, {"order_line_ref": "2", "unit_price_minor": 2000}])],
                 [order(), order(order_line_ref="2")])
    decision = result.decision(1)
    assert decision.outcome == "exception"
    assert [(r.code, r.bill_line_id) for r in decision.reasons][0] == ("price", 102)
    assert decision.reasons[0].text.startswith("line 2 unit price 20.00 EUR")
    assert result.lines.matched.tolist() == [True, False]
    assert result.stats["exceptions"] == 1


def test_input_row_order_does_not_change_decisions() -> None:
    bills = [bill(k, [{"quantity_milli": q}], invoice_date=f"2026-03-{10 + k}")
             for k, q in zip(range(1, 5), (3_000, 2_000, 4_000, 1_000), strict=True)]
    lines, heads = frames(bills)
    policy, orders = load_policy(), pd.DataFrame([order(purchase_method="receive", received_milli=9_000)])
    one = match_bills(lines, heads, orders, None, policy)
    two = match_bills(lines[::-1], heads[::-1], orders, None, policy)
    assert one.bills.to_dict("records") == two.bills.to_dict("records")
    assert one.bills.outcome.tolist() == ["matched", "matched", "matched", "exception"]


@pytest.mark.parametrize(("change", "message"), [
    ({"state": "sent"}, "order_lines.state: unknown value 'sent'"),
    ({"purchase_method": "manual"}, "order_lines.purchase_method: unknown value 'manual'"),
])
def test_unknown_order_values_are_errors(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run([bill()], [order(**change)])


def test_missing_columns_are_named() -> None:
    lines, heads = frames([bill()])
    with pytest.raises(ValueError, match="bills: missing columns total_minor"):
        match_bills(lines, heads.drop(columns="total_minor"), pd.DataFrame([order()]), None, load_policy())
