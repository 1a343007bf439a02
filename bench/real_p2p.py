"""goods-receipt and three-way-match contenders against a real Odoo 19 or 18 (run by bench/real_odoo.py).

One per fresh process and fresh database, as the po-sync ones (bench/real_po_sync.py), whose
orders, master data and policy file (the server's company, Belgian goods taxes) they reuse.
Set-up is not billed: the orders are created raw and confirmed (and, for three-way-match,
received in full, raw) before the clock starts; the ids the baselines need are read then too.

goods-receipt, every goods line received in full (no backorder):
- ceiling: `quantity` + `picked` written on the moves, one call per distinct quantity, then
           `button_validate` on every picking in one call;
- naive:   per picking: one write per move, then `button_validate`;
- flow:    goods-receipt from a JSON export of the receipts.
three-way-match, one bill per received order, billed as ordered:
- ceiling: the account.move values (lines linked by `purchase_line_id`) in batched creates, then
           `action_post` on every id in one call;
- naive:   per bill: create, then `action_post`;
- flow:    three-way-match from a JSON export of the invoices (match, load, post).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from bench import po_sync as sandbox_bench
from bench import real_po_sync
from bench.child import timed_flow

PERCENT = {"VAT19": "21", "VAT7": "6", "VAT0": "0"}  # the Belgian rates of real_po_sync.TAXES (18 and 19 alike)
RECEIVED_ON, BILLED_ON = "2026-11-10", "2026-11-12"


STARTUP = 300  # seconds for the temporary Prefect server: the machine may be shared and busy

def _confirmed(client, n: int, lines: int, suppliers: int, batch: int, folder: Path,
               version: int) -> tuple[list[dict], Path]:
    """Untimed: po-sync's products, suppliers and orders, created raw and confirmed."""
    raws, policy = real_po_sync._world(client, n, lines, suppliers, folder, version)
    vals = sandbox_bench._vals(client, raws, policy)
    for i in range(0, len(vals), batch):
        client.call("purchase.order", "button_confirm", ids=client.create("purchase.order", vals[i:i + batch]))
    return raws, policy


def _open_moves(client) -> list[dict]:
    return client.search_read("stock.move", [["purchase_line_id", "!=", False],
                                             ["state", "not in", ["done", "cancel"]]],
                              ["picking_id", "product_uom_qty"], order="id")


def _receive(client, moves: list[dict], per_picking: bool) -> None:
    """Every open move received in full and its picking validated (the two baselines)."""
    pickings: dict[int, list[dict]] = defaultdict(list)
    for m in moves:
        pickings[m["picking_id"][0]].append(m)
    if per_picking:
        for picking, its in pickings.items():
            for m in its:
                client.write("stock.move", [m["id"]], {"quantity": m["product_uom_qty"], "picked": True})
            client.call("stock.picking", "button_validate", ids=[picking])
        return
    by_qty: dict[float, list[int]] = defaultdict(list)
    for m in moves:
        by_qty[m["product_uom_qty"]].append(m["id"])
    for qty, ids in by_qty.items():
        client.write("stock.move", ids, {"quantity": qty, "picked": True})
    client.call("stock.picking", "button_validate", ids=sorted(pickings))


def _outcome(client, seconds: float, before: Counter, **extra) -> dict:
    """Seconds, the timed part's Odoo calls (by method), and what Odoo shows done afterwards."""
    calls = client.stats.calls - before
    done = client.search_count("stock.picking", [["picking_type_code", "=", "incoming"], ["state", "=", "done"]])
    posted = client.search_count("account.move", [["move_type", "=", "in_invoice"], ["state", "=", "posted"]])
    return {"seconds": round(seconds, 3), "calls": sum(calls.values()), "done": done, "posted": posted,
            "by_method": {f"{m}.{meth}": k for (m, meth), k in sorted(calls.items())}, **extra}


def _timed(client, work: Callable[[], object]) -> dict:
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    work()
    return _outcome(client, time.perf_counter() - start, before)


# goods-receipt

def receipts(raws: list[dict]) -> list[dict]:
    """A full receipt of every order's goods lines, as the platform sends it."""
    from ofm.sandbox.procurement.products import PRODUCTS_BY_CODE

    return [{"id": f"GR-{raw['id']}", "order_id": raw["id"], "received_on": RECEIVED_ON,
             "updated_at": f"{RECEIVED_ON}T10:00:00Z",
             "lines": [{"line_no": ln["line_no"], "quantity": ln["quantity"], "uom": ln["uom"]}
                       for ln in raw["lines"] if PRODUCTS_BY_CODE[ln["item_code"]].kind == "goods"]}
            for raw in raws]


