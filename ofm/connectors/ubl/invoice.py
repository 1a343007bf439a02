"""UBL 2.1 Invoice and CreditNote (Peppol BIS Billing 3.0) read into one `VendorBill`.

No maintained, permissively licensed library maps UBL into plain records without pulling in
an XML schema stack, so this is our own code over defusedxml, reading the Peppol BIS 3 fields
the middleware needs. Credit notes come out with negative quantities and amounts (unit prices
stay positive), so an invoice and the credit note that cancels it sum to zero.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from ofm.canonical.money import Money
from ofm.canonical.procurement import Attachment, BillKind, BillParty, OrderLineRef, TaxRef, VendorBill, VendorBillLine
from ofm.connectors.ubl.errors import At, UblError
from ofm.connectors.ubl.tree import Node, parse_xml

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_CREDIT_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
# root tag -> (kind, line element, quantity element, sign of amounts)
_DOCUMENTS = {
    f"{{{_INVOICE_NS}}}Invoice": (BillKind.INVOICE, "cac:InvoiceLine", "cbc:InvoicedQuantity", 1),
    f"{{{_CREDIT_NS}}}CreditNote": (BillKind.CREDIT_NOTE, "cac:CreditNoteLine", "cbc:CreditedQuantity", -1),
}


def parse_ubl_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> VendorBill:
    """Read a UBL file (size checked before reading) into a VendorBill, or UblError."""
    name = Path(path).name
    try:
        size = Path(path).stat().st_size
        if size > max_bytes:
            raise UblError(name, None, f"{size} bytes, more than the {max_bytes} bytes a UBL document may have")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UblError(name, None, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_ubl_invoice(data, name, max_bytes)


def parse_ubl_invoice(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> VendorBill:
    """A UBL 2.1 Invoice or CreditNote as a VendorBill; `name` is used in errors only."""
    if len(data) > max_bytes:
        raise UblError(name, None, f"{len(data)} bytes, more than the {max_bytes} bytes a UBL document may have")
    root = parse_xml(data, name)
    if root.tag not in _DOCUMENTS:
        raise UblError(name, None, f"not a UBL 2.1 Invoice or CreditNote (root {root.tag!r})")
    kind, line_path, quantity_path, sign = _DOCUMENTS[root.tag]
    doc = Node(root, "/" + root.tag.split("}")[1])
    try:
        # what fails only on the whole bill (totals, currencies) is located at the monetary total
        with _validating(f"{doc.xpath}/cac:LegalMonetaryTotal"):
            return _bill(doc, kind, line_path, quantity_path, sign)
    except At as exc:
        raise UblError(name, exc.xpath, exc.reason) from None


@contextmanager
def _validating(xpath: str) -> Iterator[None]:
    """A model's ValidationError as `At(xpath, …)`, one line, naming the field that failed."""
    try:
        yield
    except ValidationError as exc:
        reasons = [f"{'.'.join(map(str, e['loc']))}: " * bool(e["loc"]) + e["msg"].removeprefix("Value error, ")
                   for e in exc.errors()]
        raise At(xpath, "; ".join(reasons)) from None


def _bill(doc: Node, kind: BillKind, line_path: str, quantity_path: str, sign: int) -> VendorBill:
    currency = doc.required_text("cbc:DocumentCurrencyCode")
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise At(f"{doc.xpath}/cbc:DocumentCurrencyCode", f"not an ISO 4217 code like 'EUR': {currency!r}")
    order_number = doc.text("cac:OrderReference/cbc:ID")
    lines = [_line(node, currency, order_number, quantity_path, sign) for node in doc.findall(line_path)]
    if not lines:
        raise At(f"{doc.xpath}/{line_path}", "a document needs at least one line")
    totals = doc.require("cac:LegalMonetaryTotal")
    for optional in ("cbc:AllowanceTotalAmount", "cbc:ChargeTotalAmount"):
        if totals.decimal(optional):
            raise At(f"{totals.xpath}/{optional}", "document-level allowances and charges are not supported yet")
    # without document-level allowances/charges the lines' total is the untaxed total (EN 16931 BR-CO-13)
    line_total = totals.decimal("cbc:LineExtensionAmount", required=True)
    if line_total != totals.decimal("cbc:TaxExclusiveAmount", required=True):
        raise At(f"{totals.xpath}/cbc:LineExtensionAmount", f"{line_total} differs from TaxExclusiveAmount")
    return VendorBill(
        bill_number=doc.required_text("cbc:ID"), kind=kind,
        supplier=_supplier(doc.require("cac:AccountingSupplierParty/cac:Party")),
        order_number=order_number,
        invoice_date=doc.date("cbc:IssueDate", required=True),
        due_date=doc.date("cbc:DueDate") or doc.date("cac:PaymentMeans/cbc:PaymentDueDate"),
        payment_terms=doc.text("cac:PaymentTerms/cbc:Note"),
        currency=currency, lines=tuple(lines),
        untaxed=totals.amount("cbc:TaxExclusiveAmount", currency, required=True, sign=sign),
        tax=_tax(doc, currency, sign),
        total=totals.amount("cbc:TaxInclusiveAmount", currency, required=True, sign=sign),
        payable=totals.amount("cbc:PayableAmount", currency, required=True, sign=sign),
        attachments=tuple(a for a in map(_attachment, doc.findall("cac:AdditionalDocumentReference")) if a),
    )


