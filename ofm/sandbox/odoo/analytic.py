"""Analytic accounting: plans, analytic accounts and the `analytic_distribution` of order and bill lines.

As in Odoo 19 (`analytic` module, fields per the captured fields_get):
- account.analytic.plan reads as its `complete_name` ("Parent / Child"), account.analytic.account as
  "[code] name" (" - customer" appended when it has a partner); an account's company defaults to the
  user's company, its `root_plan_id` is its plan's top ancestor and its currency the company's;
- `analytic_distribution` on purchase.order.line and account.move.line is a JSON dict
  {"<analytic account id>": percent}; like the analytic mixin's `_sanitize_values`, every percent is
  stored as a float rounded to 2 decimals (the "Percentage Analytic" precision) and read back as such;
  a key may join several account ids with commas (one account per plan), as Odoo's keys do;
- `purchase.order.action_create_invoice` copies each order line's distribution onto its bill line
  (purchase/bills.py).

Simplified on purpose: a key naming an analytic account that does not exist, a value that is not a
number, or a distribution that is not a dict is refused at write time with a ValidationError whose
text is the sandbox's own (real Odoo stores the JSON as given and only fails later, when posting
creates the analytic lines); no analytic lines (account.analytic.line), no applicability rules or
mandatory plans, no distribution models, no sum-to-100 check (Odoo has none either).
Seeded: one plan, "Cost Centers", without accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.accounting.base import Hooks

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

PLAN, ACCOUNT = "account.analytic.plan", "account.analytic.account"
DISTRIBUTED = frozenset({"purchase.order.line", "account.move.line"})
PRECISION = 2
Row = dict[str, Any]


def seed_analytic(env: Env) -> None:
    """The one plan the middleware files its cost centers under (its demo creates the accounts)."""
    env.create(PLAN, [{"name": "Cost Centers"}])


def clean_distribution(env: Env, model: str, value: Any) -> dict[str, float] | bool:
    """The stored form of a written `analytic_distribution`, or a ValidationError (see module docstring)."""
    if value is None or value is False or value == {}:
        return False
    if not isinstance(value, dict):
        raise _invalid(model, f"expected a JSON object {{\"<analytic account id>\": percent}}, got {value!r}"[:300])
    accounts = env.db[ACCOUNT]
    out: dict[str, float] = {}
    for key, percent in value.items():
        ids = str(key).split(",")
        unknown = [i for i in ids if not i.strip().isdigit() or int(i) not in accounts]
        if unknown:
            raise _invalid(model, f"no analytic account with id {', '.join(unknown)}")
        if isinstance(percent, bool) or not isinstance(percent, int | float):
            raise _invalid(model, f"the percentage of {key!r} must be a number, got {percent!r}")
        out[",".join(str(int(i)) for i in ids)] = round(float(percent), PRECISION) + 0.0
    return out


def _invalid(model: str, detail: str) -> exc.OdooException:
    return exc.odoo("ValidationError", f"Invalid analytic distribution on {model}: {detail}.")


def _account_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    vals.setdefault("company_id", env.company_id())
    return vals


def _root(env: Env, plan_id: Any) -> int | bool:
    plans = env.db[PLAN].rows
    seen: set[int] = set()
    while plan_id in plans and plan_id not in seen:
        seen.add(plan_id)
        parent = plans[plan_id].get("parent_id")
        if not parent:
            return int(plan_id)
        plan_id = parent
    return False


def _complete_name(env: Env, row: Row) -> str:
    names, plans, seen = [], env.db[PLAN].rows, set()
    while row is not None and row["id"] not in seen:
        seen.add(row["id"])
        names.append(row.get("name") or "")
        row = plans.get(row.get("parent_id") or 0)
    return " / ".join(reversed(names))


def _account_name(env: Env, row: Row) -> str:
    name = f"[{row['code']}] {row.get('name') or ''}" if row.get("code") else row.get("name") or ""
    partner = env.db["res.partner"].get(row.get("partner_id") or 0)
    if partner is not None:
        from ofm.sandbox.odoo.compute import COMPUTE

        commercial = env.db["res.partner"].get(COMPUTE[("res.partner", "commercial_partner_id")](env, partner))
        if commercial and commercial.get("name"):
            name = f"{name} - {commercial['name']}"
    return name


def _account_count(env: Env, row: Row) -> int:
    return sum(1 for r in env.db[ACCOUNT].rows.values() if r.get("plan_id") == row["id"] and r.get("active"))


COMPUTE: dict[tuple[str, str], Any] = {
    (PLAN, "complete_name"): _complete_name,
    (PLAN, "root_id"): lambda env, row: _root(env, row["id"]),
    (PLAN, "account_count"): _account_count,
    (ACCOUNT, "root_plan_id"): lambda env, row: _root(env, row.get("plan_id")),
    (ACCOUNT, "currency_id"): lambda env, row: env.company_currency(),
}
DISPLAY_NAMES = {PLAN: _complete_name, ACCOUNT: _account_name}
HOOKS = {ACCOUNT: Hooks(before_create=_account_before_create)}
