"""What the Odoo sandbox needs for procure-to-pay: products, taxes, purchase orders, receipts and bills
from orders, behaving like the captured Odoo 19 server (odoo-contract/: flow_trace, traces a1, a2, b, c).

The generic ORM calls these through HOOKS (per-model create/write additions), COMPUTE / DISPLAY_NAMES
(derived on read) and PURCHASE_METHODS ((model, method) -> `methods.Method` keyword sets); bills reuse
the accounting package (accounting/moves.py calls `bills.sync_taxes` and `bills.line_defaults`).

Deliberately not served: RFQ sending and approval (state `sent`/`to approve` only by writing), vendor
pricelists (product.supplierinfo), units conversion, lots/serials, stock quants and deliveries,
price-included / group taxes, multi-currency bills, `purchase_method` changes on confirmed orders.
"""

from typing import Any

from ofm.sandbox.odoo.accounting.base import Hooks, require
from ofm.sandbox.odoo.accounting.work import unit
from ofm.sandbox.odoo.purchase import bills, orders, stock

HOOKS: dict[str, Hooks] = {**orders.HOOKS, **stock.HOOKS}
COMPUTE: dict[tuple[str, str], Any] = {**orders.COMPUTE, **stock.COMPUTE, **bills.COMPUTE,
                                       ("product.category", "complete_name"): orders.category_name}
DISPLAY_NAMES = {"product.category": orders.category_name,
                 "product.product": lambda env, row: orders.product_name(env, row),
                 "product.template": lambda env, row: orders.product_name(env, row), **stock.DISPLAY_NAMES}
seed_purchase = orders.seed_purchase


def _record_method(model: str, action: Any) -> Any:
    def run(env: Any, _model: str, ids: list[int], _args: dict[str, Any]) -> Any:
        env.check_access(model, "write")
        with unit(env):
            return action(env, require(env, model, ids))
    return run


def _spec(model: str, action: Any) -> dict[str, Any]:
    return {"run": _record_method(model, action), "writes": True}


PURCHASE_METHODS: dict[tuple[str, str], dict[str, Any]] = {
    ("purchase.order", "button_confirm"): _spec("purchase.order", orders.button_confirm),
    ("purchase.order", "button_cancel"): _spec("purchase.order", orders.button_cancel),
    ("purchase.order", "button_lock"): _spec("purchase.order", orders.button_lock),
    ("purchase.order", "button_unlock"): _spec("purchase.order", orders.button_unlock),
    ("purchase.order", "action_create_invoice"): _spec("purchase.order", bills.action_create_invoice),
    ("stock.picking", "button_validate"): _spec("stock.picking", stock.button_validate),
    ("stock.backorder.confirmation", "process"): _spec("stock.backorder.confirmation", stock.process),
    ("stock.backorder.confirmation", "process_cancel_backorder"):
        _spec("stock.backorder.confirmation", stock.process_cancel_backorder),
}

__all__ = ["COMPUTE", "DISPLAY_NAMES", "HOOKS", "PURCHASE_METHODS", "seed_purchase"]