def _supplier(party: Node) -> BillParty:
    endpoint = party.find("cbc:EndpointID")
    return BillParty(
        name=party.text("cac:PartyName/cbc:Name") or party.text("cac:PartyLegalEntity/cbc:RegistrationName"),
        vat=party.text("cac:PartyTaxScheme/cbc:CompanyID"),
        endpoint_id=party.text("cbc:EndpointID"),
        endpoint_scheme=endpoint.attr("schemeID") if endpoint is not None else None,
        legal_id=party.text("cac:PartyLegalEntity/cbc:CompanyID"),
    )


def _tax(doc: Node, currency: str, sign: int) -> Money | None:
    """The TaxTotal in the document currency (a second one may state tax in the tax currency)."""
    totals = doc.findall("cac:TaxTotal")
    if not totals:
        raise At(f"{doc.xpath}/cac:TaxTotal", "mandatory element missing")
    for node in totals:
        amount = node.require("cbc:TaxAmount")
        if amount.attr("currencyID") in (None, currency):
            return node.amount("cbc:TaxAmount", currency, required=True, sign=sign)
    raise At(f"{doc.xpath}/cac:TaxTotal/cbc:TaxAmount", f"no tax total in the document currency {currency!r}")


def _line(node: Node, currency: str, order_number: str | None, quantity_path: str, sign: int) -> VendorBillLine:
    quantity = node.decimal(quantity_path, required=True)
    item = node.require("cac:Item")
    price = node.amount("cac:Price/cbc:PriceAmount", currency, required=True)
    base = node.decimal("cac:Price/cbc:BaseQuantity")  # a price may be per 10 or per 100 units
    if base is not None and base <= 0:
        raise At(f"{node.xpath}/cac:Price/cbc:BaseQuantity", f"must be positive, got {base}")
    if price is not None and base is not None and base != 1:
        price = Money(amount=price.amount / base, currency=currency)
    line_id = node.text("cac:OrderLineReference/cbc:LineID")
    taxes = tuple(map(_tax_ref, item.findall("cac:ClassifiedTaxCategory")))
    with _validating(node.xpath):
        return VendorBillLine(
            line_ref=node.required_text("cbc:ID"),
            description=item.required_text("cbc:Name"),
            product_code=item.text("cac:SellersItemIdentification/cbc:ID"),
            quantity=-quantity if sign < 0 and quantity else quantity,
            unit=node.require(quantity_path).attr("unitCode"),
            unit_price=price,
            net_amount=node.amount("cbc:LineExtensionAmount", currency, required=True, sign=sign),
            taxes=taxes,
            order_line=OrderLineRef(order_number=order_number, line_ref=line_id) if line_id else None,
        )


def _tax_ref(category: Node) -> TaxRef:
    with _validating(category.xpath):
        return TaxRef(code=category.required_text("cbc:ID"), percent=category.decimal("cbc:Percent"))


def _attachment(ref: Node) -> Attachment | None:
    """Metadata of an embedded file; the decoded bytes are hashed and measured, then dropped."""
    blob = ref.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
    if blob is None:
        return None  # an external reference only: nothing received, nothing to describe
    try:
        content = base64.b64decode("".join((blob.element.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise At(blob.xpath, "embedded document is not valid base64") from None
    with _validating(blob.xpath):
        return Attachment(file_name=blob.attr("filename"), mime_type=blob.attr("mimeCode"),
                          sha256=hashlib.sha256(content).hexdigest(), size=len(content))


