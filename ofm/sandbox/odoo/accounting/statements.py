"""account.bank.statement and account.bank.statement.line (Odoo 19: a line `_inherits` its account.move).

Creating a statement line creates its journal entry (type `entry`, in the line's bank journal,
with the line's date, partner, ref and narration) holding two items, then posts it (captured:
`H1126/2026/00001`, state posted):
- the liquidity item on the journal's default (bank) account, balance = amount, label = payment_ref;
- the counterpart on the journal's suspense account, balance = -amount (in the foreign currency
  when `foreign_currency_id`/`amount_currency` are given), same partner and label.
`amount_residual` and `is_reconciled` follow Odoo 19's `_compute_is_reconciled`: with suspense
items, the residual is their amount in currency (their residual if the suspense account is
reconcilable) and the line is reconciled when it is zero; with no suspense item left (retargeted
to another account, as the captured flow does) the line counts as reconciled, whether or not
the retargeted item has been matched yet. Writing amount/payment_ref/partner/currency regenerates
the two items (deleting the others), like `_synchronize_to_moves`. Deleting a line deletes its entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.accounting import lines as aml
from ofm.sandbox.odoo.accounting import moves as am
from ofm.sandbox.odoo.accounting.base import (
    STATEMENT,
    Hooks,
    Row,
    company_currency,
    is_zero,
    lines_of,
    mark,
    rnd,
    set_fields,
    today,
    user_error,
    with_context,
)

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

STATEMENT_LINE = "account.bank.statement.line"
MAXINT = 2147483647
MIRRORED = ("journal_id", "date", "partner_id", "ref", "narration", "checked")  # kept on the entry too
RESYNC = ("payment_ref", "amount", "amount_currency", "foreign_currency_id", "partner_id")
UNIQUE_IMPORT = "A bank account transactions can be imported only once!"


def journal_currency(env: Env, journal_id: int) -> int | bool:
    journal = env.db["account.journal"].rows.get(journal_id) or {}
    return journal.get("currency_id") or company_currency(env)


def statement_journal(env: Env, statement_id: int) -> int | bool:
    """A statement's journal: the one of its lines (Odoo computes it so)."""
    lines = env.db[STATEMENT_LINE]
    ids = sorted(lines.lookup("statement_id", statement_id))
    return lines.rows[ids[0]].get("journal_id", False) if ids else False


def move_line_vals(env: Env, st_line: Row) -> list[Row]:
    """The liquidity and suspense items of a statement line (`_prepare_move_line_default_vals`)."""
    journal = env.db["account.journal"].rows.get(st_line.get("journal_id") or 0) or {}
    suspense = journal.get("suspense_account_id")
    if not suspense:
        raise user_error("You can't create a new statement line without a suspense account set on the "
                         f"{journal.get('name')} journal.")
    company = company_currency(env)
    journal_cur = journal.get("currency_id") or company
    foreign = st_line.get("foreign_currency_id") or journal_cur
    amount = rnd(st_line.get("amount"))
    transaction = amount if foreign == journal_cur else rnd(st_line.get("amount_currency"))
    label = st_line.get("payment_ref") or False
    partner = st_line.get("partner_id") or False
    return [
        {"name": label, "partner_id": partner, "account_id": journal.get("default_account_id") or False,
         "currency_id": journal_cur, "amount_currency": amount, "balance": amount},
        {"name": label, "partner_id": partner, "account_id": suspense, "currency_id": foreign,
         "amount_currency": -transaction, "balance": -amount},
    ]


def seek(env: Env, st_line: Row) -> tuple[list[int], list[int], list[int]]:
    """(liquidity, suspense, other) items of a statement line's entry (Odoo's `_seek_for_lines`)."""
    journal = env.db["account.journal"].rows.get(st_line.get("journal_id") or 0) or {}
    table = env.db["account.move.line"]
    liquidity, suspense, other = [], [], []
    for lid in lines_of(env, st_line.get("move_id") or 0):
        account = table.rows[lid].get("account_id")
        if account == journal.get("default_account_id"):
            liquidity.append(lid)
        elif account == journal.get("suspense_account_id"):
            suspense.append(lid)
        else:
            other.append(lid)
    if not liquidity:
        liquidity = [lid for lid in other if table.rows[lid].get("account_type") in ("asset_cash",
                                                                                    "liability_credit_card")]
        other = [lid for lid in other if lid not in liquidity]
    return liquidity, suspense, other


