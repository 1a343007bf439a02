"""Vendor bills from purchase orders, and the taxes of invoice lines.

- `action_create_invoice` (as captured): one draft in_invoice per order with a line per order line that
  has something to invoice (`qty_to_invoice`: ordered or received minus invoiced, by the product's
  control policy), carrying `purchase_line_id`, the product, its unit price, taxes and analytic
  distribution; `invoice_origin` the order's name, `ref` its vendor reference; answers the captured
  "Bills" window action with `res_id`;
- a bill line with a product takes its label, unit, expense account and purchase taxes from it (trace c);
- taxes: one `tax` line per tax on "131000 Tax Paid" (purchase) / "201000 Current Liabilities" (sale),
  rounded per line, regenerated with the payable line of a draft invoice (flow_trace: 62.5 + 9.38).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting.base import PURCHASE_TYPES, Row, direction_sign, rnd, user_error, with_context
from ofm.sandbox.odoo.purchase.orders import PO, POL, product_name, qty_to_invoice

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

LINE = "account.move.line"
BILLS_ACTION = {"id": 253, "display_name": "Bills", "name": "Bills", "type": "ir.actions.act_window",
                "xml_id": "account.action_move_in_invoice_type", "path": "bills",
                "binding_model_id": False, "binding_type": "action", "binding_view_types": "list,form",
                "view_id": [712, "account.out.invoice.list"],
                "domain": "[('move_type', 'in', ['in_invoice', 'in_refund', 'in_receipt'])]",
                "res_model": "account.move", "target": "current", "view_mode": "list,kanban,form,activity",
                "mobile_view_mode": "kanban", "views": [[715, "form"], [712, "list"], [False, "kanban"],
                                                        [False, "activity"]],
                "limit": 80, "group_ids": [], "search_view_id": [719, "account.invoice.select"],
                "embedded_action_ids": [], "filter": False, "cache": True}
BILLS_HELP = ("<p class=\"o_view_nocontent_smiling_face\">\n                    Create a vendor bill\n"
              "                </p><p>\n                    Capture invoices, register payments and keep track of the "
              "discussions with your vendors.\n                </p>\n            ")


def action_create_invoice(env: Env, ids: list[int]) -> dict[str, Any]:
    bills = []
    for oid in ids:
        order = env.db[PO].rows[oid]
        lines = env.db[POL]
        vals = []
        for lid in sorted(lines.lookup("order_id", oid)):
            line = lines.rows[lid]
            qty = qty_to_invoice(env, line)
            if line.get("display_type") or abs(qty) < 1e-9:
                continue
            vals.append([0, 0, {"product_id": line.get("product_id") or False, "name": f"{order['name']}: "
                                f"{line.get('name') or ''}", "quantity": qty, "price_unit": line.get("price_unit"),
                                "tax_ids": [[6, 0, list(line.get("tax_ids") or [])]], "purchase_line_id": lid,
                                "product_uom_id": line.get("product_uom_id") or False,
                                "analytic_distribution": line.get("analytic_distribution") or False}])
        if not vals:
            continue
        bills.append(env.create("account.move", [{
            "move_type": "in_invoice", "partner_id": order["partner_id"], "currency_id": order.get("currency_id"),
            "invoice_origin": order["name"], "ref": order.get("partner_ref") or False,
            "invoice_line_ids": vals}])[0])
    if not bills:
        raise user_error("There is no invoiceable line. If a product has a control policy based on received "
                         "quantity, please make sure that a quantity has been received.")
    partner = env.db[PO].rows[ids[0]]["partner_id"]
    action = {**BILLS_ACTION, "help": BILLS_HELP,
              "context": {"default_move_type": "in_invoice", "display_account_trust": True,
                          "default_partner_id": partner}}
    if len(bills) == 1:
        action["res_id"] = bills[0]
    else:
        action["domain"] = [["id", "in", bills]]
    return action


def line_defaults(env: Env, vals: Row) -> Row:
    """A bill line's product gives its label, unit, expense account and purchase taxes (Odoo's onchanges)."""
    product = env.db["product.product"].rows.get(vals.get("product_id") or 0) if isinstance(
        vals.get("product_id"), int) else None
    move = env.db["account.move"].rows.get(vals.get("move_id") or 0) if isinstance(vals.get("move_id"), int) else None
    if product is None or move is None or move.get("move_type") not in PURCHASE_TYPES:
        return vals
    vals = dict(vals)
    vals.setdefault("name", product_name(env, product))
    vals.setdefault("product_uom_id", product.get("uom_id") or False)
    if product.get("property_account_expense_id"):
        vals.setdefault("account_id", product["property_account_expense_id"])
    if "tax_ids" not in vals:
        vals["tax_ids"] = [[6, 0, list(product.get("supplier_taxes_id") or [])]]
    return vals


def sync_taxes(env: Env, move_id: int, move: Row, line_ids: list[int]) -> None:
    """Regenerate the `tax` lines of a draft invoice from its product lines' taxes."""
    from ofm.sandbox.odoo.accounting.chart import default_account
    from ofm.sandbox.odoo.purchase.orders import tax_amount

    table = env.db[LINE]
    amounts: dict[int, float] = {}
    for lid in line_ids:
        line = table.rows[lid]
        if line.get("display_type") != "product":
            continue
        for tid in line.get("tax_ids") or []:
            amounts[tid] = amounts.get(tid, 0.0) + tax_amount(env, [tid], abs(line.get("balance") or 0.0))
    existing = [lid for lid in line_ids if table.rows[lid].get("display_type") == "tax"]
    purchase = move.get("move_type") in PURCHASE_TYPES
    wanted = [(tid, rnd(amount)) for tid, amount in amounts.items() if abs(amount) >= 0.005]
    tax_names = env.db["account.tax"].rows
    have = [(table.rows[lid].get("name"), rnd(table.rows[lid].get("balance"))) for lid in existing]
    if have == [((tax_names.get(tid) or {}).get("name") or False, rnd(direction_sign(move) * amount))
                for tid, amount in wanted]:
        return  # settled: regenerating would schedule the move again
    with with_context(env, dynamic_unlink=True, force_delete=True):
        if existing:
            env.unlink(LINE, existing)
        for tid, amount in wanted:
            account = _tax_account(env, purchase) or default_account(env, "asset_current")
            env.create_one(LINE, {"move_id": move_id, "display_type": "tax", "account_id": account,
                                  "name": (tax_names.get(tid) or {}).get("name") or False,
                                  "balance": rnd(direction_sign(move) * amount),
                                  "partner_id": move.get("commercial_partner_id") or False})


def _tax_account(env: Env, purchase: bool) -> int | bool:
    code = "131000" if purchase else "201000"
    ids = env.db["account.account"].lookup("code", code)
    return min(ids) if ids else False


COMPUTE: dict[tuple[str, str], Any] = {
    ("account.move.line", "purchase_order_id"):
        lambda env, row: (env.db[POL].rows.get(row.get("purchase_line_id") or 0) or {}).get("order_id", False),
    ("account.move", "is_draft_duplicated_ref_ids"): lambda env, row: False,
}
