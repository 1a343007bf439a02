"""Purchasing master data on a real Odoo (or the sandbox): the procurement catalogue, cost centers, suppliers.

Odoo owns products and analytic accounts; the procurement platform only names them (item code,
cost center), so before purchasing starts they must exist in Odoo. This writes the catalogue of
`ofm/sandbox/procurement/products.py` as Odoo wants it on a real server: goods `consu` +
`is_storable` (received into stock), services `service`, kilogram items with the unit `kg` (Odoo 19
has no unit categories: a kg item left in Units is received as 1,000 Units per kg), cost centers as
analytic accounts of an analytic plan (created when the database has none). Suppliers are created
directly, for tests that do not run supplier onboarding. Idempotent: what exists is kept.
Never imported by flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ofm.sandbox.procurement.products import COST_CENTERS, PRODUCTS

PLAN = "Cost centers"
UNIT_NAMES = {"C62": "Units", "KGM": "kg"}


@dataclass(frozen=True)
class Catalog:
    """Ids of what the catalogue is in Odoo: products by item code, analytic accounts by cost center."""

    products: dict[str, int]
    analytic: dict[str, int]
    plan: int


def analytic_plan(odoo, name: str = PLAN) -> int:
    """The analytic plan cost centers belong to: the first one the database has, else a new `name`."""
    plans = odoo.search_read("account.analytic.plan", [], ["name"], order="id")
    return plans[0]["id"] if plans else odoo.create("account.analytic.plan", [{"name": name}])[0]


def seed_catalog(odoo) -> Catalog:
    """The catalogue's products and cost centers in Odoo, created where missing."""
    units = {r["name"]: r["id"] for r in odoo.search_read("uom.uom", [["name", "in", sorted(set(UNIT_NAMES.values()))]],
                                                          ["name"])}
    have = {r["default_code"]: r["id"] for r in odoo.search_read(
        "product.product", [["default_code", "in", [p.code for p in PRODUCTS]]], ["default_code"])}
    new = [p for p in PRODUCTS if p.code not in have]
    if new:
        ids = odoo.create("product.product", [
            {"name": p.name, "default_code": p.code, "type": "consu" if p.kind == "goods" else "service",
             "is_storable": p.kind == "goods", "purchase_method": p.purchase_method,
             "standard_price": float(p.list_price), "uom_id": units[UNIT_NAMES[p.uom]]} for p in new])
        have.update(zip([p.code for p in new], ids, strict=True))
    plan = analytic_plan(odoo)
    accounts = {r["code"]: r["id"] for r in odoo.search_read(
        "account.analytic.account", [["code", "in", sorted(COST_CENTERS)]], ["code"])}
    missing = [(code, name) for code, name in COST_CENTERS.items() if code not in accounts]
    if missing:
        ids = odoo.create("account.analytic.account", [{"name": name, "code": code, "plan_id": plan}
                                                      for code, name in missing])
        accounts.update(zip([code for code, _ in missing], ids, strict=True))
    return Catalog(products=have, analytic=accounts, plan=plan)


def seed_suppliers(odoo, suppliers: list[dict[str, Any]]) -> dict[str, int]:
    """Vendors created directly (`vendor_code` -> res.partner id, as `ref`), for runs without onboarding.

    Each dict: vendor_code, name, and optionally tax_id (VAT), country (ISO code), active.
    """
    codes = [s["vendor_code"] for s in suppliers]
    have = {r["ref"]: r["id"] for r in odoo.search_read(
        "res.partner", ["|", ["active", "=", True], ["active", "=", False], ["ref", "in", codes]], ["ref"])}
    countries = {r["code"]: r["id"] for r in odoo.search_read(
        "res.country", [["code", "in", sorted({s["country"] for s in suppliers if s.get("country")})]], ["code"])}
    new = [s for s in suppliers if s["vendor_code"] not in have]
    if new:
        ids = odoo.create("res.partner", [
            {"name": s["name"], "ref": s["vendor_code"], "vat": s.get("tax_id") or False, "is_company": True,
             "supplier_rank": 1, "country_id": countries.get(s.get("country") or "", False)} for s in new])
        have.update(zip([s["vendor_code"] for s in new], ids, strict=True))
        archived = [have[s["vendor_code"]] for s in new if s.get("active") is False]
        if archived:
            odoo.write("res.partner", archived, {"active": False})
    return have


def main() -> int:
    """`python -m ofm.testbed.seed_p2p`: the catalogue and cost centers in the Odoo of the OFM_ODOO_* settings."""
    from ofm.connectors.odoo import OdooClient, OdooConfig
    from ofm.settings import get_settings

    s = get_settings()
    with OdooClient(OdooConfig(url=s.odoo_url, db=s.odoo_db, login=s.odoo_login, api_key=s.odoo_api_key,
                               protocol=s.odoo_protocol, timeout_seconds=s.odoo_timeout_seconds)) as odoo:
        catalog = seed_catalog(odoo)
    print(f"{s.odoo_url} {s.odoo_db}: {len(catalog.products)} products, "  # noqa: T201 - command output
          f"{len(catalog.analytic)} cost centers (analytic plan {catalog.plan})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
