"""Products, taxes, purchase orders and their lines (Odoo 19 `purchase` + `purchase_stock`, as captured).

- product.product creates its product.template; defaults as captured: `purchase_method='receive'`,
  `uom_id` Units, `supplier_taxes_id` the company's default purchase tax (the captured 15 %, id 2);
- purchase.order is numbered P00001, P00002, ... at create; currency and company default to the
  company's, `picking_type_id` to the Receipts operation type;
- a line takes its description, unit and taxes from its product; amounts round per line (Odoo's default
  `round_per_line`): 15 % of 62.5 is 9.38 as captured;
- `qty_received` is the quantity of the line's done stock moves, `qty_invoiced` the quantity of its
  vendor bill lines (draft ones included, credit notes negative, cancelled bills not: captured in trace c),
  `qty_to_invoice` ordered (policy `purchase`) or received (`receive`) minus invoiced, on confirmed orders;
- `invoice_status` / `receipt_status` as `_get_invoiced` / `_compute_receipt_status`;
- button_confirm creates the receipt (stock.py), button_cancel refuses locked orders and orders with a
  posted bill (captured texts b4, b5), cancels the open receipts; button_lock / button_unlock;
- writing product_qty / price_unit on a confirmed line adjusts its open receipt move (trace b); lowering
  below the received quantity is accepted (captured: Odoo does not protect it), so are writes on a locked
  order (captured b5); a goods line added to a confirmed order gets a move on the open receipt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting.base import Hooks, Row, company_currency, is_zero, rnd, set_fields, user_error

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

PO = "purchase.order"
POL = "purchase.order.line"
CONFIRMED = ("purchase", "done")
UNITS, DEFAULT_PURCHASE_TAX, RECEIPTS = 1, 2, 1


def seed_purchase(env: Env) -> None:
    """Units, kg and g (kg = 1000 g, as in Odoo 19); a tax group; taxes 15 % sale and purchase (as
    captured: ids 1, 2), 19 %, 7 %, 0 % purchase; the locations and the Receipts operation type."""
    units, kg, gram = env.create("uom.uom", [{"name": "Units", "relative_factor": 1.0},
                                             {"name": "kg", "relative_factor": 1000.0},
                                             {"name": "g", "relative_factor": 1.0}])
    for uom, vals in ((units, {"parent_path": f"{units}/"}), (gram, {"parent_path": f"{gram}/"}),  # as Odoo 19
                      (kg, {"relative_uom_id": gram, "factor": 1000.0, "parent_path": f"{gram}/{kg}/"})):
        set_fields(env, "uom.uom", uom, vals)
    group = env.create("account.tax.group", [{"name": "Taxes"}])[0]
    country = env.db["res.company"].rows[env.company_id()].get("country_id")
    accounts = {code: min(env.db["account.account"].lookup("code", code)) for code in ("131000", "201000")}
    env.create("account.tax", [
        {"name": name, "type_tax_use": use, "amount": amount, "sequence": i + 1, "tax_group_id": group,
         "country_id": country, "company_id": env.company_id(), "amount_type": "percent",
         **{f"{doc}_repartition_line_ids": [[0, 0, {"repartition_type": "base"}], [0, 0, {
             "repartition_type": "tax", "account_id": accounts["131000" if use == "purchase" else "201000"]}]]
            for doc in ("invoice", "refund")}}
        for i, (name, use, amount) in enumerate([("15%", "sale", 15.0), ("15%", "purchase", 15.0),
                                                 ("19%", "purchase", 19.0), ("7%", "purchase", 7.0),
                                                 ("0%", "purchase", 0.0)])])
    vendors, stock = env.create("stock.location", [{"name": "Vendors", "complete_name": "Vendors"},
                                                  {"name": "Stock", "complete_name": "WH/Stock"}])
    env.create("stock.picking.type", [{"name": "Receipts", "sequence_code": "IN", "code": "incoming",
                                       "default_location_src_id": vendors, "default_location_dest_id": stock,
                                       "company_id": env.company_id()}])


# -- products ----------------------------------------------------------------------------------
TEMPLATE_FIELDS = ("name", "type", "is_storable", "default_code", "standard_price", "list_price", "uom_id",
                   "purchase_method", "supplier_taxes_id", "active")


def _product_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    vals.setdefault("uom_id", UNITS)
    vals.setdefault("supplier_taxes_id", [[6, 0, [DEFAULT_PURCHASE_TAX]]])
    if not vals.get("product_tmpl_id"):
        vals["product_tmpl_id"] = env.create_one("product.template",
                                                 {k: v for k, v in vals.items() if k in TEMPLATE_FIELDS})
    return vals


def _template_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    vals.setdefault("uom_id", UNITS)
    vals.setdefault("supplier_taxes_id", [[6, 0, [DEFAULT_PURCHASE_TAX]]])
    return vals


def product_name(env: Env, row: Row) -> str:
    return f"[{row['default_code']}] {row.get('name') or ''}" if row.get("default_code") else row.get("name") or ""


# -- orders ------------------------------------------------------------------------------------
def _order_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    if not vals.get("name") or vals.get("name") == "New":
        numbers = [int(r["name"][1:]) for r in env.db[PO].rows.values()
                   if str(r.get("name") or "")[1:].isdigit() and str(r.get("name")).startswith("P")]
        vals["name"] = f"P{max(numbers, default=0) + 1:05d}"
    vals.setdefault("currency_id", company_currency(env))
    vals.setdefault("company_id", env.company_id())
    vals.setdefault("date_order", env.now())
    vals.setdefault("picking_type_id", RECEIPTS)
    return vals


def _line_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    product = env.db["product.product"].rows.get(vals.get("product_id") or 0) if isinstance(
        vals.get("product_id"), int) else None
    if product is not None:
        if not vals.get("name"):
            vals["name"] = product_name(env, product)
        vals.setdefault("product_uom_id", product.get("uom_id") or UNITS)
        vals.setdefault("tax_ids", [[6, 0, list(product.get("supplier_taxes_id") or [])]])
    return vals


def _line_after_create(env: Env, rid: int, vals: Row) -> None:
    """A line added to a confirmed order (write on order_line) gets its receipt move."""
    from ofm.sandbox.odoo.purchase.stock import add_line_move

    order_id = env.db[POL].rows[rid].get("order_id")
    if (env.db[PO].rows.get(order_id or 0) or {}).get("state") in CONFIRMED:
        add_line_move(env, order_id, rid)


def _line_after_write(env: Env, ids: list[int], vals: Row) -> None:
    """A confirmed line's new quantity or price reaches its open receipt move (trace b1)."""
    if "product_qty" not in vals and "price_unit" not in vals:
        return
    moves = env.db["stock.move"]
    for lid in ids:
        line = env.db[POL].rows[lid]
        if _order(env, line).get("state") not in CONFIRMED:
            continue
        move_ids = sorted(moves.lookup("purchase_line_id", lid))
        open_ids = [m for m in move_ids if moves.rows[m].get("state") not in ("done", "cancel")]
        if not open_ids:
            continue
        done = sum(moves.rows[m].get("quantity") or 0.0 for m in move_ids if moves.rows[m].get("state") == "done")
        others = sum(moves.rows[m].get("product_uom_qty") or 0.0 for m in open_ids[1:])
        demand = max(0.0, (line.get("product_qty") or 0.0) - done - others)
        set_fields(env, "stock.move", open_ids[0], {"product_uom_qty": demand, "quantity": demand})
        for mid in open_ids:
            set_fields(env, "stock.move", mid, {"price_unit": float(line.get("price_unit") or 0.0)})


