"""Lock dates: res.company's five lock date fields, what posting does with an entry dated in a locked
period, and where Odoo refuses.

Follows Odoo 19's addons/account/models/company.py and account_move.py (no lock date exceptions:
`account.lock_exception` is not served, so a user's lock date is the company's):
- `_get_lock_date_violations` / `_get_violated_lock_dates`: a date on or before the global
  (`fiscalyear_lock_date`) or hard lock date is locked for every journal; the sales / purchase lock
  date also for sale / purchase journals; the tax lock date only for entries that affect the tax report
  (a line with taxes, or a tax line);
- posting (`_post`) does not refuse such an entry: it re-dates it, silently, by `_get_accounting_date`
  (captured: an entry of 2026-10-15 posted on 2026-11-22 with October locked got the date 2026-11-22);
- `_check_fiscal_lock_dates`: resetting a posted entry of a locked period to draft is refused (captured:
  "You cannot add/modify entries prior to and inclusive of: Global Lock Date (10/31/2026).");
- `_validate_locks` (res.company.write): the hard lock date cannot be removed or moved back, not set
  over draft entries, and no fiscal lock over unreconciled bank statement lines;
- `copy_data`: a copy (a reversal) dated on or before the user's fiscal lock date is dated the day after.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting.base import NOTE_TYPES, SALE_TYPES, Hooks, Row, lines_of, today, user_error
from ofm.sandbox.odoo.accounting.sequence import YEARLY

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

COMPANY = "res.company"
SOFT_LOCK_FIELDS = ("fiscalyear_lock_date", "tax_lock_date", "sale_lock_date", "purchase_lock_date")
LOCK_FIELDS = (*SOFT_LOCK_FIELDS, "hard_lock_date")
LABELS = {"fiscalyear_lock_date": "Global Lock Date", "tax_lock_date": "Tax Return Lock Date",
          "sale_lock_date": "Sales Lock Date", "purchase_lock_date": "Purchase Lock date",
          "hard_lock_date": "Hard Lock Date"}
_MIN = date.min


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10]) if value else _MIN


def user_lock_date(env: Env, company_id: int, field: str) -> date:
    """`user_<field>`: the company's lock date or its parents' (latest wins); date.min when unset."""
    companies = env.db[COMPANY].rows
    found, row, seen = _MIN, companies.get(company_id), set()
    while row is not None and row["id"] not in seen:
        seen.add(row["id"])
        found = max(found, _day(row.get(field)))
        row = companies.get(row.get("parent_id") or 0)
    return found


def violations(env: Env, company_id: int, on: date, has_tax: bool, journal_type: str | None) -> list[tuple[date, str]]:
    """`_get_violated_lock_dates`: the lock dates `on` falls on or before, oldest first."""
    checks = {"fiscalyear_lock_date": True, "sale_lock_date": journal_type == "sale",
              "purchase_lock_date": journal_type == "purchase", "tax_lock_date": has_tax, "hard_lock_date": True}
    locks = []
    for field, applies in checks.items():
        lock = user_lock_date(env, company_id, field)
        if applies and lock != _MIN and on <= lock:
            locks.append((lock, field))
    return sorted(locks)


def user_fiscal_lock_date(env: Env, company_id: int, journal_type: str | None) -> date:
    """`_get_user_fiscal_lock_date`: global and hard lock, and the sales/purchase one of such a journal."""
    lock = max(user_lock_date(env, company_id, "fiscalyear_lock_date"), user_lock_date(env, company_id,
                                                                                      "hard_lock_date"))
    if journal_type in ("sale", "purchase"):
        lock = max(lock, user_lock_date(env, company_id, f"{journal_type}_lock_date"))
    return lock


def _journal_type(env: Env, move: Row) -> str | None:
    return (env.db["account.journal"].rows.get(move.get("journal_id") or 0) or {}).get("type")


def affects_tax_report(env: Env, move_id: int) -> bool:
    """`_affect_tax_report`: a line with taxes or a tax line."""
    rows = env.db["account.move.line"].rows
    return any(rows[lid].get("tax_ids") or rows[lid].get("display_type") == "tax" for lid in lines_of(env, move_id)
               if rows[lid].get("display_type") not in NOTE_TYPES)


def _month_end(on: date) -> date:
    return date(on.year, on.month, monthrange(on.year, on.month)[1])


def accounting_date(env: Env, move: Row, locks: list[tuple[date, str]]) -> date:
    """`_get_accounting_date` for a move whose date is locked: the day after the latest lock, then by the
    journal's numbering (monthly: that month's last day when today is later, else today; yearly: that
    year's last day, else today). A sale document with a monthly (or no) numbering: the month's last day,
    today at the latest."""
    now = date.fromisoformat(today(env))
    on = _day(move.get("invoice_date") or move.get("date"))
    if locks:
        on = locks[-1][0] + timedelta(days=1)
    yearly = _journal_type(env, move) in YEARLY and _numbered(env, move)
    if move.get("move_type") in SALE_TYPES:
        if locks:
            return min(now, date(on.year, 12, 31) if yearly else _month_end(on))
        return on
    if not yearly:
        return _month_end(on) if (now.year, now.month) > (on.year, on.month) else max(on, now)
    return date(on.year, 12, 31) if now.year > on.year else max(on, now)


def _numbered(env: Env, move: Row) -> bool:
    """Whether the journal has a numbered entry (`highest_name`): without one Odoo applies the monthly rule."""
    moves = env.db["account.move"].rows
    return any(moves[mid].get("name") and moves[mid].get("name") != "/" and mid != move["id"]
               for mid in env.db["account.move"].lookup("journal_id", move.get("journal_id")))


def redate_locked(env: Env, move_id: int) -> str | None:
    """What `_post` does before posting: the new date of a move dated in a locked period (None: not locked)."""
    move = env.db["account.move"].rows[move_id]
    locks = violations(env, move.get("company_id") or env.company_id(), _day(move.get("date")),
                       affects_tax_report(env, move_id), _journal_type(env, move))
    return accounting_date(env, move, locks).isoformat() if locks else None


def _format(locks: list[tuple[date, str]]) -> str:
    return ", ".join(f"{LABELS[field]} ({lock.month}/{lock.day}/{lock.year})" for lock, field in sorted(locks))


def check_fiscal_lock_dates(env: Env, move_ids: list[int]) -> None:
    """`_check_fiscal_lock_dates`: a posted entry of a locked period may not be changed (reset to draft)."""
    moves = env.db["account.move"].rows
    for mid in move_ids:
        move = moves[mid]
        kind = _journal_type(env, move)
        locks = [v for v in violations(env, move.get("company_id") or env.company_id(), _day(move.get("date")),
                                       False, kind) if v[1] != "tax_lock_date"]
        if locks:
            raise user_error(f"You cannot add/modify entries prior to and inclusive of: {_format(locks)}.")


def _validate_locks(env: Env, ids: list[int], vals: Row) -> Row:
    """res.company.write: Odoo 19's `_validate_locks`."""
    new = {field: _day(vals[field]) if vals[field] else None for field in LOCK_FIELDS if field in vals}
    if not new:
        return vals
    companies = env.db[COMPANY].rows
    hard = new.get("hard_lock_date")
    if "hard_lock_date" in new:
        for cid in ids:
            current = companies[cid].get("hard_lock_date")
            if not current:
                continue
            if not hard:
                raise user_error("The Hard Lock Date cannot be removed.")
            if hard < _day(current):
                raise user_error("A new Hard Lock Date must be posterior (or equal) to the previous one.")
    moves = env.db["account.move"].rows
    if hard and any(m.get("state") == "draft" and m.get("company_id") in ids and _day(m.get("date")) <= hard
                    for m in moves.values()):
        raise user_error("There are still draft entries in the period you want to hard lock. You should either "
                         "post or delete them.")
    fiscal = max(new.get("fiscalyear_lock_date") or _MIN, hard or _MIN)
    if fiscal != _MIN:
        statement_lines = env.db["account.bank.statement.line"].rows
        if any(line.get("company_id", ids[0]) in ids and not line.get("is_reconciled")
               and _day(line.get("date")) <= fiscal
               and (moves.get(line.get("move_id") or 0) or {}).get("state") in ("draft", "posted")
               for line in statement_lines.values()):
            raise user_error("There are still unreconciled bank statement lines in the period you want to lock."
                             "You should either reconcile or delete them.")
    return vals


COMPANY_HOOKS = Hooks(before_write=_validate_locks)
COMPUTE = {(COMPANY, f"user_{field}"): (lambda f: lambda env, row: user_lock_date(env, row["id"], f).isoformat()
                                       if user_lock_date(env, row["id"], f) != _MIN else "1-01-01")(field)
           for field in LOCK_FIELDS}
