"""account.account and account.journal.

Accounts (Odoo 19): a missing `account_type` is taken from the account with the closest lower code
(`asset_current` if none); `reconcile` defaults to true on receivable/payable accounts; the
company is the user's. Changing an account's type or reconcile flag re-derives its journal items.

Journals (Odoo 19 `_fill_missing_values`, run before anything else in create, hence the captured
AccessError about account.account for a user who may not create accounts, and the captured
NOT NULL error on the account's name when a bank journal has no name): a bank/cash/credit journal
without a default account gets a new one named after the journal, coded with the company's bank
(`1014`) or cash (`1015`) prefix and the first free number (captured: "101407 Harness Bank
101126"), and the company's suspense account (101402); a missing code becomes BNK1/CSH1/CCD1... ;
`bank_acc_number` creates the company's res.partner.bank. `refund_sequence` defaults to true on
sale and purchase journals.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from ofm.sandbox.odoo.accounting import lines as aml
from ofm.sandbox.odoo.accounting.base import REC_PAY, Hooks, Row, company_row
from ofm.sandbox.odoo.values import sanitize_account_number

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

ACCOUNT = "account.account"
JOURNAL = "account.journal"
LIQUIDITY = {"bank": ("bank_account_code_prefix", "asset_cash", "BNK"),
             "cash": ("cash_account_code_prefix", "asset_cash", "CSH"),
             "credit": ("bank_account_code_prefix", "liability_credit_card", "CCD")}


def free_code(env: Env, prefix: str, digits: int = 6) -> str:
    """The first unused code `prefix` + n (Odoo's `_search_new_account_code`)."""
    table = env.db[ACCOUNT]
    for number in range(1, 10 ** max(digits - len(prefix), 1)):
        code = f"{prefix}{number:0{max(digits - len(prefix), 1)}d}"
        if not table.lookup("code", code):
            return code
    raise ValueError(f"no free account code with prefix {prefix}")


# -- account.account -----------------------------------------------------------------------------
def _account_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    if not vals.get("account_type"):
        vals["account_type"] = _closest_type(env, vals.get("code"))
    vals.setdefault("reconcile", vals["account_type"] in REC_PAY)
    if not vals.get("company_ids"):
        vals["company_ids"] = [[6, 0, [env.company_id()]]]
    return vals


def _closest_type(env: Env, code: object) -> str:
    if not isinstance(code, str) or not code:
        return "asset_current"
    rows = sorted((r.get("code") or "", r.get("account_type")) for r in env.db[ACCOUNT].rows.values() if r.get("code"))
    index = bisect_left([c for c, _ in rows], code) - 1
    return rows[index][1] if index >= 0 else "asset_current"


def _account_after_write(env: Env, ids: list[int], vals: Row) -> None:
    if "account_type" in vals or "reconcile" in vals:
        table = env.db["account.move.line"]
        affected = sorted({lid for aid in ids for lid in table.lookup("account_id", aid)})
        aml.refresh(env, affected)
        aml.touched(env, affected)


ACCOUNT_HOOKS = Hooks(before_create=_account_before_create, after_write=_account_after_write)


# -- account.journal -----------------------------------------------------------------------------
def _journal_prepare(env: Env, vals_list: list[Row]) -> None:
    """Odoo's `_fill_missing_values`: the liquidity account first, with the user's rights."""
    company = company_row(env)
    for vals in vals_list:
        kind = vals.get("type")
        if kind not in LIQUIDITY:
            continue
        prefix_field, account_type, code_prefix = LIQUIDITY[kind]
        if not vals.get("code"):
            vals["code"] = _free_journal_code(env, code_prefix)
        if not vals.get("default_account_id"):
            prefix = company.get(prefix_field) or "1014"
            [vals["default_account_id"]] = env.create(ACCOUNT, [{
                "name": vals.get("name"), "code": free_code(env, prefix), "account_type": account_type,
                "currency_id": vals.get("currency_id") or False}])
        if "suspense_account_id" not in vals:
            vals["suspense_account_id"] = company.get("account_journal_suspense_account_id") or False


def _free_journal_code(env: Env, prefix: str) -> str:
    table = env.db[JOURNAL]
    number = 1
    while table.lookup("code", f"{prefix}{number}"):
        number += 1
    return f"{prefix}{number}"


def _journal_before_create(env: Env, vals: Row) -> Row:
    vals = dict(vals)
    vals.setdefault("refund_sequence", vals.get("type") in ("sale", "purchase"))
    vals["company_id"] = vals.get("company_id") or env.company_id()
    return _bank_account(env, vals)


def _bank_account(env: Env, vals: Row) -> Row:
    number = vals.pop("bank_acc_number", None)
    if number and not vals.get("bank_account_id"):
        partner = company_row(env).get("partner_id")
        existing = [b for b in env.db["res.partner.bank"].lookup("partner_id", partner)
                    if env.db["res.partner.bank"].rows[b].get("sanitized_acc_number")
                    == sanitize_account_number(number)]
        vals["bank_account_id"] = existing[0] if existing else env.create_one(
            "res.partner.bank", {"acc_number": number, "partner_id": partner})
    return vals


def _journal_fill(env: Env, row: Row, vals: Row, old: Row | None) -> None:
    row["company_id"] = row.get("company_id") or env.company_id()


def _journal_before_write(env: Env, ids: list[int], vals: Row) -> Row:
    return _bank_account(env, dict(vals))


JOURNAL_HOOKS = Hooks(prepare=_journal_prepare, before_create=_journal_before_create, fill=_journal_fill,
                      before_write=_journal_before_write)
