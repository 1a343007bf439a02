"""Odoo master data the procurement sandbox's documents refer to: its products and cost centers.

Odoo owns products and analytic accounts; procurement only names them (item code, cost center).
The demo and the flow tests create them in an Odoo (sandbox) before purchasing starts. Idempotent.
"""

from __future__ import annotations

UNITS = {"C62": "Units", "KGM": "kg"}  # the catalog's UN/ECE codes -> Odoo unit names (as in p2p.yaml)


def seed_catalog(odoo) -> tuple[int, int]:
    """The sandbox catalog's products and cost centers in Odoo (Odoo owns them; procurement refers to them)."""
    from ofm.sandbox.procurement.products import COST_CENTERS, PRODUCTS

    have = {r["default_code"] for r in odoo.search_read("product.product", [["default_code", "!=", False]],
                                                        ["default_code"])}
    new = [p for p in PRODUCTS if p.code not in have]
    if new:  # a product bought by the kilogram is stocked in kg: its receipt moves are then in kg too
        units = {r["name"]: r["id"] for r in odoo.search_read("uom.uom", [["name", "in", sorted(set(UNITS.values()))]],
                                                              ["name"])}
        odoo.create("product.product", [
            {"name": p.name, "default_code": p.code, "type": "consu" if p.kind == "goods" else "service",
             "is_storable": p.kind == "goods", "purchase_method": p.purchase_method, "uom_id": units[UNITS[p.uom]],
             "standard_price": float(p.list_price)} for p in new])
    codes = {r["code"] for r in odoo.search_read("account.analytic.account", [], ["code"])}
    plan = odoo.search_read("account.analytic.plan", [], ["name"])[0]["id"]
    missing = [(code, name) for code, name in COST_CENTERS.items() if code not in codes]
    if missing:
        odoo.create("account.analytic.account", [{"name": name, "code": code, "plan_id": plan}
                                                 for code, name in missing])
    return len(PRODUCTS), len(COST_CENTERS)
