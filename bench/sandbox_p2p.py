"""goods-receipt's and three-way-match's rows of the bench table (bench/table.py), on the Odoo sandbox.

Set-up, not billed: po-sync's products, suppliers and N orders (bench/po_sync.py), created raw and
confirmed (the sandbox creates their receipts); for three-way-match also received in full, raw.
The baselines' writes are the real-Odoo bench's (bench/real_p2p.py), which run unchanged here:

goods-receipt, every goods line received in full (no backorder):
- ceiling: `quantity` + `picked` written on the moves, one call per distinct quantity, then
           `button_validate` on every picking in one call;
- naive:   per picking: one write per move, then `button_validate`;
- flow:    goods-receipt from a JSON export of the receipts.
three-way-match, one bill per received order, billed as ordered (the sandbox's German taxes):
- ceiling: the account.move values (lines linked by `purchase_line_id`) in batched creates, then
           `action_post` on every id in one call;
- naive:   per bill: create, then `action_post`;
- flow:    three-way-match from a JSON export of the invoices (match, load, post).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bench import po_sync, real_p2p
from bench.child import timed_flow

PERCENT = {"VAT19": "19", "VAT7": "7", "VAT0": "0"}  # the sandbox's purchase taxes (bundled p2p.yaml)


def _confirmed(client, n: int) -> list[dict]:
    """Untimed: po-sync's master data and N orders, created raw and confirmed."""
    po_sync._seed(client, po_sync.SUPPLIERS)
    raws = po_sync.orders(n, po_sync.LINES, po_sync.SUPPLIERS)
    po_sync._confirm_all(client, po_sync._vals(client, raws), po_sync.BATCH)
    return raws


def invoices(raws: list[dict]) -> list[dict]:
    """One invoice per order billing every line as ordered, at the rate the order's tax code carries."""
    from ofm.sandbox.procurement.documents import bill_line, invoice

    out = []
    for k, raw in enumerate(raws, 1):
        lines = [{**bill_line(ln["line_no"], ln, raw["id"], ln["quantity"]), "tax_percent": PERCENT[ln["tax_code"]]}
                 for ln in raw["lines"]]
        doc = invoice(f"INV-{raw['id']}", f"RE-{k:06d}", raw["supplier"], lines, real_p2p.BILLED_ON,
                      order_id=raw["id"])
        out.append({**doc, "attachments": [], "updated_at": f"{real_p2p.BILLED_ON}T10:00:00Z"})
    return out


def _bills(client, vals: list[dict], step: int) -> None:
    """Create the bills `step` per call and post them: in one call when batched, else each after its create."""
    ids: list[int] = []
    for i in range(0, len(vals), step):
        made = client.create("account.move", vals[i:i + step])
        if step == 1:
            client.call("account.move", "action_post", ids=made)
        ids += made
    if step > 1:
        client.call("account.move", "action_post", ids=ids)


def contender(flow: str, kind: str, client, n: int, workdir: Path) -> dict:
    from ofm.flows.goods_receipt import goods_receipt
    from ofm.flows.three_way_match import three_way_match

    raws = _confirmed(client, n)
    if flow == "three-way-match":
        real_p2p._receive(client, real_p2p._open_moves(client), per_picking=False)
    if kind == "flow":
        run, docs = {"goods-receipt": (goods_receipt, real_p2p.receipts),
                     "three-way-match": (three_way_match, invoices)}[flow]
        workdir.mkdir(parents=True, exist_ok=True)
        source = workdir / "documents.json"
        source.write_text(json.dumps({"items": docs(raws)}))
        result, seconds, before = timed_flow(client, workdir, run, source, odoo_batch_size=po_sync.BATCH)
        return real_p2p._outcome(client, seconds, before, flow_run_id=result["flow_run_id"], counts=result["counts"])
    work: Callable[[], object]
    if flow == "goods-receipt":
        moves = real_p2p._open_moves(client)
        work = lambda: real_p2p._receive(client, moves, per_picking=kind == "naive")  # noqa: E731
    else:
        vals = real_p2p._bill_vals(client, raws)
        work = lambda: _bills(client, vals, po_sync.BATCH if kind == "ceiling" else 1)  # noqa: E731
    return real_p2p._timed(client, work)
