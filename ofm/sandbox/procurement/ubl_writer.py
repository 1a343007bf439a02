"""A sandbox invoice as the supplier would send it over Peppol: UBL 2.1, Peppol BIS Billing 3.0.

`write_ubl_invoice(raw)` turns an invoice of the procurement feed (`documents.invoice`) into
a UBL Invoice, or a CreditNote for a credit note (whose amounts UBL writes positive). It is
the input of the three-way match's UBL intake, so it carries what that reader maps: order
reference, supplier endpoint / VAT / legal name, per-line order line reference, tax category
and percent, monetary totals, and the PDF copy embedded (whose hash the feed states).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, register_namespace, tostring

from ofm.sandbox.procurement.documents import invoice_pdf, money, qty

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOTS = {"invoice": ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "Invoice", "380", "InvoiceLine",
                     "InvoicedQuantity"),
         "credit_note": ("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2", "CreditNote", "381",
                         "CreditNoteLine", "CreditedQuantity")}
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
# Peppol electronic address schemes (EAS) whose identifier is the VAT number itself
VAT_SCHEMES = {"DE": "9930", "AT": "9914", "FR": "9957", "IT": "0211", "ES": "9920", "NL": "9944", "BE": "9925",
               "PL": "9945", "SE": "9955", "GB": "9932"}
register_namespace("cac", CAC)
register_namespace("cbc", CBC)


def write_ubl_invoice(raw: dict[str, Any]) -> bytes:
    """The UBL document (UTF-8 bytes with XML declaration) for one invoice or credit note of the feed."""
    namespace, root_name, type_code, line_name, quantity_name = ROOTS[raw["document_type"]]
    credit = raw["document_type"] == "credit_note"
    currency = raw["currency"]
    root = Element(f"{{{namespace}}}{root_name}")
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", raw["invoice_number"])
    _cbc(root, "IssueDate", raw["invoice_date"])
    if raw.get("due_date") and not credit:
        _cbc(root, "DueDate", raw["due_date"])
    _cbc(root, f"{root_name}TypeCode", type_code)
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", raw.get("legal_entity") or "n/a")
    if raw.get("order_id"):
        _cbc(_cac(root, "OrderReference"), "ID", raw["order_id"])
    for attachment in raw.get("attachments") or []:
        _attachment(root, raw["invoice_number"], attachment)
    _supplier(_cac(_cac(root, "AccountingSupplierParty"), "Party"), raw["supplier"])
    buyer = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    _cbc(_cac(buyer, "PartyLegalEntity"), "RegistrationName", raw.get("legal_entity") or "n/a")
    if raw.get("due_date") and credit:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "30")
        _cbc(means, "PaymentDueDate", raw["due_date"])
    if raw.get("payment_terms"):
        _cbc(_cac(root, "PaymentTerms"), "Note", raw["payment_terms"])
    _tax_total(root, raw, currency)
    totals = _cac(root, "LegalMonetaryTotal")
    for name, key in (("LineExtensionAmount", "untaxed"), ("TaxExclusiveAmount", "untaxed"),
                      ("TaxInclusiveAmount", "total"), ("PayableAmount", "total")):
        _amount(totals, name, raw[key], currency)
    for line in raw["lines"]:
        _line(root, line, currency, line_name, quantity_name)
    indent(root)
    register_namespace("", namespace)  # the document's own namespace unprefixed, as Peppol senders write it
    return tostring(root, encoding="UTF-8", xml_declaration=True)


def _cbc(parent: Element, name: str, text: str, **attrs: str) -> Element:
    element = SubElement(parent, f"{{{CBC}}}{name}", attrs)
    element.text = text
    return element


def _cac(parent: Element, name: str) -> Element:
    return SubElement(parent, f"{{{CAC}}}{name}")


def _amount(parent: Element, name: str, value: str, currency: str) -> Element:
    return _cbc(parent, name, money(abs(Decimal(value))), currencyID=currency)


def _category(parent: Element, name: str, percent: str) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", "S" if Decimal(percent) else "Z")  # UNCL5305: standard (any positive rate) or zero
    _cbc(category, "Percent", qty(percent))
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _attachment(root: Element, number: str, attachment: dict[str, Any]) -> None:
    reference = _cac(root, "AdditionalDocumentReference")
    _cbc(reference, "ID", f"{number}-PDF")
    blob = base64.b64encode(invoice_pdf(number)).decode()
    _cbc(_cac(reference, "Attachment"), "EmbeddedDocumentBinaryObject", blob,
         mimeCode=attachment.get("mime_type") or "application/pdf", filename=attachment.get("file_name") or "")


def _supplier(party: Element, supplier: dict[str, Any]) -> None:
    vat = supplier.get("tax_id")
    if vat and vat[:2] in VAT_SCHEMES:
        _cbc(party, "EndpointID", vat, schemeID=VAT_SCHEMES[vat[:2]])
    _cbc(_cac(party, "PartyName"), "Name", supplier["name"])
    address = _cac(party, "PostalAddress")
    _cbc(_cac(address, "Country"), "IdentificationCode", vat[:2] if vat else "DE")
    if vat:
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", vat)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    _cbc(_cac(party, "PartyLegalEntity"), "RegistrationName", supplier["name"])


def _tax_total(root: Element, raw: dict[str, Any], currency: str) -> None:
    """One TaxTotal with a subtotal per rate; each subtotal's tax is the sum of its lines' rounded tax."""
    taxable: dict[str, Decimal] = defaultdict(Decimal)
    tax: dict[str, Decimal] = defaultdict(Decimal)
    for line in raw["lines"]:
        net = Decimal(line["net_amount"])
        taxable[line["tax_percent"]] += net
        tax[line["tax_percent"]] += Decimal(money(net * Decimal(line["tax_percent"]) / 100))
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", raw["tax"], currency)
    for percent in sorted(taxable, key=Decimal):
        subtotal = _cac(total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", str(taxable[percent]), currency)
        _amount(subtotal, "TaxAmount", str(tax[percent]), currency)
        _category(subtotal, "TaxCategory", percent)


def _line(root: Element, line: dict[str, Any], currency: str, line_name: str, quantity_name: str) -> None:
    node = _cac(root, line_name)
    _cbc(node, "ID", str(line["line_no"]))
    _cbc(node, quantity_name, qty(abs(Decimal(line["quantity"]))), unitCode=line["uom"])
    _amount(node, "LineExtensionAmount", line["net_amount"], currency)
    if line.get("order_line_no") is not None:
        _cbc(_cac(node, "OrderLineReference"), "LineID", str(line["order_line_no"]))
    item = _cac(node, "Item")
    _cbc(item, "Name", line["description"])
    if line.get("item_code"):
        _cbc(_cac(item, "SellersItemIdentification"), "ID", line["item_code"])
    _category(item, "ClassifiedTaxCategory", line["tax_percent"])
    _amount(_cac(node, "Price"), "PriceAmount", line["unit_price"], currency)
