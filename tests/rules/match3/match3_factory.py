"""Small frames for three-way match tests: one order line PO1/1 (10 units at 12.50 EUR, 19 % tax,
bill-control 'purchase', all received, nothing billed yet) and bills of supplier 7 dated 2026-03-10."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ofm.rules.match3 import ThreeWayResult, load_policy, match_bills

ORDER = {"order_number": "PO1", "order_line_ref": "1", "supplier_id": 7, "state": "purchase", "currency": "EUR",
         "product_code": "P-1", "purchase_method": "purchase", "quantity_milli": 10_000, "received_milli": 10_000,
         "invoiced_milli": 0, "unit_price_minor": 1250, "tax_percent_milli": 19_000, "revision": 1}
LINE = {"order_number": "PO1", "order_line_ref": "1", "product_code": "P-1", "quantity_milli": 10_000,
        "unit_price_minor": 1250, "tax_percent_milli": 19_000}


def order(**changes) -> dict:
    return {**ORDER, **changes}


def bill(bill_id: int = 1, lines: list[dict] | None = None, **header) -> dict:
    """A bill with its lines (LINE with changes); total_minor is net + tax of the lines unless given."""
    full = [{**LINE, **line} for line in (lines if lines is not None else [{}])]
    for line in full:
        line["net_minor"] = (line["quantity_milli"] * line["unit_price_minor"] + 500) // 1000
    tax = sum((line["net_minor"] * line["tax_percent_milli"] + 50_000) // 100_000 for line in full)
    head = {"bill_id": bill_id, "supplier_id": 7, "bill_number": f"BILL-{bill_id}", "invoice_date": "2026-03-10",
            "currency": "EUR", "tax_minor": tax, "total_minor": sum(x["net_minor"] for x in full) + tax, **header}
    return {"head": head, "lines": full}


def frames(bills: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    heads = pd.DataFrame([b["head"] for b in bills])
    rows = [{"bill_line_id": b["head"]["bill_id"] * 100 + k, **{c: b["head"][c] for c in
             ("bill_id", "supplier_id", "bill_number", "invoice_date", "currency")}, **line}
            for b in bills for k, line in enumerate(b["lines"], start=1)]
    return pd.DataFrame(rows), heads


def run(bills: list[dict], orders: list[dict] | None = None, previous: list[dict] | None = None,
        **tolerance) -> ThreeWayResult:
    policy = load_policy()
    if tolerance:
        policy = replace(policy, tolerances={"EUR": replace(policy.tolerance("EUR"), **tolerance)})
    lines, heads = frames(bills)
    prev = pd.DataFrame(previous, columns=["supplier_id", "bill_number", "invoice_date", "total_minor"])
    return match_bills(lines, heads, pd.DataFrame(orders if orders is not None else [order()]), prev, policy)
