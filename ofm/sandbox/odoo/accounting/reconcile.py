"""account.move.line.reconcile / remove_move_reconcile, partial and full reconciliations.

Follows Odoo 19's `_reconcile_plan` for one group of lines in the company currency:
- the checks of `_check_amls_exigibility_for_reconciliation`, with their messages (already
  reconciled, cancelled entries, several accounts, account not reconcilable); draft entries may be
  reconciled in Odoo 19;
- lines sorted by (due date or date, currency, amount in currency, balance), then by partner when
  there are several; debit lines and credit lines are paired greedily in that order, each partial
  taking min(debit residual, -credit residual) (`_prepare_reconciliation_amls`);
- when every line connected to the group by partials has nothing left, one account.full.reconcile
  links them all; `matching_number` is the full reconcile's id, else "P" + the smallest partial id.
Not served: exchange difference entries and cash basis taxes (all sandbox currencies have rate 1.0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting.base import (
    CASH_TYPES,
    REFRESH_LINES,
    Hooks,
    Row,
    is_zero,
    mark,
    rnd,
    set_fields,
    user_error,
)

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

PARTIAL = "account.partial.reconcile"
FULL = "account.full.reconcile"
LINE = "account.move.line"


def matched(env: Env, line_id: int | None) -> tuple[float, float]:
    """(company amount, amount in currency) that partials took from a line, signed like its balance."""
    if not line_id:
        return 0.0, 0.0
    partials = env.db[PARTIAL]
    amount = amount_currency = 0.0
    for pid in partials.lookup("debit_move_id", line_id):
        row = partials.rows[pid]
        amount += row.get("amount") or 0.0
        amount_currency += row.get("debit_amount_currency") or 0.0
    for pid in partials.lookup("credit_move_id", line_id):
        row = partials.rows[pid]
        amount -= row.get("amount") or 0.0
        amount_currency -= row.get("credit_amount_currency") or 0.0
    return amount, amount_currency


def partials_of(env: Env, line_id: int) -> set[int]:
    partials = env.db[PARTIAL]
    return set(partials.lookup("debit_move_id", line_id)) | set(partials.lookup("credit_move_id", line_id))


def groups_of(env: Env, line_ids: list[int]) -> dict[int, set[int]]:
    """For each line, every line connected to it through partial reconciliations (itself included)."""
    out: dict[int, set[int]] = {}
    for start in line_ids:
        if start in out:
            continue
        group = _component(env, start)
        for rid in group:
            out[rid] = group
    return out


def _component(env: Env, start: int) -> set[int]:
    partials = env.db[PARTIAL].rows
    seen, todo = {start}, [start]
    while todo:
        for pid in partials_of(env, todo.pop()):
            for other in (partials[pid]["debit_move_id"], partials[pid]["credit_move_id"]):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
    return seen


def reconcile(env: Env, line_ids: list[int]) -> None:
    """`account.move.line.reconcile()` on these lines (all together, one plan)."""
    rows = env.db[LINE].rows
    accounts = env.db["account.account"].rows
    lines = [rows[rid] for rid in line_ids]
    open_partials = {row.get("matching_number") for row in lines if not row.get("reconciled")
                     and str(row.get("matching_number") or "").startswith("P")}
    lines = [row for row in lines if not row.get("reconciled") or row.get("matching_number") not in open_partials]
    if not lines:
        return
    if any(row.get("reconciled") for row in lines):
        raise user_error("You are trying to reconcile some entries that are already reconciled.")
    if any(row.get("parent_state") == "cancel" for row in lines):
        raise user_error("You can not reconcile cancelled entries.")
    account_ids = list(dict.fromkeys(row.get("account_id") for row in lines))
    if len(account_ids) > 1:
        names = ", ".join(str(env.display_name("account.account", aid)) for aid in account_ids)
        raise user_error(f"Entries are not from the same account: {names}")
    account = accounts.get(account_ids[0]) or {}
    if not account.get("reconcile") and account.get("account_type") not in CASH_TYPES:
        raise user_error(f"Account {env.display_name('account.account', account_ids[0])} does not allow "
                         "reconciliation. First change the configuration of this account to allow it.")
    lines.sort(key=lambda r: (r.get("date_maturity") or r.get("date") or "", r.get("currency_id") or 0,
                              r.get("amount_currency") or 0.0, r.get("balance") or 0.0))
    if len({row.get("partner_id") or 0 for row in lines}) > 1:
        lines.sort(key=lambda r: r.get("partner_id") or 0)
    residual = {row["id"]: [row.get("amount_residual") or 0.0, row.get("amount_residual_currency") or 0.0]
                for row in lines}
    debits = iter([r for r in lines if (r.get("balance") or 0) > 0 or (r.get("amount_currency") or 0) > 0])
    credits = iter([r for r in lines if (r.get("balance") or 0) < 0 or (r.get("amount_currency") or 0) < 0])
    created: list[int] = []
    debit = credit = None
    while True:
        debit = debit or next(debits, None)
        credit = credit or next(credits, None)
        if debit is None or credit is None:
            break
        left_debit, left_credit = residual[debit["id"]], residual[credit["id"]]
        if is_zero(left_debit[0]) or left_debit[0] < 0:
            debit = None
            continue
        if is_zero(left_credit[0]) or left_credit[0] > 0:
            credit = None
            continue
        amount = rnd(min(left_debit[0], -left_credit[0]))
        debit_currency = _in_currency(debit, amount, left_debit[1])
        credit_currency = _in_currency(credit, amount, -left_credit[1])
        created.append(env.create_one(PARTIAL, {
            "debit_move_id": debit["id"], "credit_move_id": credit["id"], "amount": amount,
            "debit_amount_currency": debit_currency, "credit_amount_currency": credit_currency,
            "company_id": debit.get("company_id") or False}))
        left_debit[0], left_debit[1] = rnd(left_debit[0] - amount), rnd(left_debit[1] - debit_currency)
        left_credit[0], left_credit[1] = rnd(left_credit[0] + amount), rnd(left_credit[1] + credit_currency)
        if is_zero(left_debit[0]):
            debit = None
        if is_zero(left_credit[0]):
            credit = None
    if created:
        settle(env, [row["id"] for row in lines])


def _in_currency(row: Row, amount: float, available: float) -> float:
    """The part of a partial in the line's own currency (same rate as the line's balance)."""
    balance = row.get("balance") or 0.0
    if is_zero(balance) or is_zero((row.get("amount_currency") or 0.0) - balance):
        return amount
    return rnd(min(abs(amount * (row.get("amount_currency") or 0.0) / balance), abs(available)))


def settle(env: Env, line_ids: list[int]) -> None:
    """After partials changed: residuals, full reconciliations and matching numbers of the lines' groups."""
    from ofm.sandbox.odoo.accounting import lines as aml  # lines imports this module

    groups = groups_of(env, line_ids)
    every = sorted(set().union(*groups.values())) if groups else []
    aml.refresh(env, every)
    aml.touched(env, every)
    rows = env.db[LINE].rows
    partials = env.db[PARTIAL]
    done: set[int] = set()
    for rid in every:
        if rid in done:
            continue
        group = groups[rid]
        done |= group
        group_partials = sorted(set().union(*(partials_of(env, lid) for lid in group)))
        if not group_partials:
            for lid in group:
                set_fields(env, LINE, lid, {"matching_number": False, "full_reconcile_id": False})
            continue
        fulls = {partials.rows[pid].get("full_reconcile_id") for pid in group_partials} - {False, None}
        if all(rows[lid].get("reconciled") for lid in group):
            if len(fulls) == 1 and {lid for lid in group} == _lines_of_full(env, next(iter(fulls))):
                full = next(iter(fulls))
            else:
                for old in fulls:
                    _drop_full(env, old)
                full = env.create_one(FULL, {})
            for pid in group_partials:
                set_fields(env, PARTIAL, pid, {"full_reconcile_id": full})
            for lid in group:
                set_fields(env, LINE, lid, {"full_reconcile_id": full, "matching_number": str(full)})
        else:
            for old in fulls:
                _drop_full(env, old)
            number = f"P{group_partials[0]}"
            for lid in group:
                set_fields(env, LINE, lid, {"full_reconcile_id": False, "matching_number": number})


