"""UBL reader limits: size bound, hostile XML, error shape, documents it refuses."""

from __future__ import annotations

import pytest
from ubl_regen import GOLDEN_DIR

from ofm.connectors.ubl import DEFAULT_MAX_BYTES, UblError, parse_ubl_file, parse_ubl_invoice

INVOICE = (GOLDEN_DIR / "invoice-peppol-two-lines.xml").read_bytes()


def test_default_size_bound_is_10_mb():
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024


def test_oversized_bytes_refused_before_parsing():
    with pytest.raises(UblError, match="more than the 100 bytes"):
        parse_ubl_invoice(INVOICE, "big.xml", max_bytes=100)


def test_oversized_file_refused_before_reading(tmp_path):
    path = tmp_path / "big.xml"
    path.write_bytes(INVOICE)
    with pytest.raises(UblError) as caught:
        parse_ubl_file(path, max_bytes=1000)
    assert caught.value.file == "big.xml" and "more than the 1000 bytes" in caught.value.reason


def test_missing_file_is_a_ubl_error(tmp_path):
    with pytest.raises(UblError, match="cannot read the file"):
        parse_ubl_file(tmp_path / "absent.xml")


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://attacker.example/x.dtd"><Invoice/>',
    b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
], ids=["external-dtd", "internal-entity"])
def test_hostile_xml_refused(payload):
    with pytest.raises(UblError, match="DTD or entities is refused"):
        parse_ubl_invoice(payload, "hostile.xml")


def test_error_is_one_line_naming_file_and_xpath():
    broken = INVOICE.replace(b"<cbc:ID>INV-2026-0042</cbc:ID>", b"")
    with pytest.raises(UblError) as caught:
        parse_ubl_invoice(broken, "in.xml")
    assert str(caught.value) == "in.xml: /Invoice/cbc:ID: mandatory element missing or empty"
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("old", "new", "position", "reason"), [
    (b"<cbc:DocumentCurrencyCode>EUR", b"<cbc:DocumentCurrencyCode>eur", "/Invoice/cbc:DocumentCurrencyCode",
     "not an ISO 4217 code"),
    (b"<cbc:Percent>21</cbc:Percent>\n        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>\n      </cac:Class",
     b"<cbc:Percent>121</cbc:Percent>\n        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>\n      </cac:Class",
     "/Invoice/cac:InvoiceLine[1]/cac:Item/cac:ClassifiedTaxCategory[1]", "percent: Input should be less than"),
    (b"<cac:LegalMonetaryTotal>", b"<cac:LegalMonetaryTotal><cbc:AllowanceTotalAmount currencyID=\"EUR\">5"
     b"</cbc:AllowanceTotalAmount>", "/Invoice/cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount", "not supported"),
    (b"<cbc:IssueDate>2026-10-15", b"<cbc:IssueDate>15.10.2026", "/Invoice/cbc:IssueDate", "not a YYYY-MM-DD date"),
    (b'<cbc:BaseQuantity unitCode="HUR">10', b'<cbc:BaseQuantity unitCode="HUR">0',
     "/Invoice/cac:InvoiceLine[2]/cac:Price/cbc:BaseQuantity", "must be positive"),
], ids=["lowercase-currency", "tax-percent-over-100", "document-allowance", "date-format", "zero-base-quantity"])
def test_bad_values_located(old, new, position, reason):
    assert old in INVOICE
    with pytest.raises(UblError) as caught:
        parse_ubl_invoice(INVOICE.replace(old, new, 1), "in.xml")
    assert caught.value.position.startswith(position) and reason in caught.value.reason


def test_invoice_without_lines_refused():
    start, end = INVOICE.index(b"<cac:InvoiceLine>"), INVOICE.rindex(b"</cac:InvoiceLine>") + len(b"</cac:InvoiceLine>")
    with pytest.raises(UblError, match="at least one line") as caught:
        parse_ubl_invoice(INVOICE[:start] + INVOICE[end:], "in.xml")
    assert caught.value.position == "/Invoice/cac:InvoiceLine"


def test_line_total_must_equal_tax_exclusive_total():
    old = b'<cbc:LineExtensionAmount currencyID="EUR">1250.00'
    with pytest.raises(UblError, match="differs from TaxExclusiveAmount") as caught:
        parse_ubl_invoice(INVOICE.replace(old, b'<cbc:LineExtensionAmount currencyID="EUR">1251.00'), "in.xml")
    assert caught.value.position == "/Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount"
