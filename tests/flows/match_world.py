"""A world for three-way match tests: flow_world's sandboxes plus a supplier, products, analytic
accounts and CONFIRMED purchase orders seeded in Odoo through the real OdooClient, following the
P2P conventions (origin = partner_ref = procurement order number, line sequence = line number);
receipts by writing quantity + picked on the stock moves and validating the picking (a partial one
answers the backorder wizard with `process`). Invoices are raw procurement records, written to an
export file or served by the procurement sandbox."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ofm.connectors.odoo import OdooClient

VENDOR_CODE, VAT = "V-MATCH-1", "DE811111111"
SUPPLIER = {"id": "SUP-900001", "vendor_code": VENDOR_CODE, "tax_id": VAT, "name": "Match Supplies GmbH"}
TAX_NAMES = {"VAT19": "19%", "VAT7": "7%", "VAT0": "0%"}
PRODUCTS = {"OFM-CHAIR": ("Office chair", "receive"), "OFM-DESK": ("Standing desk", "receive"),
            "OFM-SVC": ("Consulting day", "purchase")}


@dataclass
class Seeded:
    """Ids of what was seeded in Odoo."""

    partner: int
    products: dict[str, int]
    taxes: dict[str, int]
    analytic: dict[str, int]


def seed(odoo: OdooClient) -> Seeded:
    """The supplier, three products, the purchase taxes by procurement code, two analytic accounts."""
    partner = odoo.create("res.partner", [{"name": SUPPLIER["name"], "is_company": True, "supplier_rank": 1,
                                           "ref": VENDOR_CODE, "vat": VAT}])[0]
    taxes = {r["name"]: r["id"] for r in odoo.search_read("account.tax", [("type_tax_use", "=", "purchase")],
                                                          ["name"])}
    products = dict(zip(PRODUCTS, odoo.create("product.product", [
        {"name": name, "default_code": code, "type": "consu", "is_storable": method == "receive",
         "purchase_method": method} for code, (name, method) in PRODUCTS.items()]), strict=True))
    plan = odoo.create("account.analytic.plan", [{"name": "Cost centers"}])[0]
    analytic = dict(zip(["CC-OPS", "CC-ENG"], odoo.create("account.analytic.account", [
        {"name": cc, "code": cc, "plan_id": plan} for cc in ["CC-OPS", "CC-ENG"]]), strict=True))
    return Seeded(partner, products, {code: taxes[name] for code, name in TAX_NAMES.items()}, analytic)


def order(odoo: OdooClient, s: Seeded, number: str, lines: list[tuple[int, str, str, str, str]],
          currency: str = "EUR", confirm: bool = True) -> int:
    """A purchase order (line_no, item code, quantity, unit price, tax code), confirmed unless told."""
    cur = odoo.search_read("res.currency", [("name", "=", currency)], ["id"])[0]["id"]
    half = {str(s.analytic["CC-OPS"]): 60.0, str(s.analytic["CC-ENG"]): 40.0}
    po = odoo.create("purchase.order", [{
        "partner_id": s.partner, "origin": number, "partner_ref": number, "currency_id": cur,
        "order_line": [[0, 0, {"product_id": s.products[code], "name": PRODUCTS[code][0], "product_qty": float(qty),
                               "price_unit": float(price), "tax_ids": [[6, 0, [s.taxes[tax]]]], "sequence": no,
                               "date_planned": "2026-11-20 00:00:00", "analytic_distribution": half}]
                       for no, code, qty, price, tax in lines]}])[0]
    if confirm:
        odoo.call("purchase.order", "button_confirm", ids=[po])
    return po


def receive(odoo: OdooClient, po: int, quantities: dict[int, str]) -> None:
    """Receive `quantities` (line sequence -> qty) on the order's open receipt; short ones leave a backorder."""
    lines = {r["id"]: r["sequence"] for r in odoo.search_read("purchase.order.line", [("order_id", "=", po)],
                                                              ["sequence"])}
    pickings = odoo.read("purchase.order", [po], ["picking_ids"])[0]["picking_ids"]
    [picking] = [p["id"] for p in odoo.read("stock.picking", pickings, ["state"]) if p["state"] not in
                 ("done", "cancel")]
    moves = odoo.search_read("stock.move", [("picking_id", "=", picking)], ["purchase_line_id"])
    for move in moves:
        qty = quantities.get(lines[move["purchase_line_id"][0]])
        if qty is not None:
            odoo.write("stock.move", [move["id"]], {"quantity": float(qty), "picked": True})
    answer = odoo.call("stock.picking", "button_validate", ids=[picking])
    if isinstance(answer, dict):  # fewer than ordered: the backorder wizard, answered "create backorder" with the
        context = answer["context"]  # action's context, as Odoo needs it (without it the answer does nothing)
        wizard = odoo.create("stock.backorder.confirmation", [{"pick_ids": [[4, picking]], "show_transfers": False}],
                             context=context)
        odoo.call("stock.backorder.confirmation", "process", ids=wizard, kwargs={"context": context})


def bill_line(no: int, order_id: str | None, order_line_no: int | None, code: str, qty: str, price: str,
              tax_code: str = "VAT19", tax_percent: str | None = None) -> dict[str, Any]:
    net = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    percent = tax_percent or {"VAT19": "19", "VAT7": "7", "VAT0": "0"}[tax_code]
    return {"line_no": no, "order_id": order_id, "order_line_no": order_line_no, "item_code": code,
            "description": PRODUCTS[code][0], "quantity": qty, "uom": "C62", "unit_price": price,
            "net_amount": str(net), "tax_code": tax_code, "tax_percent": percent}