def _order(env: Env, line: Row) -> Row:
    return env.db[PO].rows.get(line.get("order_id") or 0) or {}


# -- computed values ---------------------------------------------------------------------------
def tax_amount(env: Env, tax_ids: list[int], base: float) -> float:
    taxes = env.db["account.tax"].rows
    total = 0.0
    for tid in tax_ids or []:
        tax = taxes.get(tid) or {}
        if tax.get("amount_type", "percent") == "percent":
            total += rnd(base * (tax.get("amount") or 0.0) / 100)
        elif tax.get("amount_type") == "fixed":
            total += rnd(tax.get("amount") or 0.0)
    return rnd(total)


def subtotal(row: Row) -> float:
    return rnd((row.get("product_qty") or 0.0) * (row.get("price_unit") or 0.0))


def price_tax(env: Env, row: Row) -> float:
    return tax_amount(env, row.get("tax_ids") or [], subtotal(row))


def qty_received(env: Env, row: Row) -> float:
    moves = env.db["stock.move"]
    return float(sum(moves.rows[m].get("quantity") or 0.0 for m in moves.lookup("purchase_line_id", row["id"])
                     if moves.rows[m].get("state") == "done"))


def qty_invoiced(env: Env, row: Row) -> float:
    lines = env.db["account.move.line"]
    moves = env.db["account.move"].rows
    total = 0.0
    for lid in lines.lookup("purchase_line_id", row["id"]):
        move = moves.get(lines.rows[lid].get("move_id") or 0) or {}
        if move.get("state") == "cancel" or lines.rows[lid].get("display_type") != "product":
            continue
        sign = -1 if move.get("move_type") == "in_refund" else 1
        total += sign * (lines.rows[lid].get("quantity") or 0.0)
    return float(total)


