"""account.move.line: what a journal item derives from its values, its move and its account.

Follows Odoo 19's account_move_line.py: debit/credit are the two signs of `balance` (writing
`debit`/`credit` writes `balance = debit - credit`, a missing one counting 0); `amount_currency`
equals the balance in company currency; an invoice's product line is priced (quantity x unit
price x (1 - discount), signed by the invoice direction; only product lines carry taxes, see
purchase/bills.py); the move's name, state, date, ref, journal and statement line are copied onto
its lines (stored related fields);
`amount_residual` is the balance minus what partial reconciliations matched, kept only on
reconcilable or bank/cash accounts, and `reconciled` means both residuals are zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.accounting import reconcile
from ofm.sandbox.odoo.accounting.base import (
    BALANCE,
    CASH_TYPES,
    NOTE_TYPES,
    REC_PAY,
    STATEMENT,
    SYNC,
    TOTALS,
    Hooks,
    Row,
    company_currency,
    direction_sign,
    is_invoice,
    is_zero,
    mark,
    rnd,
    user_error,
)

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

AMOUNT_KEYS = ("debit", "credit", "balance", "amount_currency", "price_unit", "quantity", "discount")
# Odoo 19 _get_lock_date_protected_fields()['reconciliation']: changing one breaks a reconciliation.
RECONCILIATION_FIELDS = ("account_id", "date", "balance", "amount_currency", "currency_id", "partner_id")
_SEQUENCE_OF = {"tax": 10000, "rounding": 11000, "payment_term": 12000}


def sanitize(vals: Row) -> Row:
    """Odoo's `_sanitize_vals`: debit/credit become a balance; taxes are not served."""
    if "debit" in vals or "credit" in vals:
        vals = dict(vals)
        debit, credit = vals.pop("debit", 0) or 0, vals.pop("credit", 0) or 0
        vals.setdefault("balance", (debit or 0) - (credit or 0))
    return vals


def strip_taxes(vals: Row, invoice: bool = False) -> Row:
    """Taxes on any line, as Odoo takes them: an invoice's (purchase/bills.py) and a journal entry's
    (taxes.py); an explicit "no taxes" (`tax_ids: [(6, 0, [])]`, as the captured requests send) or
    `False` is dropped."""
    if vals.get("tax_ids") in (None, False):
        vals = dict(vals)
        vals.pop("tax_ids", None)
    return vals


def derive(env: Env, row: Row, vals: Row, old: Row | None) -> None:
    """Fill the stored values a journal item derives (row: the values about to be saved)."""
    move = env.db["account.move"].rows.get(row.get("move_id") or 0)
    if move is None:
        return  # the NOT NULL / foreign key check refuses it next
    invoice = is_invoice(move)
    if old is None:
        if not row.get("currency_id"):
            row["currency_id"] = move.get("currency_id") or company_currency(env)
        if "partner_id" not in vals and invoice:
            row["partner_id"] = move.get("commercial_partner_id") or False
        if not row.get("account_id") and invoice and row.get("display_type", "product") == "product" \
                and "display_type" not in vals:
            journal = env.db["account.journal"].rows.get(move.get("journal_id") or 0) or {}
            row["account_id"] = journal.get("default_account_id") or False
    account = env.db["account.account"].rows.get(row.get("account_id") or 0)
    account_type = account.get("account_type", False) if account else False
    if old is None:
        if "display_type" not in vals:
            row["display_type"] = "payment_term" if account_type in REC_PAY else "product"
        if "sequence" not in vals:
            row["sequence"] = _SEQUENCE_OF.get(row["display_type"], 100)
        if row["display_type"] == "product" and not row.get("quantity"):
            row["quantity"] = 1.0
    if row.get("display_type") in NOTE_TYPES:
        row.update(balance=0.0, debit=0.0, credit=0.0, amount_currency=0.0, account_id=False)
        account, account_type = None, False
    elif old is None or any(key in vals for key in AMOUNT_KEYS):
        _amounts(env, row, vals, move, invoice)
    row["account_type"] = account_type
    _from_move(env, row, move)
    residual, residual_currency, reconciled = residuals(env, row, account)
    row.update(amount_residual=residual, amount_residual_currency=residual_currency, reconciled=reconciled)


def _amounts(env: Env, row: Row, vals: Row, move: Row, invoice: bool) -> None:
    priced = invoice and row.get("display_type") == "product"
    subtotal = rnd((row.get("quantity") or 0.0) * (row.get("price_unit") or 0.0)
                   * (1 - (row.get("discount") or 0.0) / 100))
    if priced and ("balance" not in vals or "price_unit" in vals):
        balance = rnd(direction_sign(move) * subtotal)
    elif "balance" in vals:
        balance = rnd(vals["balance"])
        if priced:  # a priced line written by its balance: the unit price follows
            quantity = row.get("quantity") or 1.0
            row["price_unit"] = abs(balance) / quantity
            subtotal = abs(balance)
    elif "amount_currency" in vals:
        balance = rnd(vals["amount_currency"])  # every sandbox currency has rate 1.0
    else:
        balance = rnd(row.get("balance"))
    row["balance"] = balance
    row["debit"] = balance if balance > 0 else 0.0
    row["credit"] = -balance if balance < 0 else 0.0
    if "amount_currency" not in vals or priced:
        row["amount_currency"] = balance
    else:
        row["amount_currency"] = rnd(vals["amount_currency"])
    row["price_subtotal"] = row["price_total"] = subtotal if row.get("display_type") == "product" else 0.0


