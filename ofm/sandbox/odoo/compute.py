"""Fields the sandbox derives instead of storing, and every model's display name.

Each function takes the environment and a row and returns the value in row form (many2one: an
id or False), as Odoo's compute methods of the same fields would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import analytic, mail
from ofm.sandbox.odoo.accounting import COMPUTE as ACCOUNTING_COMPUTE
from ofm.sandbox.odoo.accounting import DISPLAY_NAMES as ACCOUNTING_NAMES
from ofm.sandbox.odoo.purchase import COMPUTE as PURCHASE_COMPUTE
from ofm.sandbox.odoo.purchase import DISPLAY_NAMES as PURCHASE_NAMES

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

Compute = Callable[["Env", dict[str, Any]], Any]


def _partner_name(env: Env, row: dict[str, Any]) -> str:
    """`complete_name`: a contact of a company reads "Company, Contact" (Odoo's rule)."""
    name = row.get("name") or ""
    parent = env.db["res.partner"].get(row.get("parent_id") or 0)
    if (parent or row.get("company_name")) and not row.get("is_company"):
        if not name and row.get("type") in ("invoice", "delivery", "other"):
            name = {"invoice": "Invoice", "delivery": "Delivery", "other": "Other"}[row["type"]]
        company = row.get("company_name") or (parent.get("name") if parent else "") or ""
        name = f"{company}, {name}"
    return name.strip()


def _commercial_partner(env: Env, row: dict[str, Any]) -> int:
    partners = env.db["res.partner"]
    seen: set[int] = set()
    while not row.get("is_company") and row.get("parent_id") and row["id"] not in seen:
        seen.add(row["id"])
        parent = partners.get(row["parent_id"])
        if parent is None:
            break
        row = parent
    return row["id"]


def _country_code(env: Env, country_id: Any) -> str | bool:
    country = env.db["res.country"].get(country_id or 0)
    return country.get("code", False) if country else False


def _partner_of(env: Env, row: dict[str, Any]) -> dict[str, Any]:
    return env.db["res.partner"].get(row.get("partner_id") or 0) or {}


def _decimal_places(_env: Env, row: dict[str, Any]) -> int:
    rounding = row.get("rounding") or 0.01
    places = 0
    while round(rounding * 10 ** places, 9) < 1 and places < 10:
        places += 1
    return places


COMPUTE: dict[tuple[str, str], Compute] = {
    ("res.partner", "complete_name"): _partner_name,
    ("res.partner", "commercial_partner_id"): _commercial_partner,
    ("res.partner", "country_code"): lambda env, row: _country_code(env, row.get("country_id")),
    ("res.partner", "company_type"): lambda env, row: "company" if row.get("is_company") else "person",
    ("res.partner", "currency_id"): lambda env, row: env.company_currency(),
    ("res.partner.bank", "acc_type"): lambda env, row: "bank",
    ("res.partner.bank", "company_id"): lambda env, row: _partner_of(env, row).get("company_id", False),
    ("res.partner.bank", "country_code"): lambda env, row: _country_code(env, _partner_of(env, row).get("country_id")),
    ("res.currency", "rate"): lambda env, row: 1.0,
    ("res.currency", "decimal_places"): _decimal_places,
    ("res.users", "share"): lambda env, row: False,
}


COMPUTE.update(ACCOUNTING_COMPUTE)
COMPUTE.update(PURCHASE_COMPUTE)
COMPUTE.update(analytic.COMPUTE)
COMPUTE.update(mail.COMPUTE)
OTHER_NAMES = {**ACCOUNTING_NAMES, **PURCHASE_NAMES, **analytic.DISPLAY_NAMES, **mail.DISPLAY_NAMES}


def display_name(env: Env, model: str, row: dict[str, Any]) -> str:
    """What a many2one pointing at this row shows next to its id."""
    if model == "res.partner":
        return _partner_name(env, row)
    if model == "res.partner.bank":
        return row.get("acc_number") or ""
    named = OTHER_NAMES.get(model)
    if named is not None:
        return named(env, row)
    return row.get(env.schema[model].rec_name) or ""