def qty_to_invoice(env: Env, row: Row) -> float:
    if _order(env, row).get("state") not in CONFIRMED:
        return 0.0
    product = env.db["product.product"].rows.get(row.get("product_id") or 0) or {}
    base = (row.get("product_qty") or 0.0) if product.get("purchase_method") == "purchase" \
        else qty_received(env, row)
    return float(base - qty_invoiced(env, row))


def _lines(env: Env, order_id: int) -> list[int]:
    return sorted(env.db[POL].lookup("order_id", order_id))


def _amounts(env: Env, order: Row) -> tuple[float, float]:
    rows = [env.db[POL].rows[i] for i in _lines(env, order["id"])]
    return rnd(sum(subtotal(r) for r in rows)), rnd(sum(price_tax(env, r) for r in rows))


def picking_ids(env: Env, order: Row) -> list[int]:
    from ofm.sandbox.odoo.order import sort_ids

    return sort_ids(env, "stock.picking", set(env.db["stock.picking"].lookup("purchase_id", order["id"])),
                    env.schema["stock.picking"].order)


def invoice_ids(env: Env, order: Row) -> list[int]:
    lines = env.db["account.move.line"]
    found = {lines.rows[aml]["move_id"] for lid in _lines(env, order["id"])
             for aml in lines.lookup("purchase_line_id", lid)}
    return sorted(found, reverse=True)


def invoice_status(env: Env, order: Row) -> str:
    if order.get("state") not in CONFIRMED:
        return "no"
    rows = [env.db[POL].rows[i] for i in _lines(env, order["id"]) if not env.db[POL].rows[i].get("display_type")]
    if any(not is_zero(qty_to_invoice(env, r)) for r in rows):
        return "to invoice"
    if rows and invoice_ids(env, order):
        return "invoiced"
    return "no"


def receipt_status(env: Env, order: Row) -> str | bool:
    states = [env.db["stock.picking"].rows[p].get("state") for p in picking_ids(env, order)]
    if not states or all(s == "cancel" for s in states):
        return False
    if all(s in ("done", "cancel") for s in states):
        return "full"
    return "partial" if any(s == "done" for s in states) else "pending"


def _line_order_field(name: str) -> Any:
    return lambda env, row: _order(env, row).get(name, False)


