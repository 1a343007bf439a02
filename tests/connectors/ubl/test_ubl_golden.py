"""Golden files: each input in golden/ reads to exactly its committed expected JSON.

A failure here means the UBL reader's output changed. If the change is intended, regenerate
with `.venv/bin/python -m tests.connectors.ubl.ubl_regen` and review the diff.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from ubl_regen import GOLDEN_DIR, expected_path, golden_inputs, render

from ofm.canonical.procurement import BillKind
from ofm.connectors.ubl import parse_ubl_file

INPUTS = golden_inputs()


def test_every_golden_input_has_an_expected_file():
    assert len(INPUTS) >= 10
    assert [p.name for p in INPUTS if not expected_path(p).is_file()] == []


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.name)
def test_golden_output_unchanged(source):
    assert render(source) == expected_path(source).read_text(encoding="utf-8")


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.name)
def test_error_inputs_and_only_those_fail(source):
    data = json.loads(expected_path(source).read_text(encoding="utf-8"))
    assert ("error" in data) == source.name.startswith("error-")


def test_invoice_fields():
    bill = parse_ubl_file(GOLDEN_DIR / "invoice-peppol-two-lines.xml")
    assert (bill.kind, bill.bill_number, bill.order_number) == (BillKind.INVOICE, "INV-2026-0042", "PO-10017")
    assert (bill.supplier.vat, bill.supplier.endpoint_scheme) == ("BE0123456749", "0208")
    assert [(line.order_line.order_number, line.order_line.line_ref) for line in bill.lines] == [
        ("PO-10017", "10"), ("PO-10017", "20")]
    chairs, service = bill.lines
    assert (chairs.quantity, chairs.unit, chairs.product_code) == (Decimal("10"), "C62", "CHAIR-ERG-01")
    assert service.unit_price.amount == Decimal("160")  # 1600.00 per BaseQuantity 10
    assert [(t.code, t.percent) for t in chairs.taxes] == [("S", Decimal("21"))]
    assert (bill.untaxed.amount, bill.tax.amount, bill.total.amount) == (
        Decimal("1250.00"), Decimal("262.50"), Decimal("1512.50"))
    (attachment,) = bill.attachments  # the external-URI reference carries no file: no metadata
    assert (attachment.file_name, attachment.mime_type, attachment.size) == ("INV-2026-0042.pdf", "application/pdf", 26)
    assert bill.record_ref == "vendor_bill:BE0123456749:INV-2026-0042"


def test_credit_note_amounts_are_negative():
    bill = parse_ubl_file(GOLDEN_DIR / "creditnote-peppol.xml")
    assert bill.kind is BillKind.CREDIT_NOTE
    (line,) = bill.lines
    assert (line.quantity, line.net_amount.amount, line.unit_price.amount) == (
        Decimal("-1"), Decimal("-85.00"), Decimal("85.00"))
    assert (bill.untaxed.amount, bill.tax.amount, bill.total.amount, bill.payable.amount) == (
        Decimal("-85.00"), Decimal("-17.85"), Decimal("-102.85"), Decimal("-102.85"))
    assert bill.due_date.isoformat() == "2026-11-19"  # from PaymentMeans/PaymentDueDate
