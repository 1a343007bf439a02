"""Syncing N purchase orders into the Odoo sandbox: the po-sync flow against a ceiling and a naive client.

Three contenders, each in a fresh process (bench/child.py) against a fresh in-process Odoo sandbox
seeded with the same 3 products and S suppliers (orders spread over them round-robin), that costs
what a real Odoo 19 costs per the contract: 12 ms per call (latency.json: common.version median
11.6 ms) plus 2.3 ms per record created or written (throughput.json):

- ceiling: the purchase.order values the flow writes, created raw in batches, then one
           `button_confirm` call per batch (no inbox, checks, outbox, acks or audit);
- naive:   one `create` call and one `button_confirm` call per order, as a point-to-point script would;
- flow:    the po-sync Prefect flow end to end, from a JSON export file {"items": [...]} (inbox,
           mapping, dependency checks, decision, outbox, create, confirm, acks file, audit).

Ratios are taken in one run (the machine is noisy; absolute numbers are not comparable between
runs). Odoo calls are the client's own count (`client.stats`) over the timed part only; seeding
is not billed. Usage: python -m bench.po_sync [--n 1000] [--lines 3] [--suppliers 50]
[--latency-ms 12] [--record-cost-ms 2.3] [--batch 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from pydantic import SecretStr

from bench.child import run_child, spawn, timed_flow

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

PRODUCT_CODES = ("OFM-CHAIR", "OFM-DESK", "OFM-IT-SUPPORT")  # two goods (receipts on confirm), one service
SUPPLIER = "V-{:04d}"


def _client(sandbox):
    from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
    from ofm.sandbox.odoo import SandboxTransport

    config = OdooConfig(url="http://odoo.sandbox", db="sandbox", login="integration@example.com",
                        api_key=SecretStr("sandbox-key"), retry=RetryPolicy(max_attempts=3))
    return OdooClient(config, transport=SandboxTransport(sandbox))


def _sandbox(latency_ms: int, record_cost_ms: float):
    from ofm.sandbox.odoo import Faults, OdooSandbox

    sandbox = OdooSandbox()
    sandbox.faults = Faults(latency_ms=latency_ms, record_cost_ms=record_cost_ms)
    return sandbox


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


def _world(n: int, lines: int, suppliers: int, latency_ms: int, record_cost_ms: float):
    client = _client(_sandbox(latency_ms, record_cost_ms))
    _seed(client, suppliers)
    raws = orders(n, lines, suppliers)
    return client, raws


def _outcome(client, seconds: float, before: Counter, **extra) -> dict:
    """Seconds, the timed part's Odoo calls (by method), and how many orders Odoo holds confirmed."""
    calls = client.stats.calls - before
    states = Counter(r["state"] for r in client.search_read("purchase.order", [], ["state"]))
    return {"seconds": round(seconds, 3), "calls": sum(calls.values()),
            "by_method": {f"{m}.{meth}": k for (m, meth), k in sorted(calls.items())},
            "confirmed": states.get("purchase", 0), "states": dict(states), **extra}


def ceiling(n: int, lines: int, suppliers: int, latency_ms: int, record_cost_ms: float, batch: int) -> dict:
    client, raws = _world(n, lines, suppliers, latency_ms, record_cost_ms)
    vals = _vals(client, raws)
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    for i in range(0, len(vals), batch):
        ids = client.create("purchase.order", vals[i:i + batch])
        client.call("purchase.order", "button_confirm", ids=ids)
    return _outcome(client, time.perf_counter() - start, before)


def naive(n: int, lines: int, suppliers: int, latency_ms: int, record_cost_ms: float) -> dict:
    client, raws = _world(n, lines, suppliers, latency_ms, record_cost_ms)
    vals = _vals(client, raws)
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    for v in vals:
        ids = client.create("purchase.order", [v])
        client.call("purchase.order", "button_confirm", ids=ids)
    return _outcome(client, time.perf_counter() - start, before)


