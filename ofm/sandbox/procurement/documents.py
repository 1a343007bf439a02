"""Raw procure-to-pay records in the procurement API's shape, and the day each one appears.

Builders for purchase orders, goods receipts and invoices (see the brief's JSON shapes):
amounts and quantities are decimal strings, a line's net is quantity x unit price rounded to
cents, its tax is rounded per line (as Odoo does by default), totals add the lines. A
`Scenario` is the list of documents with the logical day they are published on; what the
feed shows on a day is the latest version of each document published up to that day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ofm.sandbox.procurement.generator import logical_time
from ofm.sandbox.procurement.products import LEGAL_ENTITY, PRODUCTS_BY_CODE, TAX_PERCENT

KINDS = ("purchase-orders", "receipts", "invoices")
DAY_SECONDS = 86_400
FIRST_STAMP = 2 * 3600  # documents of a day are stamped from 10:00, one minute apart (suppliers: 08:00)
CENT = Decimal("0.01")
Record = dict[str, Any]


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def qty(value: Decimal | int | str) -> str:
    """A quantity as the API writes it: no exponent, no trailing zeros ("10", "2.5")."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Document:
    """One version of a record of `kind`, published on logical day `day`."""

    kind: str
    day: int
    record: Record


@dataclass(frozen=True)
class Scenario:
    """Every document version in publication order (stamped: a later version has a later updated_at)."""

    documents: tuple[Document, ...] = field(default=())

    def visible(self, kind: str, day: int) -> list[Record]:
        """The feed of `kind` on `day`: the latest version of each record published so far."""
        latest: dict[str, Record] = {}
        for doc in self.documents:
            if doc.kind == kind and doc.day <= day:
                latest[doc.record["id"]] = doc.record
        return list(latest.values())

    def published_on(self, kind: str, day: int) -> list[Record]:
        """Only the versions published on `day` itself (what changed that day)."""
        return [doc.record for doc in self.documents if doc.kind == kind and doc.day == day]


def stamp(documents: Iterable[Document]) -> Scenario:
    """Order documents (day, kind, id, revision) and give each its updated_at on the logical clock."""
    ordered = sorted(documents, key=lambda d: (d.day, KINDS.index(d.kind), d.record["id"],
                                               d.record.get("revision") or 0))
    stamped, seq, day = [], 0, 0
    for doc in ordered:
        seq = seq + 1 if doc.day == day else 0
        day = doc.day
        at = logical_time((day - 1) * DAY_SECONDS + FIRST_STAMP + 60 * seq)
        stamped.append(Document(doc.kind, doc.day, {**doc.record, "updated_at": at}))
    return Scenario(tuple(stamped))


def supplier_ref(record: Record) -> Record:
    """How orders and invoices name a supplier of the supplier feed."""
    return {"id": record["id"], "vendor_code": record.get("vendor_code"), "tax_id": record.get("tax_id"),
            "name": record.get("legal_name")}


def order_line(no: int, code: str, quantity: str, price: str | None = None, tax_code: str | None = None,
               cost: Sequence[tuple[str, str]] = (("CC-OPS", "100"),), need_by: str = "2026-11-11",
               description: str | None = None, uom: str | None = None) -> Record:
    """Line `no` of an order; unset fields come from the product catalog (an unknown code must set them)."""
    product = PRODUCTS_BY_CODE.get(code)
    return {"line_no": no, "item_code": code, "description": description or product.name,  # type: ignore[union-attr]
            "quantity": qty(quantity), "uom": uom or product.uom,  # type: ignore[union-attr]
            "unit_price": money(Decimal(price) if price else product.list_price),  # type: ignore[union-attr]
            "tax_code": tax_code or product.tax_code,  # type: ignore[union-attr]
            "cost_allocation": [{"cost_center": cc, "percent": pct} for cc, pct in cost], "need_by": need_by}


def purchase_order(ident: str, supplier: Record, lines: list[Record], revision: int = 1, status: str = "approved",
                   currency: str = "EUR", legal_entity: str = LEGAL_ENTITY,
                   order_date: str = "2026-10-28") -> Record:
    return {"id": ident, "revision": revision, "status": status, "legal_entity": legal_entity,
            "supplier": supplier, "currency": currency, "order_date": order_date, "updated_at": None,
            "lines": lines}


def receipt(ident: str, order: Record, quantities: dict[int, str], received_on: str) -> Record:
    """A goods receipt of `quantities` (order line no -> quantity) against `order`."""
    uom = {line["line_no"]: line["uom"] for line in order["lines"]}
    return {"id": ident, "order_id": order["id"], "received_on": received_on, "updated_at": None,
            "lines": [{"line_no": no, "quantity": qty(q), "uom": uom[no]} for no, q in quantities.items()]}


def bill_line(no: int, order_line_rec: Record, order_id: str | None, quantity: str, price: str | None = None,
              tax_code: str | None = None) -> Record:
    """An invoice line billing `quantity` of an order line (order refs null when `order_id` is None)."""
    unit_price = Decimal(price or order_line_rec["unit_price"])
    tax = tax_code or order_line_rec["tax_code"]
    return {"line_no": no, "order_id": order_id, "order_line_no": order_line_rec["line_no"] if order_id else None,
            "item_code": order_line_rec["item_code"], "description": order_line_rec["description"],
            "quantity": qty(quantity), "uom": order_line_rec["uom"], "unit_price": money(unit_price),
            "net_amount": money(Decimal(quantity) * unit_price), "tax_code": tax,
            "tax_percent": qty(TAX_PERCENT[tax])}


def invoice_pdf(invoice_number: str) -> bytes:
    """The bytes of the (tiny, fake) PDF copy attached to an invoice: sha256 and size come from them."""
    return f"%PDF-1.4\n% sandbox copy of invoice {invoice_number}\n%%EOF\n".encode()


def invoice(ident: str, number: str, supplier: Record, lines: list[Record], invoice_date: str,
            order_id: str | None = None, currency: str = "EUR", credit_note: bool = False) -> Record:
    """An invoice (or credit note) with totals computed from its lines (tax rounded per line)."""
    untaxed = sum((Decimal(line["net_amount"]) for line in lines), Decimal(0))
    tax = sum((Decimal(money(Decimal(line["net_amount"]) * Decimal(line["tax_percent"]) / 100)) for line in lines),
              Decimal(0))
    pdf = invoice_pdf(number)
    due = date.fromisoformat(invoice_date) + timedelta(days=30)
    return {"id": ident, "invoice_number": number, "document_type": "credit_note" if credit_note else "invoice",
            "supplier": supplier, "legal_entity": LEGAL_ENTITY, "order_id": order_id, "invoice_date": invoice_date,
            "accounting_date": None, "due_date": due.isoformat(), "payment_terms": "NET30", "currency": currency,
            "lines": lines, "untaxed": money(untaxed), "tax": money(tax), "total": money(untaxed + tax),
            "attachments": [{"file_name": f"{number}.pdf", "mime_type": "application/pdf",
                             "sha256": hashlib.sha256(pdf).hexdigest(), "size": len(pdf)}],
            "updated_at": None}
