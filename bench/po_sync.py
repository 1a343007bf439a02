"""po-sync's row of the bench table (bench/table.py): N purchase orders synced into the Odoo sandbox.

Every contender's target is seeded with the same 3 products and S suppliers (orders spread over
them round-robin); seeding and reading ids are not billed:

- ceiling: the purchase.order values the flow writes, created raw in batches, then one
           `button_confirm` call per batch (no inbox, checks, outbox, acks or audit);
- naive:   one `create` call and one `button_confirm` call per order, as a point-to-point script would;
- flow:    the po-sync Prefect flow end to end, from a JSON export file {"items": [...]} (inbox,
           mapping, dependency checks, decision, outbox, create, confirm, acks file, audit).

The orders, seed and values are also the real-Odoo bench's (bench/real_po_sync.py, bench/real_p2p.py).
Usage (this row only): python -m bench.po_sync [table options]
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from bench.child import timed_flow

PRODUCT_CODES = ("OFM-CHAIR", "OFM-DESK", "OFM-IT-SUPPORT")  # two goods (receipts on confirm), one service
SUPPLIER = "V-{:04d}"
LINES, SUPPLIERS, BATCH = 3, 50, 200


def _seed(client, suppliers: int) -> None:
    """The same Odoo master data for every contender: 3 products and `suppliers` supplier partners."""
    from ofm.sandbox.procurement.products import PRODUCTS_BY_CODE

    products = [PRODUCTS_BY_CODE[code] for code in PRODUCT_CODES]
    client.create("product.product", [
        {"name": p.name, "default_code": p.code, "type": "consu" if p.kind == "goods" else "service",
         "is_storable": p.kind == "goods", "purchase_method": p.purchase_method,
         "standard_price": float(p.list_price)} for p in products])
    client.create("res.partner", [{"name": f"Supplier {k} GmbH", "ref": SUPPLIER.format(k), "supplier_rank": 1,
                                   "is_company": True} for k in range(1, suppliers + 1)])


def orders(n: int, lines: int, suppliers: int, seed: int = 42) -> list[dict]:
    """N approved raw orders in the procurement API's shape, `lines` lines each, spread over the suppliers."""
    from ofm.sandbox.procurement.documents import order_line, purchase_order

    rng = random.Random(seed)
    out = []
    for i in range(n):
        k = i % suppliers + 1
        supplier = {"id": f"SUP-{k:04d}", "vendor_code": SUPPLIER.format(k), "tax_id": None,
                    "name": f"Supplier {k} GmbH"}
        out.append(purchase_order(f"PO-BENCH-{i + 1:06d}", supplier, [
            order_line(j + 1, PRODUCT_CODES[(i + j) % len(PRODUCT_CODES)], str(rng.randint(1, 40)), cost=())
            for j in range(lines)]))
    return out


def _vals(client, raws: list[dict], policy_file: Path | None = None) -> list[dict]:
    """The purchase.order values the flow writes (rules/p2p/orders.py), built the plain way (baselines).

    The ids are looked up once, before the clock starts; the values are the flow's own, field for
    field, including date_order and each line's date_planned (the raw orders carry them)."""
    from ofm.mappings.p2p_policy import load_p2p_policy

    policy = load_p2p_policy(policy_file)
    company = client.search_read("res.company", [["name", "=", policy.companies["ACME-DE"]]], ["name"])[0]["id"]
    currency = client.search_read("res.currency", [["name", "=", "EUR"]], ["name"])[0]["id"]
    partners = {r["ref"]: r["id"] for r in client.search_read("res.partner", [["supplier_rank", ">", 0]], ["ref"])}
    products = {r["default_code"]: r["id"] for r in client.search_read(
        "product.product", [["default_code", "in", list(PRODUCT_CODES)]], ["default_code"])}
    taxes: dict[str, int] = {}
    for r in client.search_read("account.tax", [["name", "in", sorted(set(policy.taxes.values()))],
                                                ["type_tax_use", "=", "purchase"]], ["name"], order="id"):
        taxes.setdefault(r["name"], r["id"])
    units = {r["name"]: r["id"] for r in client.search_read("uom.uom", [["name", "in", sorted(set(
        policy.units.values()))]], ["name"])}
    out = []
    for raw in raws:
        order_lines = [[0, 0, {
            "sequence": int(ln["line_no"]), "product_id": products[ln["item_code"]], "name": ln["description"],
            "product_qty": float(Decimal(ln["quantity"])), "product_uom_id": units[policy.units[ln["uom"]]],
            "price_unit": float(Decimal(ln["unit_price"])), "tax_ids": [[6, 0, [taxes[policy.taxes[ln["tax_code"]]]]]],
            "date_planned": f"{ln['need_by']} 12:00:00"}] for ln in raw["lines"]]
        out.append({"partner_id": partners[raw["supplier"]["vendor_code"]], "origin": raw["id"],
                    "partner_ref": raw["id"], "company_id": company, "currency_id": currency,
                    "order_line": order_lines, "date_order": f"{raw['order_date']} 12:00:00"})
    return out


def _outcome(client, seconds: float, before: Counter, **extra) -> dict:
    """Seconds, the timed part's Odoo calls (by method), and how many orders Odoo holds confirmed."""
    calls = client.stats.calls - before
    states = Counter(r["state"] for r in client.search_read("purchase.order", [], ["state"]))
    return {"seconds": round(seconds, 3), "calls": sum(calls.values()),
            "by_method": {f"{m}.{meth}": k for (m, meth), k in sorted(calls.items())},
            "confirmed": states.get("purchase", 0), "states": dict(states),
            "outcome": {"orders confirmed in Odoo": states.get("purchase", 0)}, **extra}


def _confirm_all(client, vals: list[dict], step: int) -> None:
    for i in range(0, len(vals), step):
        ids = client.create("purchase.order", vals[i:i + step])
        client.call("purchase.order", "button_confirm", ids=ids)


def contender(flow: str, kind: str, client, n: int, workdir: Path, lines: int = LINES,
              suppliers: int = SUPPLIERS) -> dict:
    """One contender of po-sync's row of the bench table (bench/table.py), on `client`'s target."""
    _seed(client, suppliers)
    raws = orders(n, lines, suppliers)
    if kind == "flow":
        from ofm.flows.po_sync import po_sync

        workdir.mkdir(parents=True, exist_ok=True)
        source = workdir / "purchase-orders.json"
        source.write_text(json.dumps({"items": raws}))
        result, seconds, before = timed_flow(client, workdir, po_sync, source, odoo_batch_size=BATCH)
        return _outcome(client, seconds, before, flow_run_id=result["flow_run_id"], counts=result["counts"])
    vals = _vals(client, raws)
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    _confirm_all(client, vals, BATCH if kind == "ceiling" else 1)
    return _outcome(client, time.perf_counter() - start, before)


if __name__ == "__main__":
    from bench.table import main

    main(only="po-sync")
