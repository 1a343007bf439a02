"""The acceptance scenarios of the three-way match, one table row each: no Odoo, no files, no clock.

Order line PO1/1: 10 units at 12.50 EUR, 19 % tax, bill control 'purchase' unless a row says
otherwise; EUR price tolerance 2 % or 0.50 EUR, whichever is larger (bundled YAML).
"""

from __future__ import annotations

import pytest
from match3_factory import bill, order, run

PREVIOUS_SAME_NUMBER = [{"supplier_id": 7, "bill_number": "bill-1 ", "invoice_date": "2026-01-05",
                         "total_minor": 999}]
PREVIOUS_SAME_TOTAL = [{"supplier_id": 7, "bill_number": "OLD-9", "invoice_date": "2026-03-05",
                        "total_minor": 14875}]

SCENARIOS = {
    # name: (bills, orders, previous, bill decided, expected outcome, expected codes, fragment of a reason)
    "perfect match": ([bill()], None, None, 1, "matched", (), None),
    "price over tolerance": (
        [bill(lines=[{"unit_price_minor": 1310}])], None, None, 1, "exception", ("price", "total"),
        "line 1 unit price 13.10 EUR is 4.8 % above the order's 12.50 EUR (tolerance 2 %, 0.50 EUR)"),
    "price within tolerance": ([bill(lines=[{"unit_price_minor": 1270}])], None, None, 1, "matched", (), None),
    "qty above ordered (purchase)": (
        [bill(lines=[{"quantity_milli": 12_000}])], [order(received_milli=12_000)], None, 1, "exception",
        ("quantity",), "line 1 bills quantity 12 but only 10 can be billed (ordered 10"),
    "qty above received (receive)": (
        [bill(lines=[{"quantity_milli": 8_000}])], [order(purchase_method="receive", received_milli=6_000)], None, 1,
        "exception", ("quantity",), "only 6 can be billed (received 6, already billed 0"),
    "qty within received minus billed (receive)": (
        [bill(lines=[{"quantity_milli": 4_000}])],
        [order(purchase_method="receive", received_milli=10_000, invoiced_milli=6_000)], None, 1, "matched", (),
        None),
    "partial receipt then second bill": (
        [bill(1, [{"quantity_milli": 6_000}]), bill(2, [{"quantity_milli": 5_000}], invoice_date="2026-03-12")],
        [order(purchase_method="receive", received_milli=8_000)], None, 2, "exception", ("quantity",),
        "line 1 bills quantity 5 but only 2 can be billed (received 8, already billed 6"),
    "second bill after earlier bills in Odoo": (
        [bill(lines=[{"quantity_milli": 4_000}])], [order(purchase_method="receive", invoiced_milli=6_000)],
        None, 1, "matched", (), None),
    "bill without order reference": (
        [bill(lines=[{"order_number": None, "order_line_ref": None}])], None, None, 1, "exception", ("no_order",),
        "line 1 names no purchase order"),
    "bill with unknown order": (
        [bill(lines=[{"order_number": "PO404"}])], None, None, 1, "exception", ("no_order",),
        "order PO404 line 1 is not known"),
    "duplicate: same supplier and bill number": (
        [bill()], None, PREVIOUS_SAME_NUMBER, 1, "exception", ("duplicate_number",),
        "bill number BILL-1 of supplier 7 is also a bill already in Odoo"),
    "duplicate: same number twice in the batch": (
        [bill(1), bill(2, bill_number="BILL-1", invoice_date="2026-03-11", total_minor=5)], None, None, 2,
        "exception", ("duplicate_number", "quantity", "total"), "is also bill 1 of this batch"),
    "duplicate: same total within the window": (
        [bill()], None, PREVIOUS_SAME_TOTAL, 1, "exception", ("duplicate_amount",),
        "same total 148.75 EUR dated 5 days apart (window 7 days)"),
    "same total outside the window": (
        [bill(invoice_date="2026-03-20")], None, PREVIOUS_SAME_TOTAL, 1, "matched", (), None),
    "currency mismatch": (
        [bill(lines=[{}], currency="USD")], None, None, 1, "exception", ("currency",),
        "line 1 is billed in USD but order PO1 is in EUR"),
    "tax mismatch": (
        [bill(lines=[{"tax_percent_milli": 7_000}])], None, None, 1, "exception", ("tax", "total"),
        "line 1 tax 7 % differs from the order line's 19 % (tolerance 0 %)"),
    "amended order, bill at the old price": (
        [bill(lines=[{"unit_price_minor": 1400}])], [order(unit_price_minor=1250, revision=2)], None, 1,
        "exception", ("price_amended", "total"),
        "amended to revision 2: the bill may be priced at an earlier revision"),
    "amended order, bill at the current price": (
        [bill()], [order(revision=2)], None, 1, "matched", (), None),
    "cancelled order": (
        [bill()], [order(state="cancel")], None, 1, "exception", ("order_cancelled",), "order PO1 is cancelled"),
    "order not confirmed": (
        [bill()], [order(state="draft")], None, 1, "exception", ("order_not_confirmed",), "is not confirmed"),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str) -> None:
    bills, orders, previous, bill_id, outcome, codes, fragment = SCENARIOS[name]
    decision = run(bills, orders, previous).decision(bill_id)
    assert decision.outcome == outcome
    assert decision.action == ("post" if outcome == "matched" else "hold_draft")
    assert tuple(sorted(r.code for r in decision.reasons)) == tuple(sorted(codes))
    if fragment:
        assert any(fragment in r.text for r in decision.reasons), [r.text for r in decision.reasons]


@pytest.mark.parametrize(("code", "owner"), [
    ("price", "accounts-payable"), ("tax", "accounts-payable"), ("currency", "accounts-payable"),
    ("duplicate_number", "accounts-payable"), ("quantity", "procurement"), ("no_order", "procurement"),
    ("order_cancelled", "procurement"), ("price_amended", "procurement")])
def test_every_reason_names_its_owner(code: str, owner: str) -> None:
    result = run([bill(1, [{"unit_price_minor": 1500}]), bill(2, [{"tax_percent_milli": 0}]),
                  bill(3, [{}], currency="USD"), bill(4, [{"quantity_milli": 50_000}]),
                  bill(5, [{"order_number": None}]), bill(6, [{"order_line_ref": "2"}]),
                  bill(7, [{"order_line_ref": "3", "unit_price_minor": 900}]), bill(8, bill_number="BILL-1")],
                 [order(), order(order_line_ref="2", state="cancel"), order(order_line_ref="3", revision=3)])
    owners = set(result.reasons.loc[result.reasons.code == code, "owner"])
    assert owners == {owner}