COMPUTE: dict[tuple[str, str], Any] = {
    ("product.product", "product_variant_ids"):
        lambda env, row: sorted(env.db["product.product"].lookup("product_tmpl_id", row.get("product_tmpl_id") or 0)),
    (PO, "amount_untaxed"): lambda env, row: _amounts(env, row)[0],
    (PO, "amount_tax"): lambda env, row: _amounts(env, row)[1],
    (PO, "amount_total"): lambda env, row: rnd(sum(_amounts(env, row))),
    (PO, "picking_ids"): picking_ids,
    (PO, "invoice_ids"): invoice_ids,
    (PO, "invoice_count"): lambda env, row: len(invoice_ids(env, row)),
    (PO, "invoice_status"): invoice_status,
    (PO, "receipt_status"): receipt_status,
    (POL, "price_subtotal"): lambda env, row: subtotal(row),
    (POL, "price_tax"): price_tax,
    (POL, "price_total"): lambda env, row: rnd(subtotal(row) + price_tax(env, row)),
    (POL, "qty_received"): qty_received,
    (POL, "qty_received_method"):
        lambda env, row: "stock_moves" if (env.db["product.product"].rows.get(row.get("product_id") or 0) or {})
        .get("type") == "consu" else "manual",
    (POL, "qty_invoiced"): qty_invoiced,
    (POL, "qty_to_invoice"): qty_to_invoice,
    (POL, "state"): _line_order_field("state"),
    (POL, "partner_id"): _line_order_field("partner_id"),
    (POL, "currency_id"): _line_order_field("currency_id"),
    (POL, "company_id"): _line_order_field("company_id"),
}


# -- methods -----------------------------------------------------------------------------------
def button_confirm(env: Env, ids: list[int]) -> bool:
    from ofm.sandbox.odoo.purchase.stock import create_receipt

    for oid in ids:
        order = env.db[PO].rows[oid]
        if order.get("state") not in ("draft", "sent"):
            continue  # captured (l_button_confirm_again_confirmed_po): true, nothing happens
        set_fields(env, PO, oid, {"state": "purchase", "date_approve": env.now()})
        create_receipt(env, oid)
    return True


def button_cancel(env: Env, ids: list[int]) -> None:
    orders = env.db[PO].rows
    locked = [orders[i]["name"] for i in ids if orders[i].get("locked")]
    if locked:
        raise user_error(f"Unable to cancel purchase order(s): {', '.join(locked)}. You must first unlock them.")
    moves = env.db["account.move"].rows
    billed = [orders[i]["name"] for i in ids
              if any(moves[m].get("state") not in ("cancel", "draft") for m in invoice_ids(env, orders[i]))]
    if billed:
        raise user_error(f"Unable to cancel purchase order(s): {', '.join(billed)}. "
                         "You must first cancel their related vendor bills.")
    from ofm.sandbox.odoo.purchase.stock import cancel_open

    for oid in ids:
        cancel_open(env, picking_ids(env, orders[oid]))
        set_fields(env, PO, oid, {"state": "cancel"})
    return None


def button_lock(env: Env, ids: list[int]) -> None:
    for oid in ids:
        set_fields(env, PO, oid, {"locked": True})


def button_unlock(env: Env, ids: list[int]) -> None:
    for oid in ids:
        set_fields(env, PO, oid, {"locked": False})


HOOKS = {
    "product.product": Hooks(before_create=_product_before_create),
    "product.template": Hooks(before_create=_template_before_create),
    PO: Hooks(before_create=_order_before_create),
    POL: Hooks(before_create=_line_before_create, after_create=_line_after_create, after_write=_line_after_write),
}


def category_name(env: Env, row: Row) -> str:
    """A product category's `complete_name`: its parents' names and its own, joined by " / "."""
    names, seen, rows = [], set(), env.db["product.category"].rows
    while row is not None and row["id"] not in seen:
        seen.add(row["id"])
        names.append(row.get("name") or "")
        row = rows.get(row.get("parent_id") or 0)
    return " / ".join(reversed(names))
