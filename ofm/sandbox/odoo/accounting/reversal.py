"""The reversal wizard `account.move.reversal`, as the web client (and the middleware) drives it.

Follows Odoo 19's addons/account/wizard/account_move_reversal.py and account_move.py
(`_reverse_moves`, `copy_data`, `_reconcile_reversed_moves`), and the captures (trace_h_reversal):
- created with the context `active_model: account.move`, `active_ids`: `default_get` takes the entries
  from there ("All selected moves for reversal must belong to the same company.", "To reverse a journal
  entry, it has to be posted first."); `date` defaults to today, `journal_id` to the first entry's journal,
  which must be of the entries' type ("Journal should be the same type as the reversed entry.");
- `reverse_moves` (and `refund_moves`) copies each entry: `ref` "Reversal of: <name>, <reason>" (or
  without the reason), the wizard's date (re-dated the day after the user's fiscal lock date when on or
  before it, `copy_data`), the wizard's journal, `reversed_entry_id` the entry, each line's balance and
  amount in currency negated (debit and credit swapped); `auto_post` `at_date` when the date is after
  today (the reversal then stays a draft), else `no`;
- the reversals are posted (`_post(soft=False)`: a date in a locked period is moved, see locks.py) and
  reconciled with their entries on reconcilable and liquidity accounts only when the wizard reverses one
  journal entry (`move_type` 'entry') dated today or before; several entries, or a future date, leave
  drafts (Odoo's `is_cancel_needed`);
- the answer is the "Reverse Moves" window action on the reversal (or the list of them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting import locks, moves, reconcile
from ofm.sandbox.odoo.accounting.base import CASH_TYPES, Hooks, Row, lines_of, set_fields, today, user_error

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

WIZARD, MOVE, LINE = "account.move.reversal", "account.move", "account.move.line"
TYPE_REVERSE_MAP = {"entry": "entry", "out_invoice": "out_refund", "out_refund": "entry", "in_invoice": "in_refund",
                    "in_refund": "entry", "out_receipt": "out_refund", "in_receipt": "in_refund"}
# the line values a copy keeps (`copy=True` fields of account.move.line that the sandbox serves)
LINE_COPY = ("account_id", "name", "balance", "amount_currency", "currency_id", "partner_id", "analytic_distribution",
             "tax_ids", "display_type", "sequence", "quantity", "price_unit", "discount", "product_id",
             "product_uom_id", "date_maturity", "tax_line_id")


def _active_moves(env: Env) -> list[int]:
    if env.context.get("active_model") != MOVE:
        return []
    return [rid for rid in env.context.get("active_ids") or [] if rid in env.db[MOVE]]


def _before_create(env: Env, vals: Row) -> Row:
    """`default_get` (from the context) and the journal's compute and constraint."""
    vals = dict(vals)
    rows = env.db[MOVE].rows
    ids = _active_moves(env)
    if len({rows[m].get("company_id") for m in ids}) > 1:
        raise user_error("All selected moves for reversal must belong to the same company.")
    if any(rows[m].get("state") != "posted" for m in ids):
        raise user_error("To reverse a journal entry, it has to be posted first.")
    vals.setdefault("company_id", rows[ids[0]].get("company_id") if ids else env.company_id())
    vals.setdefault("move_ids", [[6, 0, ids]])
    vals.setdefault("date", today(env))
    chosen = _ids(vals.get("move_ids")) or ids
    if not vals.get("journal_id"):
        journals = env.db["account.journal"].rows
        active = [rows[m]["journal_id"] for m in chosen if journals.get(rows[m]["journal_id"], {}).get("active")]
        vals["journal_id"] = active[0] if active else False
    journals = env.db["account.journal"].rows
    kind = (journals.get(vals.get("journal_id") or 0) or {}).get("type")
    if chosen and kind not in {(journals.get(rows[m]["journal_id"]) or {}).get("type") for m in chosen}:
        raise user_error("Journal should be the same type as the reversed entry.")
    return vals


def default_get(env: Env, fields: Any) -> Row:
    """The wizard's `default_get` (captured: date, company_id, move_ids from the context's active_ids)."""
    vals = _before_create(env, {})
    wanted = {"date": vals["date"], "company_id": vals["company_id"], "move_ids": vals["move_ids"]}
    return {name: value for name, value in wanted.items() if name in (fields or [])}


def _ids(commands: Any) -> list[int]:
    out: list[int] = []
    for command in commands or []:
        if isinstance(command, list | tuple) and command and command[0] == 6 and len(command) >= 3:
            out = list(command[2] or [])
        elif isinstance(command, list | tuple) and len(command) >= 2 and command[0] == 4:
            out.append(command[1])
        elif isinstance(command, int):
            out.append(command)
    return out


def _wizard_move_type(env: Env, move_ids: list[int]) -> str | bool:
    """`_compute_from_moves`: the entry's type when there is one, else 'some_invoice' or False."""
    rows = env.db[MOVE].rows
    if len(move_ids) == 1:
        return rows[move_ids[0]].get("move_type") or False
    return "some_invoice" if any(rows[m].get("move_type") in ("in_invoice", "out_invoice") for m in move_ids) \
        else False