def recompute(env: Env, st_id: int) -> None:
    """amount_residual and is_reconciled of one statement line."""
    row = env.db[STATEMENT_LINE].rows.get(st_id)
    if row is None:
        return
    move = env.db["account.move"].rows.get(row.get("move_id") or 0) or {}
    _liquidity, suspense, _other = seek(env, row)
    table = env.db["account.move.line"]
    accounts = env.db["account.account"].rows
    if not move.get("checked", True):
        residual = -(row.get("amount_currency") if row.get("foreign_currency_id") else row.get("amount") or 0.0)
    elif suspense and (accounts.get(table.rows[suspense[0]].get("account_id") or 0) or {}).get("reconcile"):
        residual = sum(table.rows[lid].get("amount_residual_currency") or 0.0 for lid in suspense)
    else:
        residual = sum(table.rows[lid].get("amount_currency") or 0.0 for lid in suspense)
    residual = rnd(residual)
    reconciled = is_zero(residual) if suspense else True
    set_fields(env, STATEMENT_LINE, st_id, {"amount_residual": residual, "is_reconciled": reconciled})


def internal_index(row: Row) -> str:
    return f"{(row.get('date') or '').replace('-', '')}{MAXINT - (row.get('sequence') or 0):0>10}{row['id']:0>10}"


# -- hooks -------------------------------------------------------------------------------------
def _before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    if vals.get("statement_id") and not vals.get("journal_id"):
        vals["journal_id"] = statement_journal(env, vals["statement_id"])
    if not vals.get("journal_id"):
        banks = am.journals_of(env, "bank")
        vals["journal_id"] = banks[0] if banks else False
    journal_id = vals["journal_id"]
    if vals.get("foreign_currency_id") and journal_id and \
            vals["foreign_currency_id"] == journal_currency(env, journal_id):
        vals["foreign_currency_id"], vals["amount_currency"] = False, 0.0
    if not vals.get("date"):
        vals["date"] = today(env)
    if not vals.get("company_id"):
        journal = env.db["account.journal"].rows.get(journal_id or 0) or {}
        vals["company_id"] = journal.get("company_id") or env.company_id()
    _check_unique(env, vals, None)
    vals.pop("line_ids", None)
    move_vals = {"move_type": "entry", "journal_id": journal_id, "date": vals["date"],
                 "partner_id": vals.get("partner_id") or False, "ref": vals.get("ref") or False,
                 "narration": vals.get("narration") or False, "checked": vals.get("checked", True),
                 "company_id": vals["company_id"]}
    if journal_id:
        move_vals["currency_id"] = vals.get("foreign_currency_id") or journal_currency(env, journal_id)
    vals["move_id"] = env.create_one("account.move", move_vals)
    return vals


def _fill(env: Env, row: Row, vals: Row, old: Row | None) -> None:
    if old is None:
        row["move_id"] = vals["move_id"]
    elif "id" in row:
        row["internal_index"] = internal_index(row)


def _check_unique(env: Env, row: Row, rid: int | None) -> None:
    """The UNIQUE(unique_import_id) constraint of the optional account_bank_statement_import module."""
    number = row.get("unique_import_id")
    table = env.db[STATEMENT_LINE]
    if number and "unique_import_id" in table.indexes and \
            any(other != rid for other in table.lookup("unique_import_id", number)):
        raise exc.constraint(UNIQUE_IMPORT)


def _after_create(env: Env, rid: int, vals: Row) -> None:
    row = env.db[STATEMENT_LINE].rows[rid]
    move_id = row["move_id"]
    set_fields(env, STATEMENT_LINE, rid, {"internal_index": internal_index(row)})
    set_fields(env, "account.move", move_id, {"statement_line_id": rid})
    for line in move_line_vals(env, row):
        env.create_one("account.move.line", {**line, "move_id": move_id})
    am.post(env, [move_id])
    mark(env, STATEMENT, [rid])


def _before_write(env: Env, ids: list[int], vals: Row) -> Row:
    vals = dict(vals)
    vals.pop("line_ids", None)
    if "unique_import_id" in vals:
        if len(ids) > 1 and vals["unique_import_id"]:
            raise exc.constraint(UNIQUE_IMPORT)
        for rid in ids:
            _check_unique(env, vals, rid)
    return vals