def _from_move(env: Env, row: Row, move: Row) -> None:
    statement_line = move.get("statement_line_id") or False
    statement = False
    if statement_line:
        statement = (env.db["account.bank.statement.line"].rows.get(statement_line) or {}).get("statement_id", False)
    row.update(move_name=move.get("name") or False, parent_state=move.get("state") or False,
               date=move.get("date") or False, invoice_date=move.get("invoice_date") or False,
               ref=move.get("ref") or False, journal_id=move.get("journal_id") or False,
               company_id=move.get("company_id") or False, statement_line_id=statement_line,
               statement_id=statement or False)


def residuals(env: Env, row: Row, account: Row | None = None) -> tuple[float, float, bool]:
    """(amount_residual, amount_residual_currency, reconciled) of a line (Odoo's _compute_amount_residual)."""
    if account is None:
        account = env.db["account.account"].rows.get(row.get("account_id") or 0)
    if not account or not (account.get("reconcile") or account.get("account_type") in CASH_TYPES):
        return 0.0, 0.0, False
    matched, matched_currency = reconcile.matched(env, row.get("id"))
    residual = rnd((row.get("balance") or 0.0) - matched)
    residual_currency = rnd((row.get("amount_currency") or 0.0) - matched_currency)
    return residual, residual_currency, is_zero(residual) and is_zero(residual_currency)


def refresh(env: Env, line_ids: list[int]) -> None:
    """Re-derive lines after their move, account or partial reconciliations changed."""
    table = env.db["account.move.line"]
    for rid in line_ids:
        old = table.rows.get(rid)
        if old is None:
            continue
        row = dict(old)
        derive(env, row, {}, old)
        for name in ("move_name", "parent_state", "date", "invoice_date", "ref", "journal_id", "company_id",
                     "statement_line_id", "statement_id", "account_type", "amount_residual",
                     "amount_residual_currency", "reconciled"):
            if old.get(name, False) != row.get(name, False):
                table.update(rid, name, row.get(name, False))


def touched(env: Env, line_ids: list[int]) -> None:
    """Schedule what a change of these lines affects: their moves and statement lines."""
    rows = env.db["account.move.line"].rows
    moves = env.db["account.move"].rows
    move_ids = {rows[rid]["move_id"] for rid in line_ids if rid in rows}
    touch_moves(env, move_ids, moves)


def touch_moves(env: Env, move_ids: set[int] | list[int], moves: dict[int, Row] | None = None) -> None:
    moves = moves if moves is not None else env.db["account.move"].rows
    present = [mid for mid in move_ids if mid in moves]
    mark(env, SYNC, [mid for mid in present if moves[mid].get("state") == "draft"])
    mark(env, BALANCE, present)
    mark(env, TOTALS, present)
    mark(env, STATEMENT, [moves[mid].get("statement_line_id") for mid in present])


# -- hooks -------------------------------------------------------------------------------------
def _of_invoice(env: Env, vals: Row) -> bool:
    move = env.db["account.move"].rows.get(vals.get("move_id") or 0) if isinstance(vals.get("move_id"), int) else None
    return bool(move) and is_invoice(move)


def _prepare(env: Env, vals_list: list[Row]) -> None:
    for i, vals in enumerate(vals_list):
        vals_list[i] = strip_taxes(vals, _of_invoice(env, vals))


def _before_create(env: Env, vals: Row) -> Row:
    from ofm.sandbox.odoo.purchase.bills import line_defaults

    return sanitize(strip_taxes(line_defaults(env, vals), _of_invoice(env, vals)))


def _after_create(env: Env, rid: int, vals: Row) -> None:
    touched(env, [rid])


def _before_write(env: Env, ids: list[int], vals: Row) -> Row:
    vals = sanitize(vals)
    if vals.get("account_id"):
        account = env.db["account.account"].rows.get(vals["account_id"])
        if account is not None and not account.get("active", True):
            raise user_error("You cannot use an archived account.")
    rows = env.db["account.move.line"].rows
    breaking = [rid for rid in ids if rows[rid].get("matching_number") and _changes(rows[rid], vals)]
    if breaking:
        groups = reconcile.groups_of(env, breaking)
        unreconcile = []
        for rid in breaking:
            changing = {name for name in RECONCILIATION_FIELDS if name in vals and rows[rid].get(name) != vals[name]}
            whole_group = groups.get(rid, {rid}) <= set(ids)
            if changing - {"account_id"} or not whole_group:  # moving a whole reconciliation keeps it
                unreconcile.append(rid)
        reconcile.remove(env, unreconcile)
    return vals


def _changes(row: Row, vals: Row) -> bool:
    return any(name in vals and row.get(name, False) != vals[name] for name in RECONCILIATION_FIELDS)


def _after_write(env: Env, ids: list[int], vals: Row) -> None:
    touched(env, ids)


def _before_unlink(env: Env, ids: list[int]) -> None:
    rows = env.db["account.move.line"].rows
    moves = env.db["account.move"].rows
    if not env.context.get("force_delete"):
        for rid in ids:
            row = rows[rid]
            if (row.get("balance") or row.get("amount_currency")) and \
                    (moves.get(row["move_id"]) or {}).get("state") == "posted":
                raise user_error("You can't delete a posted journal item. Don’t play games with your accounting "
                                 "records; reset the journal entry to draft before deleting it.")
        if not env.context.get("dynamic_unlink"):
            for rid in ids:
                move = moves.get(rows[rid]["move_id"]) or {}
                if rows[rid].get("display_type") == "payment_term" and is_invoice(move):
                    raise exc.odoo("ValidationError", "You cannot delete a payable/receivable line as it would not "
                                                      "be consistent with the payment terms")
    reconcile.remove(env, ids)
    touched(env, ids)


HOOKS = Hooks(prepare=_prepare, before_create=_before_create, fill=derive, after_create=_after_create,
              before_write=_before_write, after_write=_after_write, before_unlink=_before_unlink)