def flow(n: int, lines: int, suppliers: int, latency_ms: int, record_cost_ms: float, batch: int,
         workdir: Path) -> dict:
    from ofm.flows.po_sync import po_sync

    workdir.mkdir(parents=True, exist_ok=True)
    client, raws = _world(n, lines, suppliers, latency_ms, record_cost_ms)
    source = workdir / "purchase-orders.json"
    source.write_text(json.dumps({"items": raws}))
    result, seconds, before = timed_flow(client, workdir, po_sync, source, odoo_batch_size=batch)
    acks = sum(len(json.loads(p.read_text())) for p in (workdir / "acks").glob("purchase-orders-*.json"))
    return _outcome(client, seconds, before, counts=result["counts"], reconciles=result["reconciles"],
                    odoo_writes=result["odoo_writes"], acks=acks)


def flow_child(n: int, lines: int, suppliers: int, latency_ms: int, record_cost_ms: float, batch: int) -> dict:
    """The flow in its own process, under a temporary Prefect server; one small run first, so
    imports and the first flow run's set-up are not billed to the flow."""
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp, prefect_test_harness(server_startup_timeout=90):
        flow(min(n, 20), lines, suppliers, latency_ms, record_cost_ms, batch, Path(tmp) / "warm")
        return flow(n, lines, suppliers, latency_ms, record_cost_ms, batch, Path(tmp) / "run")


def _spawn(*args: object) -> dict:
    try:
        return spawn("bench.po_sync", *args)
    except subprocess.CalledProcessError as exc:  # show why the child failed, not only that it did
        sys.stderr.write(exc.stderr or "")
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--suppliers", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=12)
    parser.add_argument("--record-cost-ms", type=float, default=2.3)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        run_child(args._child, {
            "ceiling": lambda n, li, s, lat, cost, b: ceiling(n, int(li), int(s), int(lat), float(cost), int(b)),
            "naive": lambda n, li, s, lat, cost: naive(n, int(li), int(s), int(lat), float(cost)),
            "flow": lambda n, li, s, lat, cost, b: flow_child(n, int(li), int(s), int(lat), float(cost), int(b))})
        return
    n, common = args.n, (args.n, args.lines, args.suppliers, args.latency_ms, args.record_cost_ms)
    r_flow = _spawn("flow", *common, args.batch)
    r_ceiling = _spawn("ceiling", *common, args.batch)
    r_naive = _spawn("naive", *common)
    print(f"Syncing {n} purchase orders ({args.lines} lines each, {args.suppliers} suppliers, 3 products) into the "
          f"Odoo sandbox ({args.latency_ms} ms per call + {args.record_cost_ms} ms per record written, batches of "
          f"{args.batch}); each contender in a fresh process")
    print(f"  flow: {r_flow['counts']}, reconciles={r_flow['reconciles']}, acks {r_flow['acks']}, "
          f"Odoo write calls {r_flow['odoo_writes']}")
    print(f"  {'contender':<34} {'seconds':>8} {'orders/s':>9} {'Odoo calls':>11} {'calls/order':>12} "
          f"{'confirmed':>10}")
    rows = [("ceiling: raw batched create+confirm", r_ceiling), ("flow: po-sync", r_flow),
            ("naive: create+confirm per order", r_naive)]
    for name, r in rows:
        print(f"  {name:<34} {r['seconds']:8.2f} {n / r['seconds']:9.1f} {r['calls']:11d} {r['calls'] / n:12.3f} "
              f"{r['confirmed']:10d}")
    print(f"  flow Odoo calls by method: {r_flow['by_method']}")
    print(f"  flow / ceiling throughput: {r_ceiling['seconds'] / r_flow['seconds']:.2f}   "
          f"flow / naive throughput: {r_naive['seconds'] / r_flow['seconds']:.2f}")


if __name__ == "__main__":
    main()
