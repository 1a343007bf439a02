"""The backorder wizard as Odoo answers it: one script of calls, run on a real server to capture it and
on the sandbox to replay it (tests/data/real-captures/backorder_wizard.json).

Each case starts from a fresh confirmed order of 10 kg (one receipt `$picking`, one move `$move`),
receives 4, calls `button_validate` (which answers the `stock.backorder.confirmation` action), then
answers the wizard twice: first as a client that ignores the action's context (what the middleware
did: Odoo returns True and changes nothing), then as Odoo's web client does (the wizard created and
its method called with the action's `context`, which carries `button_validate_picking_ids`). After
every call the record shows what Odoo then holds: the picking, its move, its backorders and the
order line's `qty_received`. Ids are replaced by their names (`$picking`, ...) so that two servers
compare; the wizard's form view id differs per database and is kept but not compared.
Never imported by flows.
"""

from __future__ import annotations

import copy
from typing import Any

from ofm.connectors.odoo import OdooClient

PICKING, MOVE, WIZARD = "stock.picking", "stock.move", "stock.backorder.confirmation"
UNCOMPARED = ("views", "view_id")
CASES = {"process": "process", "cancel": "process_cancel_backorder"}


def _order(client: OdooClient, tag: str) -> dict[str, int]:
    """A confirmed order of 10 kg of a storable product whose stock unit is kg: its picking and move."""
    kg = client.search_read("uom.uom", [["name", "=", "kg"]], ["name"])[0]["id"]
    [product] = client.create("product.product", [{"name": f"Capture {tag}", "default_code": f"CAPTURE-{tag}",
                                                   "type": "consu", "is_storable": True, "uom_id": kg}])
    [partner] = client.create("res.partner", [{"name": f"Capture vendor {tag}", "supplier_rank": 1}])
    [order] = client.create("purchase.order", [{
        "partner_id": partner, "origin": f"CAPTURE-{tag}", "partner_ref": f"CAPTURE-{tag}",
        "order_line": [[0, 0, {"product_id": product, "product_qty": 10, "product_uom_id": kg, "price_unit": 2,
                               "sequence": 1}]]}])
    client.call("purchase.order", "button_confirm", ids=[order])
    [row] = client.read("purchase.order", [order], ["picking_ids", "order_line"])
    [move] = client.search_read(MOVE, [["picking_id", "=", row["picking_ids"][0]]], ["state"])
    return {"$picking": row["picking_ids"][0], "$move": move["id"], "$line": row["order_line"][0]}


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id"}


def _state(client: OdooClient, ids: dict[str, int]) -> dict[str, Any]:
    """What Odoo holds after a step (numbers as Odoo reads them)."""
    [picking] = client.read(PICKING, [ids["$picking"]], ["state"])
    moves = client.search_read(MOVE, [["picking_id", "=", ids["$picking"]]],
                               ["product_uom_qty", "quantity", "picked", "state"], order="id")
    backorders = client.search_read(PICKING, [["backorder_id", "=", ids["$picking"]]], ["state"], order="id")
    back_moves = client.search_read(MOVE, [["picking_id", "in", [b["id"] for b in backorders]]],
                                    ["product_uom_qty", "quantity", "state"], order="id") if backorders else []
    [line] = client.read("purchase.order.line", [ids["$line"]], ["qty_received"])
    return {"picking": picking["state"], "moves": [_without_id(m) for m in moves],
            "backorders": [b["state"] for b in backorders], "backorder_moves": [_without_id(m) for m in back_moves],
            "qty_received": line["qty_received"]}


def _named(value: Any, ids: dict[str, int]) -> Any:
    """An answer with the pickings' ids in its context replaced by their names."""
    if not isinstance(value, dict):
        return value
    out = copy.deepcopy(value)
    names = {v: k for k, v in ids.items() if k == "$picking"}
    context = out.get("context") or {}
    if "button_validate_picking_ids" in context:
        context["button_validate_picking_ids"] = [names.get(i, i) for i in context["button_validate_picking_ids"]]
    if "default_pick_ids" in context:
        context["default_pick_ids"] = [[c[0], names.get(c[1], c[1])] for c in context["default_pick_ids"]]
    return out


def run_case(client: OdooClient, case: str) -> list[dict[str, Any]]:
    """The calls of one case (`process` or `cancel`) with Odoo's answers and the state after each."""
    ids = _order(client, f"{case}-{client.search_count(PICKING, [])}")
    steps: list[dict[str, Any]] = []

    def step(call: dict[str, Any], answer: Any) -> None:
        steps.append({"call": call, "answer": _named(answer, ids), "then": _state(client, ids)})

    vals = {"quantity": 4, "picked": True}
    step({"model": MOVE, "method": "write", "ids": ["$move"], "vals": vals},
         client.write(MOVE, [ids["$move"]], vals))
    action = client.call(PICKING, "button_validate", ids=[ids["$picking"]])
    step({"model": PICKING, "method": "button_validate", "ids": ["$picking"]}, action)
    context = action["context"] if isinstance(action, dict) else {}
    wizard_vals = {"pick_ids": [[4, ids["$picking"]]], "show_transfers": False}
    for with_context in (False, True):
        ctx = context if with_context else None
        [wizard] = client.create(WIZARD, [wizard_vals], context=ctx)
        step({"model": WIZARD, "method": "create", "vals": {"pick_ids": [[4, "$picking"]], "show_transfers": False},
              "context": "$action.context" if with_context else None}, "$wizard")
        answer = client.call(WIZARD, CASES[case], ids=[wizard], kwargs={"context": ctx} if ctx else None)
        step({"model": WIZARD, "method": CASES[case], "ids": ["$wizard"],
              "context": "$action.context" if with_context else None}, answer)
    return steps


def run(client: OdooClient) -> dict[str, list[dict[str, Any]]]:
    """Every case, as recorded in the capture file."""
    return {case: run_case(client, case) for case in CASES}


def comparable(cases: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The cases without what differs per database (the wizard's view id)."""
    out = copy.deepcopy(cases)
    for steps in out.values():
        for s in steps:
            if isinstance(s["answer"], dict):
                for key in UNCOMPARED:
                    s["answer"].pop(key, None)
    return out
