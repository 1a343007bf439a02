"""The four frames `ofm.rules.match3.match_bills` reads, built from mapped bills and the Odoo snapshot.

Pure (no Prefect, no I/O). Units as the engine wants them: money in integer minor units of the
currency, quantities in thousandths, tax rates in milli-percent. Odoo's floats are turned into
Decimals through their shortest text (`str`), never multiplied as floats. An order line's
`invoiced` leaves out what this batch's own drafts already put on it: those bills are matched
again here, and the engine counts each bill of the batch against the lines once.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from ofm.canonical import VendorBill, minor_units
from ofm.rules.match3.engine import BILL_COLUMNS, BILL_LINE_COLUMNS, ORDER_LINE_COLUMNS, PREVIOUS_BILL_COLUMNS
from ofm.tasks.match.intake import Mapped
from ofm.tasks.match.odoo import Snapshot


def to_minor(amount: Decimal | float, currency: str) -> int:
    """An amount in integer minor units (12.345 EUR -> 1235, half away from zero)."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return int(value.scaleb(minor_units(currency or "EUR")).to_integral_value(ROUND_HALF_UP))


def to_milli(value: Decimal | float) -> int:
    """Quantities and rates in thousandths."""
    value = value if isinstance(value, Decimal) else Decimal(str(value))
    return int(value.scaleb(3).to_integral_value(ROUND_HALF_UP))


def line_id(index: int, line: int) -> int:
    """A bill line's id in the frames: bill position * 10,000 + line position (sorts in bill order)."""
    return index * 10_000 + line


def tax_percent(taxes: tuple) -> Decimal:
    return sum((t.percent or Decimal(0) for t in taxes), Decimal(0))


def bill_frames(bills: list[tuple[int, Mapped]], snap: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bill_lines, bills) for the bills to decide, keyed by record ref (bill_id) and line_id."""
    lines: list[dict[str, Any]] = []
    heads: list[dict[str, Any]] = []
    for index, m in bills:
        b: VendorBill = m.bill
        head = {"bill_id": m.ref, "supplier_id": snap.partners[m.ref], "bill_number": b.bill_number,
                "invoice_date": b.invoice_date.isoformat(), "currency": b.currency}
        heads.append({**head, "total_minor": to_minor(b.total.amount, b.currency),
                      "tax_minor": to_minor(b.tax.amount, b.currency)})
        for k, line in enumerate(b.lines):
            price = line.unit_price.amount if line.unit_price else (
                line.net_amount.amount / line.quantity if line.quantity else Decimal(0))
            ref = line.order_line
            lines.append({**head, "bill_line_id": line_id(index, k),
                          "order_number": ref.order_number if ref else None, "order_line_ref": ref.line_ref if ref
                          else None, "product_code": line.product_code, "quantity_milli": to_milli(line.quantity),
                          "unit_price_minor": to_minor(price, b.currency),
                          "tax_percent_milli": to_milli(tax_percent(line.taxes)),
                          "net_minor": to_minor(line.net_amount.amount, b.currency)})
    return (pd.DataFrame(lines, columns=list(BILL_LINE_COLUMNS)), pd.DataFrame(heads, columns=list(BILL_COLUMNS)))


def order_frame(snap: Snapshot) -> pd.DataFrame:
    """The current order lines, with what Odoo's other bills took (own drafts of the batch left out)."""
    rows = [{"order_number": ol.order_number, "order_line_ref": ol.line_ref, "supplier_id": ol.partner_id,
             "state": ol.state, "currency": ol.currency, "product_code": ol.product_code,
             "purchase_method": ol.purchase_method, "quantity_milli": to_milli(ol.quantity),
             "received_milli": to_milli(ol.received),
             "invoiced_milli": to_milli(ol.invoiced) - to_milli(snap.own_draft_qty.get(ol.id, 0.0)),
             "unit_price_minor": to_minor(ol.price_unit, ol.currency),
             "tax_percent_milli": to_milli(snap.percent(ol.tax_ids))} for ol in snap.order_lines.values()]
    return pd.DataFrame(rows, columns=list(ORDER_LINE_COLUMNS))


def previous_frame(snap: Snapshot) -> pd.DataFrame:
    """Bills already in Odoo (not this batch's own): credit notes count negative, like the batch's."""
    rows = [{"supplier_id": b.partner_id, "bill_number": b.ref, "invoice_date": b.invoice_date,
             "total_minor": (-1 if b.move_type == "in_refund" else 1) * to_minor(b.amount_total, b.currency)}
            for b in snap.previous if b.invoice_date]
    return pd.DataFrame(rows, columns=list(PREVIOUS_BILL_COLUMNS))
