"""Receipts: stock.picking and stock.move from a confirmed purchase order, validation and backorders.

As captured (flow_trace, traces a1/a2/b): button_confirm creates one incoming picking WH/IN/nnnnn
(origin the order's name, state assigned) with one move per goods line (demand = quantity = the
ordered quantity, picked false, state assigned). The client writes `quantity` + `picked` on the moves
and calls `button_validate`: when every picked move has its demand, the moves and the picking are done
and the answer is `true`; with less, the answer is the `stock.backorder.confirmation` wizard action and
nothing changes until the wizard is answered with the action's context, whose `button_validate_picking_ids`
names the pickings to validate (tests/data/real-captures/backorder_wizard.json, replayed by
tests/sandbox/odoo/test_backorder_wizard_capture.py): `process` splits each short move (the done one keeps
the received quantity as demand, the backorder picking WH/IN/… gets the rest, `backorder_id` the
original), `process_cancel_backorder` closes the picking with the short quantity (demand unchanged, no
backorder); either one called without that context returns True and changes nothing, as Odoo's does.
A move given less than its demand is `partially_available`. Locations and the operation type are the
seeded ones; quantities are not converted between units (the move is in the product's unit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting.base import Hooks, Row, set_fields, user_error

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

PICKING, MOVE, WIZARD = "stock.picking", "stock.move", "stock.backorder.confirmation"
WIZARD_VIEW_ID = 906  # as captured


def _next_name(env: Env, code: str = "IN") -> str:
    prefix = f"WH/{code}/"
    numbers = [int(str(r.get("name"))[len(prefix):]) for r in env.db[PICKING].rows.values()
               if str(r.get("name") or "").startswith(prefix) and str(r.get("name"))[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:05d}"


def _picking_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    ptype = env.db["stock.picking.type"].rows.get(vals.get("picking_type_id") or 1) or {}
    vals.setdefault("picking_type_id", ptype.get("id", False))
    vals.setdefault("location_id", ptype.get("default_location_src_id", False))
    vals.setdefault("location_dest_id", ptype.get("default_location_dest_id", False))
    vals.setdefault("company_id", env.company_id())
    vals.setdefault("scheduled_date", env.now())
    if not vals.get("name"):
        vals["name"] = _next_name(env, ptype.get("sequence_code") or "IN")
    return vals


def _move_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    picking = env.db[PICKING].rows.get(vals.get("picking_id") or 0) or {}
    product = env.db["product.product"].rows.get(vals.get("product_id") or 0) or {}
    vals.setdefault("location_id", picking.get("location_id", False))
    vals.setdefault("location_dest_id", picking.get("location_dest_id", False))
    vals.setdefault("company_id", env.company_id())
    vals.setdefault("date", env.now())
    vals.setdefault("product_uom", product.get("uom_id", False))
    vals.setdefault("reference", picking.get("name", False))
    vals.setdefault("origin", picking.get("origin", False))
    return vals


def create_receipt(env: Env, order_id: int, line_ids: list[int] | None = None) -> int | None:
    """The incoming picking of a confirmed order, one assigned move per goods line (of `line_ids`: all)."""
    order = env.db["purchase.order"].rows[order_id]
    lines = env.db["purchase.order.line"]
    products = env.db["product.product"].rows
    goods = [lid for lid in (line_ids or sorted(lines.lookup("order_id", order_id)))
             if (products.get(lines.rows[lid].get("product_id") or 0) or {}).get("type") == "consu"]
    if not goods:
        return None
    picking = env.create_one(PICKING, {"partner_id": order.get("partner_id"), "origin": order.get("name"),
                                       "purchase_id": order_id, "picking_type_id": order.get("picking_type_id"),
                                       "scheduled_date": order.get("date_planned") or env.now()})
    for lid in goods:
        line = lines.rows[lid]
        qty = float(line.get("product_qty") or 0.0)
        env.create_one(MOVE, {"picking_id": picking, "product_id": line["product_id"], "product_uom_qty": qty,
                              "quantity": qty, "picked": False, "purchase_line_id": lid,
                              "price_unit": float(line.get("price_unit") or 0.0)})
    _assign(env, picking)
    return picking


def add_line_move(env: Env, order_id: int, line_id: int) -> None:
    """A goods line added to a confirmed order: its move joins the open receipt (or a new one)."""
    line = env.db["purchase.order.line"].rows[line_id]
    product = env.db["product.product"].rows.get(line.get("product_id") or 0) or {}
    if product.get("type") != "consu":
        return
    pickings = env.db[PICKING]
    open_ids = sorted(p for p in pickings.lookup("purchase_id", order_id)
                      if pickings.rows[p].get("state") not in ("done", "cancel"))
    if not open_ids:
        create_receipt(env, order_id, [line_id])
        return
    qty = float(line.get("product_qty") or 0.0)
    env.create_one(MOVE, {"picking_id": open_ids[0], "product_id": line["product_id"], "product_uom_qty": qty,
                          "quantity": qty, "picked": False, "purchase_line_id": line_id,
                          "price_unit": float(line.get("price_unit") or 0.0)})
    _assign(env, open_ids[0])


def _assign(env: Env, picking: int) -> None:
    set_fields(env, PICKING, picking, {"state": "assigned"})
    for mid in moves_of(env, picking):
        if env.db[MOVE].rows[mid].get("state") not in ("done", "cancel"):
            set_fields(env, MOVE, mid, {"state": "assigned"})


def moves_of(env: Env, picking: int) -> list[int]:
    return sorted(env.db[MOVE].lookup("picking_id", picking))


def _open_moves(env: Env, picking: int) -> list[int]:
    return [m for m in moves_of(env, picking) if env.db[MOVE].rows[m].get("state") not in ("done", "cancel")]


def button_validate(env: Env, ids: list[int]) -> Any:
    rows = env.db[MOVE].rows
    for pid in ids:
        if env.db[PICKING].rows[pid].get("state") in ("done", "cancel"):
            raise user_error("Nothing to check the availability for.")
        open_ids = _open_moves(env, pid)
        if not any(rows[m].get("picked") for m in open_ids):  # nothing picked: Odoo picks everything reserved
            for mid in open_ids:
                set_fields(env, MOVE, mid, {"picked": True})
        if all(not rows[m].get("quantity") for m in open_ids):
            raise user_error("You cannot validate a transfer if no quantities are reserved or done. "
                             "To force the transfer, encode quantities.")
    short = [pid for pid in ids if any(_short(rows[m]) for m in _open_moves(env, pid))]
    if short:
        return {"name": "Create Backorder?", "type": "ir.actions.act_window", "view_mode": "form",
                "res_model": WIZARD, "views": [[WIZARD_VIEW_ID, "form"]], "view_id": WIZARD_VIEW_ID,
                "target": "new", "context": {"button_validate_picking_ids": list(ids),
                                             "default_show_transfers": False,
                                             "default_pick_ids": [[4, pid] for pid in short]}}
    for pid in ids:
        _done(env, pid, backorder=False)
    return True


def _short(move: Row) -> bool:
    return (move.get("quantity") or 0.0) < (move.get("product_uom_qty") or 0.0) - 1e-9 or not move.get("picked")


def _done(env: Env, pid: int, backorder: bool) -> None:
    rows = env.db[MOVE].rows
    rest: list[tuple[int, float]] = []
    for mid in _open_moves(env, pid):
        move = rows[mid]
        qty = float(move.get("quantity") or 0.0) if move.get("picked") else 0.0
        missing = float(move.get("product_uom_qty") or 0.0) - qty
        if backorder and missing > 1e-9:
            rest.append((mid, missing))
            set_fields(env, MOVE, mid, {"product_uom_qty": qty})
        if qty <= 0:
            set_fields(env, MOVE, mid, {"state": "cancel", "quantity": 0.0})
        else:
            set_fields(env, MOVE, mid, {"state": "done", "quantity": qty})
    set_fields(env, PICKING, pid, {"state": "done", "date_done": env.now()})
    if rest:
        picking = env.db[PICKING].rows[pid]
        new = env.create_one(PICKING, {"partner_id": picking.get("partner_id"), "origin": picking.get("origin"),
                                       "purchase_id": picking.get("purchase_id"),
                                       "picking_type_id": picking.get("picking_type_id"),
                                       "scheduled_date": picking.get("scheduled_date")})
        set_fields(env, PICKING, new, {"backorder_id": pid})
        for mid, missing in rest:
            old = rows[mid]
            env.create_one(MOVE, {"picking_id": new, "product_id": old["product_id"], "product_uom_qty": missing,
                                  "quantity": missing, "picked": False, "purchase_line_id": old.get("purchase_line_id"),
                                  "price_unit": old.get("price_unit") or 0.0})
        _assign(env, new)


def cancel_open(env: Env, picking_ids: list[int]) -> None:
    """Cancel the receipts of a cancelled order that are not done (a done one stays: captured b3)."""
    for pid in picking_ids:
        if env.db[PICKING].rows[pid].get("state") in ("done", "cancel"):
            continue
        for mid in _open_moves(env, pid):
            set_fields(env, MOVE, mid, {"state": "cancel"})
        set_fields(env, PICKING, pid, {"state": "cancel"})


def _to_validate(env: Env) -> list[int]:
    """The pickings the wizard's context says to validate (none without it: Odoo then does nothing)."""
    return [pid for pid in env.context.get("button_validate_picking_ids") or []
            if env.db[PICKING].rows.get(pid, {}).get("state") not in ("done", "cancel", None)]


