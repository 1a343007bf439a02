"""Procurement models: shapes and arithmetic every valid order, receipt and bill must satisfy."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ofm.canonical.lineage import Lineage
from ofm.canonical.money import Money
from ofm.canonical.procurement import (
    ApprovalStatus,
    Attachment,
    BillKind,
    BillParty,
    GoodsReceipt,
    GoodsReceiptLine,
    OrderLineRef,
    PurchaseOrder,
    PurchaseOrderLine,
    TaxRef,
    VendorBill,
    VendorBillLine,
)


def eur(amount: str, currency: str = "EUR") -> Money:
    return Money(amount=amount, currency=currency)


def po_line(**changes) -> dict:
    return {"line_ref": "10", "description": "Chair", "quantity": "10", "unit": "C62",
            "unit_price": eur("85.00"), "taxes": [TaxRef(code="S", percent="21")], **changes}


def order(**changes) -> PurchaseOrder:
    data = {"number": "PO-1", "approval_status": "approved", "legal_entity": "NL01", "supplier_ref": "S-9",
            "currency": "EUR", "lines": [po_line()], **changes}
    return PurchaseOrder(**data)


def bill_line(**changes) -> dict:
    return {"line_ref": "1", "description": "Chair", "quantity": "10", "unit": "C62", "unit_price": eur("85.00"),
            "net_amount": eur("850.00"), "order_line": OrderLineRef(order_number="PO-1", line_ref="10"), **changes}


def bill(**changes) -> VendorBill:
    data = {"bill_number": "INV-1", "supplier": BillParty(vat="be 0123 456 749"), "invoice_date": date(2026, 10, 15),
            "currency": "EUR", "lines": [bill_line()], "untaxed": eur("850.00"), "tax": eur("178.50"),
            "total": eur("1028.50"), **changes}
    return VendorBill(**data)


def test_valid_order():
    po = order(revision=2, lines=[po_line(expected_date="2026-11-01", analytic_distribution={"OPS": "60", "IT": 40})])
    assert po.approval_status is ApprovalStatus.APPROVED
    assert po.lines[0].quantity == Decimal("10") and po.lines[0].net_amount == eur("850.00")
    assert po.lines[0].analytic_distribution == {"OPS": Decimal("60"), "IT": Decimal("40")}
    assert po.line("10") is po.lines[0] and po.line("99") is None
    assert po.record_ref == "purchase_order:PO-1"
    with pytest.raises(ValidationError):
        po.number = "PO-2"  # frozen


@pytest.mark.parametrize(("changes", "message"), [
    ({"lines": []}, "at least 1 item"),
    ({"currency": "eur"}, "ISO 4217"),
    ({"approval_status": "ordered"}, "approval_status"),
    ({"lines": [po_line(), po_line()]}, "line_ref repeated"),
    ({"lines": [po_line(unit_price=eur("85.00", "USD"))]}, "unit_price is in USD"),
    ({"lines": [po_line(quantity=1.5)]}, "must not be a float"),
    ({"lines": [po_line(quantity="0")]}, "greater than 0"),
    ({"lines": [po_line(quantity="ten")]}, "not a decimal number"),
    ({"lines": [po_line(analytic_distribution={"OPS": "60", "IT": "30"})]}, "sum to 90, not 100"),
    ({"lines": [po_line(analytic_distribution={"OPS": "120", "IT": "-20"})]}, "above 0 and at most 100"),
    ({"lines": [po_line(taxes=[{"code": "S", "percent": "-1"}])]}, "greater than or equal"),
    ({"supplier_ref": ""}, "at least 1 character"),
    ({"unknown": "x"}, "Extra inputs are not permitted"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_invalid_order(changes, message):
    with pytest.raises(ValidationError, match=message):
        order(**changes)


def test_goods_receipt():
    receipt = GoodsReceipt(receipt_ref="GR-5", order_number="PO-1", receipt_date="2026-10-10",
                           lines=[GoodsReceiptLine(order_line_ref="10", quantity_received="4"),
                                  GoodsReceiptLine(order_line_ref="10", quantity_received="-1", unit="C62")])
    assert [line.quantity_received for line in receipt.lines] == [Decimal("4"), Decimal("-1")]
    assert receipt.receipt_date == date(2026, 10, 10) and receipt.record_ref == "goods_receipt:GR-5"


@pytest.mark.parametrize(("line", "message"), [
    ({"order_line_ref": "10", "quantity_received": "0"}, "must not be zero"),
    ({"order_line_ref": "10", "quantity_received": 2.0}, "must not be a float"),
    ({"order_line_ref": "", "quantity_received": "1"}, "at least 1 character"),
])
def test_invalid_receipt_line(line, message):
    with pytest.raises(ValidationError, match=message):
        GoodsReceiptLine(**line)


def test_valid_bill():
    vb = bill(due_date="2026-11-14", accounting_date="2026-10-31", attachments=[
        Attachment(file_name="a.pdf", mime_type="application/pdf", sha256="a" * 64, size=26)])
    assert vb.kind is BillKind.INVOICE and vb.supplier.vat == "BE0123456749"
    assert (vb.invoice_date, vb.accounting_date, vb.due_date) == (date(2026, 10, 15), date(2026, 10, 31),
                                                                 date(2026, 11, 14))
    assert vb.lines[0].order_line == OrderLineRef(order_number="PO-1", line_ref="10")
    assert vb.record_ref == "vendor_bill:BE0123456749:INV-1"


def test_bill_record_ref_prefers_lineage():
    lineage = Lineage(source_system="peppol", external_id="msg-7", content_hash="0" * 64,
                      received_at=datetime(2026, 10, 15), correlation_id="c")
    assert bill(lineage=lineage).record_ref == "peppol:msg-7"


def test_credit_note_is_negative_and_lines_within_one_cent():
    lines = [bill_line(quantity="-1", net_amount=eur("-33.33")), bill_line(line_ref="2", net_amount=eur("-33.33"),
                                                                            quantity="-1", order_line=None)]
    vb = bill(kind="credit_note", lines=lines, untaxed=eur("-66.67"), tax=eur("-14.00"), total=eur("-80.67"))
    assert vb.kind is BillKind.CREDIT_NOTE and vb.total.amount == Decimal("-80.67")


@pytest.mark.parametrize(("changes", "message"), [
    ({"total": eur("1028.51")}, "total: 1028.51 EUR is not untaxed 850.00 EUR \\+ tax 178.50 EUR"),
    ({"untaxed": eur("851.00"), "total": eur("1029.50")}, "untaxed: lines' net amounts sum to 850.00 EUR, not 851.00"),
    ({"tax": eur("178.50", "USD")}, "tax: in USD, the bill is in EUR"),
    ({"lines": [bill_line(net_amount=eur("850.00", "USD"))]}, "lines\\[0\\].net_amount: in USD"),
    ({"lines": []}, "at least 1 item"),
    ({"bill_number": " "}, "at least 1 character"),
    ({"lines": [bill_line(analytic_distribution={"OPS": "99.99"})]}, "sum to 99.99, not 100"),
    ({"attachments": [{"sha256": "XYZ", "size": 1}]}, "String should match pattern"),
    ({"attachments": [{"sha256": "a" * 64, "size": -1}]}, "greater than or equal to 0"),
    ({"kind": "debit_note"}, "kind"),
])
def test_invalid_bill(changes, message):
    with pytest.raises(ValidationError, match=message):
        bill(**changes)


def test_bill_line_without_order_reference():
    line = VendorBillLine(**bill_line(order_line=None, unit_price=None))
    assert line.order_line is None and line.unit_price is None


def test_order_line_net_amount_is_unrounded():
    line = PurchaseOrderLine(**po_line(quantity="2.5", unit_price=eur("33.333")))
    assert line.net_amount == eur("83.3325") and line.net_amount.rounded() == eur("83.33")
