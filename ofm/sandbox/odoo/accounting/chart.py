"""The sandbox's chart of accounts and journals: a small part of Odoo 19's generic chart.

Codes and names seen in the captures: 101402 Bank Suspense Account, 101404 Outstanding Payments,
121000 Account Receivable, 131000 Tax Paid, 201000 Current Liabilities, 211000 Account Payable,
400000 Product Sales, 600000 Expenses, 612000 Rent; journals Sales (INV), Purchases (BILL),
Miscellaneous Operations (MISC) with ids 1-3 and Bank (BNK1) with id 6, as captured. From Odoo's
generic chart (not captured): 101401 Bank, 101403 Outstanding Receipts, 101501 Cash, 101701
Liquidity Transfer, 441000/641000 exchange gain/loss, the Exchange Difference (EXCH), Cash Basis
Taxes (CABA) and Cash (CSH1) journals. Invented for the middleware's needs: 626000 Bank Fees,
443000/643000 write-off gain/loss.

The company's bank account (res.partner.bank of the company's partner, on journal BNK1) is only
created when an IBAN is given: `OdooSandbox(company_iban="DE89370400440532013000")`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ofm.sandbox.odoo.accounting.base import company_row

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

# (code, name, type, reconcile)
ACCOUNTS = [
    ("101401", "Bank", "asset_cash", False),
    ("101402", "Bank Suspense Account", "asset_current", False),
    ("101403", "Outstanding Receipts", "asset_current", True),
    ("101404", "Outstanding Payments", "asset_current", True),
    ("101501", "Cash", "asset_cash", False),
    ("101701", "Liquidity Transfer", "asset_current", True),
    ("121000", "Account Receivable", "asset_receivable", True),
    ("131000", "Tax Paid", "asset_current", False),
    ("201000", "Current Liabilities", "liability_current", False),
    ("211000", "Account Payable", "liability_payable", True),
    ("251000", "Tax Received", "liability_current", False),
    ("400000", "Product Sales", "income", False),
    ("441000", "Foreign Exchange Gain", "income_other", False),
    ("443000", "Write-Off Gains", "income_other", False),
    ("600000", "Expenses", "expense", False),
    ("612000", "Rent", "expense", False),
    ("626000", "Bank Fees", "expense", False),
    ("641000", "Foreign Exchange Loss", "expense", False),
    ("643000", "Write-Off Losses", "expense", False),
]
# (name, code, type, default account code, sequence)
JOURNALS = [
    ("Sales", "INV", "sale", "400000", 5),
    ("Purchases", "BILL", "purchase", "600000", 6),
    ("Miscellaneous Operations", "MISC", "general", None, 7),
    ("Exchange Difference", "EXCH", "general", None, 9),
    ("Cash Basis Taxes", "CABA", "general", None, 10),
    ("Bank", "BNK1", "bank", "101401", 11),
    ("Cash", "CSH1", "cash", "101501", 12),
]
DEFAULTS = {"asset_receivable": "121000", "liability_payable": "211000"}


def seed_accounting(env: Env, company_iban: str | None = None) -> None:
    """Create the chart, the journals and the company's accounting settings (as the superuser)."""
    ids = dict(zip([a[0] for a in ACCOUNTS], env.create("account.account", [
        {"code": code, "name": name, "account_type": kind, "reconcile": reconcile}
        for code, name, kind, reconcile in ACCOUNTS]), strict=True))
    company = env.company_id()
    env.write("res.company", [company], {
        "account_journal_suspense_account_id": ids["101402"], "bank_account_code_prefix": "1014",
        "cash_account_code_prefix": "1015", "transfer_account_id": ids["101701"],
        "income_account_id": ids["400000"], "expense_account_id": ids["600000"],
        "income_currency_exchange_account_id": ids["441000"], "expense_currency_exchange_account_id": ids["641000"]})
    bank = False
    if company_iban:
        company_data = company_row(env)
        [bank] = env.create("res.partner.bank", [{"acc_number": company_iban, "partner_id": company_data["partner_id"],
                                                  "currency_id": company_data.get("currency_id") or False,
                                                  "allow_out_payment": True}])
    journals = {}
    for name, code, kind, account, sequence in JOURNALS:
        vals = {"name": name, "code": code, "type": kind, "sequence": sequence,
                "default_account_id": ids[account] if account else False}
        if code == "BNK1":
            vals["bank_account_id"] = bank
        [journals[code]] = env.create("account.journal", [vals])
    env.write("res.company", [company], {"currency_exchange_journal_id": journals["EXCH"]})


def default_account(env: Env, account_type: str) -> int | bool:
    """The chart's receivable (121000) or payable (211000) account, else the first of that type."""
    table = env.db["account.account"]
    code = DEFAULTS.get(account_type)
    for rid in sorted(table.lookup("code", code)) if code else ():
        return rid
    ids = sorted(table.lookup("account_type", account_type))
    return ids[0] if ids else False
