"""Procurement invoice JSON -> VendorBill: the fields, and errors naming the record and the field path."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ofm.canonical.procurement import BillKind
from ofm.mappings.vendor_bill import BillMappingError, map_invoice


def raw(**changes) -> dict:
    doc = {"id": "INV-000007", "invoice_number": "F-2026-117", "document_type": "invoice",
           "supplier": {"id": "SUP-000042", "vendor_code": "V-42", "tax_id": "DE 123 456 789", "name": "Chairs AG"},
           "legal_entity": "ACME-DE", "order_id": "PO-2026-0001", "invoice_date": "2026-11-12",
           "accounting_date": None, "due_date": "2026-12-12", "payment_terms": "NET30", "currency": "EUR",
           "lines": [{"line_no": 1, "order_id": None, "order_line_no": 1, "item_code": "OFM-CHAIR",
                      "description": "Office chair", "quantity": "4", "uom": "C62", "unit_price": "120.00",
                      "net_amount": "480.00", "tax_code": "VAT19", "tax_percent": "19"},
                     {"line_no": 2, "order_id": "PO-2026-0009", "order_line_no": 3, "item_code": None,
                      "description": "Freight", "quantity": "1", "uom": "C62", "unit_price": "20.00",
                      "net_amount": "20.00", "tax_code": "VAT19", "tax_percent": "19"}],
           "untaxed": "500.00", "tax": "95.00", "total": "595.00",
           "attachments": [{"file_name": "F.pdf", "mime_type": "application/pdf", "sha256": "a" * 64, "size": 10}],
           "updated_at": "2026-11-12T10:00:00Z"}
    doc.update(changes)
    return doc


def test_an_invoice_maps_to_a_vendor_bill():
    bill = map_invoice(raw())
    assert (bill.bill_number, bill.kind, bill.order_number, str(bill.due_date)) == \
        ("F-2026-117", BillKind.INVOICE, "PO-2026-0001", "2026-12-12")
    assert (bill.supplier.source_ref, bill.supplier.vat, bill.supplier.name) == ("V-42", "DE123456789", "Chairs AG")
    first, second = bill.lines
    assert (first.order_line.order_number, first.order_line.line_ref) == ("PO-2026-0001", "1")  # the invoice's order
    assert (second.order_line.order_number, second.order_line.line_ref) == ("PO-2026-0009", "3")  # the line's own
    assert first.taxes[0].code == "VAT19" and first.taxes[0].percent == Decimal(19)
    assert first.quantity == Decimal(4) and first.unit_price.amount == Decimal("120.00")
    assert bill.total.amount == Decimal("595.00") and bill.attachments[0].size == 10


def test_supplier_without_vendor_code_is_named_by_its_id_and_a_line_without_order_line_has_none():
    doc = raw(supplier={"id": "SUP-1", "vendor_code": None, "tax_id": None, "name": "X"}, order_id=None)
    doc["lines"][0]["order_line_no"] = None
    bill = map_invoice(doc)
    assert bill.supplier.source_ref == "SUP-1" and bill.lines[0].order_line is None


def test_a_credit_note_keeps_its_negative_amounts():
    doc = raw(document_type="credit_note", untaxed="-120.00", tax="-22.80", total="-142.80")
    doc["lines"] = [dict(doc["lines"][0], quantity="-1", net_amount="-120.00")]
    bill = map_invoice(doc)
    assert bill.kind is BillKind.CREDIT_NOTE and bill.lines[0].quantity == Decimal(-1)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["lines"][1].update(quantity="two"), "INV-000007 lines[1].quantity: not a decimal number: 'two'"),
    (lambda d: d["lines"][0].update(net_amount=None), "INV-000007 lines[0].net_amount: required"),
    (lambda d: d.update(invoice_number=""), "INV-000007 invoice_number: required"),
    (lambda d: d.update(document_type="receipt"), "INV-000007 document_type: 'receipt' is not one of"),
    (lambda d: d.update(invoice_date="12.11.2026"), "INV-000007 invoice_date: "),
    (lambda d: d.update(total="600.00"), "INV-000007 total: 600.00 EUR is not untaxed"),
    (lambda d: d.update(lines=[]), "INV-000007 lines: at least one line is required"),
    (lambda d: d.update(supplier={"name": "nobody"}), "INV-000007 supplier: needs a vendor_code"),
    (lambda d: d["lines"][0].update(unit_price=1.5), "INV-000007 lines[0].unit_price.amount: money must not be a"),
])
def test_a_bad_record_names_its_id_and_field_path(change, message):
    doc = raw()
    change(doc)
    with pytest.raises(BillMappingError) as caught:
        map_invoice(doc)
    assert str(caught.value).startswith(message), str(caught.value)
