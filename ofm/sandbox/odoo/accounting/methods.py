"""The accounting methods callable over RPC (record methods: ids first), as `methods.Method` keyword sets.

Results as Odoo 19 answers: `action_post` returns False (captured); the reversal wizard's
`reverse_moves` / `refund_moves` the "Reverse Moves" window action (captured); `reconcile`,
`remove_move_reconcile`, `button_draft`, `button_cancel` and `action_undo_reconciliation` return
None, which JSON-RPC answers without a `result` key and JSON-2 as `null` (captured for reconcile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting import moves, reconcile, reversal, statements
from ofm.sandbox.odoo.accounting.base import require, with_context
from ofm.sandbox.odoo.accounting.work import unit

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

Action = Callable[["Env", list[int]], Any]


def _record_method(model: str, action: Action) -> Callable[[Env, str, list[int], dict[str, Any]], Any]:
    def run(env: Env, _model: str, ids: list[int], _args: dict[str, Any]) -> Any:
        env.check_access(model, "write")
        with unit(env):
            return action(env, require(env, model, ids))
    return run


def _undo_reconciliation(env: Env, ids: list[int]) -> None:
    """`action_undo_reconciliation`: unreconcile the entry and restore its liquidity and suspense items."""
    rows = env.db[statements.STATEMENT_LINE].rows
    for rid in ids:
        line_ids = sorted(env.db["account.move.line"].lookup("move_id", rows[rid]["move_id"]))
        reconcile.remove(env, line_ids)
        with with_context(env, skip_readonly_check=True, force_delete=True, dynamic_unlink=True):
            env.write("account.move", [rows[rid]["move_id"]], {"checked": True})
            env.unlink("account.move.line", line_ids)
            for vals in statements.move_line_vals(env, rows[rid]):
                env.create_one("account.move.line", {**vals, "move_id": rows[rid]["move_id"]})
    return None


def _spec(model: str, action: Action) -> dict[str, Any]:
    return {"run": _record_method(model, action), "writes": True, "only": frozenset({model})}


ACCOUNTING_METHODS: dict[str, dict[str, Any]] = {
    "action_post": _spec("account.move", moves.action_post),
    "button_draft": _spec("account.move", moves.button_draft),
    "button_cancel": _spec("account.move", moves.button_cancel),
    "reconcile": _spec("account.move.line", lambda env, ids: reconcile.reconcile(env, ids)),
    "remove_move_reconcile": _spec("account.move.line", lambda env, ids: reconcile.remove(env, ids)),
    "action_undo_reconciliation": _spec(statements.STATEMENT_LINE, _undo_reconciliation),
    # the reversal wizard: `refund_moves` is `reverse_moves(is_modify=False)`; `modify_moves` is not served
    "reverse_moves": _spec(reversal.WIZARD, reversal.reverse_moves),
    "refund_moves": _spec(reversal.WIZARD, reversal.reverse_moves),
}

# methods of one model that shadow a generic one (methods.MODEL_METHODS)
ACCOUNTING_MODEL_METHODS: dict[tuple[str, str], dict[str, Any]] = {
    (reversal.WIZARD, "default_get"): {"run": lambda env, _m, _ids, a: reversal.default_get(env, a["fields_list"]),
                                       "params": ("fields_list",), "model_method": True},
}