def reverse_moves(env: Env, ids: list[int]) -> dict[str, Any]:
    """`reverse_moves(is_modify=False)` of one wizard: the reversals, and the window action on them."""
    if len(ids) != 1:
        raise user_error(f"Expected singleton: {WIZARD}{tuple(ids)}")
    wizard = env.db[WIZARD].rows[ids[0]]
    move_ids = list(wizard.get("move_ids") or [])
    rows = env.db[MOVE].rows
    now = today(env)
    cancel_type = _wizard_move_type(env, move_ids) == "entry"
    created: list[int] = []
    for to_cancel in (True, False):  # Odoo's two batches: reversals that cancel their entry, then the others
        batch = [m for m in move_ids if (wizard.get("date") <= now and cancel_type) is to_cancel]
        for mid in batch:
            created.append(_reverse_one(env, rows[mid], wizard, cancel=to_cancel))
    set_fields(env, WIZARD, ids[0], {"new_move_ids": created})
    action: dict[str, Any] = {"name": "Reverse Moves", "type": "ir.actions.act_window", "res_model": MOVE}
    if len(created) == 1:
        action.update(view_mode="form", res_id=created[0], context={"default_move_type": rows[created[0]]["move_type"]})
    else:
        action.update(view_mode="list,form", domain=[["id", "in", created]])
        kinds = {rows[m]["move_type"] for m in created}
        if len(kinds) == 1:
            action["context"] = {"default_move_type": kinds.pop()}
    return action


def _reverse_one(env: Env, move: Row, wizard: Row, cancel: bool) -> int:
    """Copy one entry as its reversal (`_prepare_default_reversal`, `copy_data`, `_reverse_moves`)."""
    reason = wizard.get("reason")
    on = wizard.get("date")
    journal_type = (env.db["account.journal"].rows.get(move.get("journal_id")) or {}).get("type")
    lock = locks.user_fiscal_lock_date(env, move.get("company_id") or env.company_id(), journal_type)
    if locks.date.fromisoformat(on) <= lock:
        on = (lock + locks.timedelta(days=1)).isoformat()
    table = env.db[LINE]
    lines = []
    entry = move.get("move_type") == "entry"
    for lid in lines_of(env, move["id"]):
        line = table.rows[lid]
        if not entry and line.get("display_type") in ("tax", "payment_term"):
            continue  # an invoice's copy keeps its product lines; Odoo recomputes the others
        vals = {k: line[k] for k in LINE_COPY if k in line and line[k] not in (None, False, [])}
        if "tax_ids" in vals:
            vals["tax_ids"] = [[6, 0, list(vals["tax_ids"])]]
        if entry:  # `_reverse_moves`: an entry's lines are negated; a credit note's follow its prices
            vals["balance"] = -(line.get("balance") or 0.0) + 0.0
            vals["amount_currency"] = -(line.get("amount_currency") or 0.0) + 0.0
        else:
            vals.pop("balance", None), vals.pop("amount_currency", None)
        lines.append([0, 0, vals])
    values = {"move_type": TYPE_REVERSE_MAP[move.get("move_type") or "entry"], "journal_id": wizard["journal_id"],
              "date": on, "ref": f"Reversal of: {move.get('name')}, {reason}" if reason else
              f"Reversal of: {move.get('name')}", "reversed_entry_id": move["id"],
              "partner_id": move.get("partner_id") or False if cancel or move.get("move_type") != "entry" else False,
              "currency_id": move.get("currency_id"), "invoice_origin": move.get("invoice_origin") or False,
              "auto_post": "at_date" if on > today(env) else "no", "line_ids": lines}
    if move.get("move_type") != "entry":
        values.update(invoice_date=on, invoice_date_due=on)
    from ofm.sandbox.odoo.accounting.base import with_context

    with with_context(env, skip_readonly_check=True):
        [new] = env.create(MOVE, [values])
    if cancel:
        moves.post(env, [new])
        _reconcile_reversed(env, move["id"], new)
    return new


def _reconcile_reversed(env: Env, original: int, reversal: int) -> None:
    """`_reconcile_reversed_moves`: per account (and currency) reconcilable or liquidity, the lines of both."""
    table, accounts = env.db[LINE].rows, env.db["account.account"].rows
    groups: dict[tuple[Any, Any], list[int]] = {}
    for lid in lines_of(env, original) + lines_of(env, reversal):
        line = table[lid]
        if not line.get("reconciled"):
            groups.setdefault((line.get("account_id"), line.get("currency_id")), []).append(lid)
    for (account_id, _currency), line_ids in groups.items():
        account = accounts.get(account_id or 0) or {}
        if account.get("reconcile") or account.get("account_type") in CASH_TYPES:
            reconcile.reconcile(env, line_ids)


WIZARD_HOOKS = Hooks(before_create=_before_create)
COMPUTE = {
    (WIZARD, "move_type"): lambda env, row: _wizard_move_type(env, list(row.get("move_ids") or [])),
    (WIZARD, "residual"): lambda env, row: (env.db[MOVE].rows[row["move_ids"][0]].get("amount_residual") or 0.0)
    if len(row.get("move_ids") or []) == 1 else 0.0,
    (WIZARD, "currency_id"): lambda env, row: (lambda cur: cur.pop() if len(cur) == 1 else False)(
        {env.db[MOVE].rows[m].get("currency_id") for m in row.get("move_ids") or []}),
}