def process(env: Env, ids: list[int]) -> bool:
    for pid in _to_validate(env):
        _done(env, pid, backorder=True)
    return True


def process_cancel_backorder(env: Env, ids: list[int]) -> bool:
    not_to_backorder = {pid for wid in ids for pid in env.db[WIZARD].rows[wid].get("pick_ids") or []}
    for pid in _to_validate(env):
        _done(env, pid, backorder=pid not in not_to_backorder)
    return True


def _move_after_write(env: Env, ids: list[int], vals: Row) -> None:
    """A reserved move given less than its demand is partially available (as captured), else assigned."""
    if "quantity" not in vals:
        return
    for mid in ids:
        move = env.db[MOVE].rows[mid]
        if move.get("state") in ("assigned", "partially_available"):
            short = 0 < (move.get("quantity") or 0.0) < (move.get("product_uom_qty") or 0.0) - 1e-9
            set_fields(env, MOVE, mid, {"state": "partially_available" if short else "assigned"})


COMPUTE: dict[tuple[str, str], Any] = {
    (PICKING, "picking_type_code"):
        lambda env, row: (env.db["stock.picking.type"].rows.get(row.get("picking_type_id") or 0) or {})
        .get("code", False),
}

DISPLAY_NAMES = {
    "stock.picking.type": lambda env, row: f"{env.display_name('res.company', row.get('company_id'))}: "
                                           f"{row.get('name') or ''}",
    "stock.location": lambda env, row: row.get("complete_name") or row.get("name") or "",
    WIZARD: lambda env, row: f"{WIZARD},{row['id']}",
}

HOOKS = {
    PICKING: Hooks(before_create=_picking_before_create),
    MOVE: Hooks(before_create=_move_before_create, after_write=_move_after_write),
}
