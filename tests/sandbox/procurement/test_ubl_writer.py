"""The sandbox's Peppol UBL writer: every invoice of the P2P story reads back, through the
project's own UBL reader, into the bill the feed describes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ofm.canonical.money import Money
from ofm.canonical.procurement import Attachment, BillKind, BillParty, OrderLineRef, TaxRef, VendorBill, VendorBillLine
from ofm.connectors.ubl import parse_ubl_file, parse_ubl_invoice
from ofm.sandbox.procurement import CASES, ProcurementPlatform, write_ubl_invoice
from ofm.sandbox.procurement.ubl_writer import VAT_SCHEMES


@pytest.fixture(scope="module")
def invoices() -> dict[str, dict]:
    platform = ProcurementPlatform(40, 7)
    platform.advance()
    return {r["id"]: r for r in platform.documents("invoices")}


def expected(raw: dict) -> VendorBill:
    """The VendorBill a UBL copy of `raw` must read into (UBL tax category S/Z, not the platform's code)."""
    cur = raw["currency"]

    def m(value: str) -> Money:
        return Money(amount=Decimal(value), currency=cur)

    lines = tuple(VendorBillLine(
        line_ref=str(x["line_no"]), description=x["description"], product_code=x["item_code"],
        quantity=Decimal(x["quantity"]), unit=x["uom"], unit_price=m(x["unit_price"]), net_amount=m(x["net_amount"]),
        taxes=(TaxRef(code="S" if Decimal(x["tax_percent"]) else "Z", percent=Decimal(x["tax_percent"])),),
        order_line=OrderLineRef(order_number=raw["order_id"], line_ref=str(x["order_line_no"]))
        if x["order_line_no"] is not None else None) for x in raw["lines"])
    supplier = raw["supplier"]
    vat = supplier["tax_id"]
    return VendorBill(
        bill_number=raw["invoice_number"],
        kind=BillKind.CREDIT_NOTE if raw["document_type"] == "credit_note" else BillKind.INVOICE,
        supplier=BillParty(name=supplier["name"], vat=vat, endpoint_id=vat, endpoint_scheme=VAT_SCHEMES[vat[:2]]),
        order_number=raw["order_id"], invoice_date=raw["invoice_date"], due_date=raw["due_date"],
        payment_terms=raw["payment_terms"], currency=cur, lines=lines, untaxed=m(raw["untaxed"]), tax=m(raw["tax"]),
        total=m(raw["total"]), payable=m(raw["total"]),
        attachments=tuple(Attachment(**a) for a in raw["attachments"]))


def test_every_invoice_and_credit_note_round_trips(invoices):
    assert len(invoices) == len({i for c in CASES.values() for i in c.invoices})
    for ident, raw in invoices.items():
        assert parse_ubl_invoice(write_ubl_invoice(raw), f"{ident}.xml") == expected(raw), ident


def test_credit_note_is_a_ubl_credit_note_with_positive_amounts(invoices):
    raw = invoices[CASES["credit_note"].invoices[0]]
    xml = write_ubl_invoice(raw)
    assert b"<CreditNote xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\"" in xml
    assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in xml and b">-" not in xml
    bill = parse_ubl_invoice(xml, "cn.xml")
    assert bill.kind is BillKind.CREDIT_NOTE and bill.total.amount == Decimal(raw["total"]) < 0


def test_the_peppol_fields_the_match_needs_are_there(invoices, tmp_path):
    raw = invoices[CASES["perfect_match"].invoices[0]]
    xml = write_ubl_invoice(raw)
    for needle in (b"<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
                   b"<cac:OrderReference>", b"<cac:OrderLineReference>", b"<cbc:EndpointID schemeID=",
                   b"<cac:PartyLegalEntity>", b"<cac:ClassifiedTaxCategory>", b"<cac:LegalMonetaryTotal>"):
        assert needle in xml, needle
    path = tmp_path / "perfect.xml"
    path.write_bytes(xml)
    assert parse_ubl_file(path) == expected(raw)


def test_a_bill_without_order_has_no_order_references(invoices):
    raw = invoices[CASES["bill_without_order"].invoices[0]]
    xml = write_ubl_invoice(raw)
    assert b"OrderReference" not in xml and b"OrderLineReference" not in xml
    assert parse_ubl_invoice(xml, "x.xml").order_number is None