def _after_write(env: Env, ids: list[int], vals: Row) -> None:
    rows = env.db[STATEMENT_LINE].rows
    mirrored = {name: vals[name] for name in MIRRORED if name in vals}
    with with_context(env, skip_readonly_check=True):
        for rid in ids:
            row = rows[rid]
            if mirrored:
                env.write("account.move", [row["move_id"]], {name: row.get(name, False) for name in mirrored})
            if any(name in vals for name in RESYNC):
                _resync(env, row)
            elif "statement_id" in vals:
                aml.refresh(env, lines_of(env, row["move_id"]))
    mark(env, STATEMENT, ids)


def _resync(env: Env, row: Row) -> None:
    """Rewrite the liquidity and suspense items from the statement line (`_synchronize_to_moves`)."""
    liquidity, suspense, other = seek(env, row)
    wanted = move_line_vals(env, row)
    with with_context(env, force_delete=True, dynamic_unlink=True):
        if liquidity:
            env.write("account.move.line", liquidity[:1], wanted[0])
        if suspense:
            env.write("account.move.line", suspense[:1], wanted[1])
        else:
            env.create_one("account.move.line", {**wanted[1], "move_id": row["move_id"]})
        if other:
            env.unlink("account.move.line", other)


def _before_unlink(env: Env, ids: list[int]) -> None:
    rows = env.db[STATEMENT_LINE].rows
    move_ids = [rows[rid]["move_id"] for rid in ids if rows[rid].get("move_id")]
    with with_context(env, force_delete=True):
        env.unlink("account.move", move_ids)  # cascades to the statement lines


# -- account.bank.statement --------------------------------------------------------------------
def _start_after_previous(env: Env, row: Row) -> float:
    """Odoo's `_compute_balance_start`: the ending balance of the statement of the journal's last
    earlier line that has one, plus the posted lines between (seen: 130.00 + a loose 5.00 = 135.00)."""
    from ofm.sandbox.odoo.accounting.compute import first_line_index

    first = first_line_index(env, row)
    journal = statement_journal(env, row["id"])
    if not first or not journal:
        return 0.0
    lines = env.db[STATEMENT_LINE].rows
    moves = env.db["account.move"].rows
    earlier = sorted((line for line in lines.values() if line.get("journal_id") == journal
                      and (line.get("internal_index") or "") < first
                      and (moves.get(line.get("move_id") or 0) or {}).get("state") == "posted"),
                     key=lambda line: line["internal_index"])
    with_statement = [line for line in earlier if line.get("statement_id")]
    start, after = 0.0, ""
    if with_statement:
        last = with_statement[-1]
        start = env.db["account.bank.statement"].rows[last["statement_id"]].get("balance_end_real") or 0.0
        after = last["internal_index"]
    return rnd(start + sum(line.get("amount") or 0.0 for line in earlier if line["internal_index"] > after))


def _statement_after_create(env: Env, rid: int, vals: Row) -> None:
    """Balances not given are computed as Odoo does at create: the start after the previous
    statement, the ending balance = the computed one (so an empty statement ends where it starts)."""
    from ofm.sandbox.odoo.accounting.compute import COMPUTE

    row = env.db["account.bank.statement"].rows[rid]
    if "balance_start" not in vals:
        set_fields(env, "account.bank.statement", rid, {"balance_start": _start_after_previous(env, row)})
    if "balance_end_real" not in vals:
        balance_end = COMPUTE[("account.bank.statement", "balance_end")](env, row)
        set_fields(env, "account.bank.statement", rid, {"balance_end_real": balance_end})


def _statement_after_write(env: Env, ids: list[int], vals: Row) -> None:
    """`balance_end_real` is computed from `balance_start`: writing the start alone resets it to the
    computed balance (Odoo recomputes a stored field whose dependency changes)."""
    from ofm.sandbox.odoo.accounting.compute import COMPUTE

    if "balance_start" in vals and "balance_end_real" not in vals:
        for rid in ids:
            row = env.db["account.bank.statement"].rows[rid]
            set_fields(env, "account.bank.statement", rid,
                       {"balance_end_real": COMPUTE[("account.bank.statement", "balance_end")](env, row)})


STATEMENT_HOOKS = Hooks(after_create=_statement_after_create, after_write=_statement_after_write)
STATEMENT_LINE_HOOKS = Hooks(before_create=_before_create, fill=_fill, after_create=_after_create,
                             before_write=_before_write, after_write=_after_write, before_unlink=_before_unlink)

