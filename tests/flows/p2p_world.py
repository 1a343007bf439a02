"""Procure-to-pay test helpers: Odoo reference data for orders, raw procurement documents, export files.

Used with flow_world.world(): the real clients on the in-process sandboxes. Documents are the raw
JSON the procurement platform sends (README, "Procure-to-pay"), written to export files and read
by the flows through `--source`, so the whole path from raw bytes to Odoo is exercised.
"""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path
from typing import Any

from ofm.connectors.odoo import OdooClient

PRODUCTS = [("OFM-CHAIR", "Office chair", "receive", "consu"), ("OFM-DESK", "Standing desk", "receive", "consu"),
            ("OFM-SUPPORT", "Support hours", "purchase", "service")]
_files = count(1)


def seed_odoo(odoo: OdooClient, analytic: bool = False) -> dict[str, Any]:
    """Products, two suppliers (one archived) and, if asked, analytic accounts CC-OPS and CC-ENG."""
    products = odoo.create("product.product", [
        {"name": name, "default_code": code, "type": kind, "is_storable": kind == "consu", "purchase_method": method}
        for code, name, method, kind in PRODUCTS])
    partners = odoo.create("res.partner", [
        {"name": "Acme Supplies GmbH", "ref": "V-001", "vat": "DE811569869", "supplier_rank": 1, "is_company": True},
        {"name": "Old Vendor BV", "ref": "V-009", "supplier_rank": 1, "is_company": True}])
    odoo.write("res.partner", [partners[1]], {"active": False})
    out: dict[str, Any] = {"products": dict(zip([p[0] for p in PRODUCTS], products, strict=True)),
                           "supplier": partners[0], "archived": partners[1]}
    if analytic:
        plan = odoo.search_read("account.analytic.plan", [], ["name"])[0]["id"]
        out["analytic"] = dict(zip(["CC-OPS", "CC-ENG"], odoo.create("account.analytic.account", [
            {"name": "Operations", "code": "CC-OPS", "plan_id": plan},
            {"name": "Engineering", "code": "CC-ENG", "plan_id": plan}]), strict=True))
    return out


def line(no: int, code: str = "OFM-CHAIR", qty: str = "10", price: str = "120.00", tax: str | None = "VAT19",
         **extra: Any) -> dict[str, Any]:
    return {"line_no": no, "item_code": code, "description": f"{code} line {no}", "quantity": qty, "uom": "C62",
            "unit_price": price, "tax_code": tax, "need_by": "2026-11-30", **extra}


def order(number: str, *lines: dict[str, Any], revision: int = 1, status: str = "approved", vendor: str = "V-001",
          currency: str = "EUR", legal_entity: str = "ACME-DE") -> dict[str, Any]:
    return {"id": number, "revision": revision, "status": status, "legal_entity": legal_entity,
            "supplier": {"id": f"SUP-{vendor}", "vendor_code": vendor, "tax_id": None, "name": vendor},
            "currency": currency, "order_date": "2026-11-02", "updated_at": f"2026-11-02T09:00:0{revision}Z",
            "lines": list(lines) or [line(1)]}


def receipt(ref: str, number: str, *lines: tuple[int, str], on: str = "2026-11-10") -> dict[str, Any]:
    return {"id": ref, "order_id": number, "received_on": on, "updated_at": f"{on}T10:00:00Z",
            "lines": [{"line_no": no, "quantity": qty, "uom": "C62"} for no, qty in lines]}


def export(tmp_path: Path, *docs: dict[str, Any]) -> str:
    """The documents as an export file, as a platform would drop it."""
    path = tmp_path / f"export-{next(_files)}.json"
    path.write_text(json.dumps({"items": list(docs)}))
    return str(path)


def odoo_order(odoo: OdooClient, number: str) -> dict[str, Any] | None:
    rows = odoo.search_read("purchase.order", [["origin", "=", number]],
                            ["name", "state", "partner_id", "partner_ref", "order_line", "picking_ids", "currency_id"])
    if not rows:
        return None
    row = rows[0]
    fields = ["sequence", "product_qty", "price_unit", "qty_received", "tax_ids", "analytic_distribution"]
    row["lines"] = odoo.read("purchase.order.line", row["order_line"], fields)
    return row