def gr_baseline(client, n: int, lines: int, suppliers: int, batch: int, per_picking: bool, version: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp:
        _confirmed(client, n, lines, suppliers, batch, Path(tmp), version)
    moves = _open_moves(client)
    return _timed(client, lambda: _receive(client, moves, per_picking))


def _gr_source(client, n: int, lines: int, suppliers: int, batch: int, workdir: Path,
               version: int) -> tuple[Path, Path]:
    raws, policy = _confirmed(client, n, lines, suppliers, batch, workdir, version)
    source = workdir / "receipts.json"
    source.write_text(json.dumps({"items": receipts(raws)}))
    return source, policy


# three-way-match

def invoices(raws: list[dict]) -> list[dict]:
    """One invoice per order billing every line as ordered, at the Belgian rate the order carries."""
    from ofm.sandbox.procurement.documents import bill_line, invoice

    out = []
    for k, raw in enumerate(raws, 1):
        lines = [{**bill_line(ln["line_no"], ln, raw["id"], ln["quantity"]), "tax_percent": PERCENT[ln["tax_code"]]}
                 for ln in raw["lines"]]
        doc = invoice(f"INV-{raw['id']}", f"RE-{k:06d}", raw["supplier"], lines, BILLED_ON, order_id=raw["id"])
        out.append({**doc, "attachments": [], "updated_at": f"{BILLED_ON}T10:00:00Z"})
    return out


def _received(client, n: int, lines: int, suppliers: int, batch: int, folder: Path, version: int) -> list[dict]:
    raws, _ = _confirmed(client, n, lines, suppliers, batch, folder, version)
    _receive(client, _open_moves(client), per_picking=False)
    return raws


def _bill_vals(client, raws: list[dict]) -> list[dict]:
    """The account.move values of one bill per order (read from Odoo before the clock starts)."""
    numbers = {raw["id"]: f"RE-{k:06d}" for k, raw in enumerate(raws, 1)}
    orders = client.search_read("purchase.order", [["origin", "in", list(numbers)]],
                                ["origin", "name", "partner_id", "company_id", "currency_id"], order="id")
    lines: dict[int, list[dict]] = defaultdict(list)
    for ln in client.search_read("purchase.order.line", [["order_id", "in", [o["id"] for o in orders]]],
                                 ["order_id", "name", "product_id", "product_qty", "price_unit", "tax_ids"],
                                 order="sequence,id"):
        lines[ln["order_id"][0]].append(ln)
    return [{"move_type": "in_invoice", "partner_id": o["partner_id"][0], "ref": numbers[o["origin"]],
             "invoice_date": BILLED_ON, "date": BILLED_ON, "company_id": o["company_id"][0],
             "currency_id": o["currency_id"][0], "invoice_origin": o["name"],
             "invoice_line_ids": [[0, 0, {"purchase_line_id": ln["id"], "product_id": ln["product_id"][0],
                                          "name": ln["name"], "quantity": ln["product_qty"],
                                          "price_unit": ln["price_unit"], "tax_ids": [[6, 0, ln["tax_ids"]]]}]
                                  for ln in lines[o["id"]]]} for o in orders]


def twm_baseline(client, n: int, lines: int, suppliers: int, batch: int | None, version: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp:
        vals = _bill_vals(client, _received(client, n, lines, suppliers, batch or 200, Path(tmp), version))

    def work() -> None:
        if batch is None:
            for v in vals:
                client.call("account.move", "action_post", ids=client.create("account.move", [v]))
            return
        ids: list[int] = []
        for i in range(0, len(vals), batch):
            ids += client.create("account.move", vals[i:i + batch])
        client.call("account.move", "action_post", ids=ids)

    return _timed(client, work)


def _twm_source(client, n: int, lines: int, suppliers: int, batch: int, workdir: Path,
                version: int) -> tuple[Path, Path]:
    raws = _received(client, n, lines, suppliers, batch, workdir, version)
    source = workdir / "invoices.json"
    source.write_text(json.dumps({"items": invoices(raws)}))
    return source, real_po_sync.policy_file(client, workdir, version)


# the flows

def _flow_run(client, name: str, n: int, lines: int, suppliers: int, batch: int, workdir: Path, version: int) -> dict:
    from ofm.flows.goods_receipt import goods_receipt
    from ofm.flows.three_way_match import three_way_match

    run, make_source = {"goods-receipt": (goods_receipt, _gr_source),
                        "three-way-match": (three_way_match, _twm_source)}[name]
    workdir.mkdir(parents=True, exist_ok=True)
    source, policy = make_source(client, n, lines, suppliers, batch, workdir, version)
    result, seconds, before = timed_flow(client, workdir, run, source, odoo_batch_size=batch, p2p_policy=policy)
    return _outcome(client, seconds, before, counts=result["counts"], odoo_writes=result["odoo_writes"])


def flow(name: str, client, warm, n: int, lines: int, suppliers: int, batch: int, version: int = 19) -> dict:
    """The flow under a temporary Prefect server, after a warm-up run in a database of its own."""
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp, prefect_test_harness(server_startup_timeout=STARTUP):
        _flow_run(warm, name, min(n, 5), lines, suppliers, batch, Path(tmp) / "warm", version)
        return _flow_run(client, name, n, lines, suppliers, batch, Path(tmp) / "run", version)


def child(flow_name: str, kind: str, client, warm, n: int, lines: int, suppliers: int, batch: int,
          version: int = 19) -> dict:
    if kind == "flow":
        return flow(flow_name, client, warm, n, lines, suppliers, batch, version)
    if flow_name == "goods-receipt":
        return gr_baseline(client, n, lines, suppliers, batch, kind == "naive", version)
    return twm_baseline(client, n, lines, suppliers, batch if kind == "ceiling" else None, version)