def _lines_of_full(env: Env, full: int) -> set[int]:
    return set(env.db[LINE].lookup("full_reconcile_id", full))


def _drop_full(env: Env, full: Any) -> None:
    if full and full in env.db[FULL]:
        for lid in list(env.db[LINE].lookup("full_reconcile_id", full)):
            set_fields(env, LINE, lid, {"full_reconcile_id": False})
        for pid in list(env.db[PARTIAL].lookup("full_reconcile_id", full)):
            set_fields(env, PARTIAL, pid, {"full_reconcile_id": False})
        env.db[FULL].delete(full)


def remove(env: Env, line_ids: list[int]) -> None:
    """`remove_move_reconcile`: delete every partial touching these lines (and their full reconciles)."""
    doomed: set[int] = set()
    for rid in line_ids:
        doomed |= partials_of(env, rid)
    if doomed:
        _unlink_partials(env, sorted(doomed))


def _unlink_partials(env: Env, partial_ids: list[int]) -> None:
    partials = env.db[PARTIAL]
    lines: set[int] = set()
    for pid in partial_ids:
        row = partials.rows.get(pid)
        if row is None:
            continue
        lines |= {row["debit_move_id"], row["credit_move_id"]}
        _drop_full(env, row.get("full_reconcile_id"))
        partials.delete(pid)
    settle(env, sorted(lid for lid in lines if lid in env.db[LINE]))


# -- hooks: partials created or deleted through the API ------------------------------------------
def _partial_fill(env: Env, row: Row, vals: Row, old: Row | None) -> None:
    rows = env.db[LINE].rows
    dates = [rows[lid].get("date") for lid in (row.get("debit_move_id"), row.get("credit_move_id")) if lid in rows]
    row["max_date"] = max((d for d in dates if d), default=False)


def _partial_created(env: Env, rid: int, vals: Row) -> None:
    row = env.db[PARTIAL].rows[rid]
    mark(env, REFRESH_LINES, [row["debit_move_id"], row["credit_move_id"]])


def _partial_unlink(env: Env, ids: list[int]) -> None:
    _unlink_partials(env, ids)


def _full_unlink(env: Env, ids: list[int]) -> None:
    for full in ids:
        lines = sorted(_lines_of_full(env, full))
        _drop_full(env, full)
        mark(env, REFRESH_LINES, lines)


PARTIAL_HOOKS = Hooks(fill=_partial_fill, after_create=_partial_created, before_unlink=_partial_unlink)
FULL_HOOKS = Hooks(before_unlink=_full_unlink)