def invoice(ident: str, number: str, lines: list[dict[str, Any]], invoice_date: str = "2026-11-12",
            order_id: str | None = None, currency: str = "EUR", supplier: dict | None = None,
            **extra: Any) -> dict[str, Any]:
    """A raw procurement invoice whose totals add up (tax rounded per line, as Odoo does)."""
    untaxed = sum(Decimal(line["net_amount"]) for line in lines)
    tax = sum((Decimal(line["net_amount"]) * Decimal(line["tax_percent"]) / 100).quantize(Decimal("0.01"))
              for line in lines)
    return {"id": ident, "invoice_number": number, "document_type": "invoice", "supplier": supplier or SUPPLIER,
            "legal_entity": "ACME-DE", "order_id": order_id, "invoice_date": invoice_date, "accounting_date": None,
            "due_date": None, "payment_terms": "NET30", "currency": currency, "lines": lines,
            "untaxed": str(untaxed), "tax": str(tax), "total": str(untaxed + tax), "attachments": [],
            "updated_at": f"{invoice_date}T10:00:00Z", **extra}


def export(tmp: Path, invoices: list[dict[str, Any]], name: str = "invoices.json") -> str:
    path = tmp / name
    path.write_text(json.dumps({"items": invoices}))
    return str(path)


UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
 <cbc:ID>{number}</cbc:ID><cbc:IssueDate>{date}</cbc:IssueDate><cbc:DueDate>2026-12-12</cbc:DueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:OrderReference><cbc:ID>{order}</cbc:ID></cac:OrderReference>
 <cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID="9930">{vat}</cbc:EndpointID>
  <cac:PartyName><cbc:Name>Match Supplies GmbH</cbc:Name></cac:PartyName>
  <cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
  </cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyName><cbc:Name>ACME</cbc:Name></cac:PartyName></cac:Party>
 </cac:AccountingCustomerParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{tax}</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">{net}</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">{net}</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">{total}</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">{total}</cbc:PayableAmount></cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">{qty}</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">{net}</cbc:LineExtensionAmount>
  <cac:OrderLineReference><cbc:LineID>1</cbc:LineID></cac:OrderLineReference>
  <cac:Item><cbc:Name>Office chair</cbc:Name><cac:SellersItemIdentification><cbc:ID>OFM-CHAIR</cbc:ID>
  </cac:SellersItemIdentification><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
  <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">{price}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
</Invoice>
"""


def ubl_file(folder: Path, name: str, number: str, order_number: str, qty: str, price: str,
             date: str = "2026-11-12") -> Path:
    """A one-line Peppol BIS 3 invoice of the seeded supplier (found by its VAT) against order line 1."""
    net = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    tax = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(UBL.format(number=number, date=date, order=order_number, vat=VAT, tax=tax, net=net,
                               total=net + tax, qty=qty, price=price))
    return path


def feed(w: Any, kind: str) -> list[dict[str, Any]]:
    """Every record of a kind the procurement sandbox serves today."""
    answer = w.procurement.get(f"/api/v1/{kind}", params={"page": 1, "page_size": 1000},
                               headers={"Authorization": "Bearer sandbox-token"})
    answer.raise_for_status()
    return answer.json()["items"]


def seed_from_feed(w: Any, order_ids: list[str]) -> dict[str, int]:
    """The sandbox's orders `order_ids` (and their receipts) in Odoo as po-sync and goods-receipt leave them:
    supplier by vendor code, products by item code, confirmed orders, validated receipts. Order number -> id."""
    odoo = w.odoo
    orders = [o for o in feed(w, "purchase-orders") if o["id"] in order_ids]
    taxes = {r["name"]: r["id"] for r in odoo.search_read("account.tax", [("type_tax_use", "=", "purchase")],
                                                          ["name"])}
    partners: dict[str, int] = {}
    products: dict[str, int] = {}
    ids = {}
    for o in orders:
        sup = o["supplier"]
        if sup["id"] not in partners:
            partners[sup["id"]] = odoo.create("res.partner", [{"name": sup["name"], "is_company": True,
                                                               "supplier_rank": 1, "ref": sup["vendor_code"],
                                                               "vat": sup["tax_id"]}])[0]
        for line in o["lines"]:
            if line["item_code"] not in products:
                products[line["item_code"]] = odoo.create("product.product", [{
                    "name": line["description"], "default_code": line["item_code"], "type": "consu",
                    "is_storable": True, "purchase_method": "receive"}])[0]
        ids[o["id"]] = odoo.create("purchase.order", [{
            "partner_id": partners[sup["id"]], "origin": o["id"], "partner_ref": o["id"],
            "order_line": [[0, 0, {"product_id": products[line["item_code"]], "name": line["description"],
                                   "product_qty": float(line["quantity"]), "price_unit": float(line["unit_price"]),
                                   "tax_ids": [[6, 0, [taxes[TAX_NAMES[line["tax_code"]]]]]],
                                   "sequence": line["line_no"]}] for line in o["lines"]]}])[0]
        odoo.call("purchase.order", "button_confirm", ids=[ids[o["id"]]])
    for gr in feed(w, "receipts"):
        if gr["order_id"] in ids:
            receive(odoo, ids[gr["order_id"]], {line["line_no"]: line["quantity"] for line in gr["lines"]})
    return ids


def invoice_acks(w: Any) -> dict[str, dict[str, Any]]:
    answer = w.procurement.get("/admin/acknowledgements", params={"kind": "invoices"},
                               headers={"Authorization": "Bearer sandbox-token"})
    answer.raise_for_status()
    return {row["external_id"]: row for row in answer.json()["items"]}
