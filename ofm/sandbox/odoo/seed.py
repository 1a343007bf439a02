"""What a fresh sandbox database holds: one company, its users, currencies, countries, terms, and
a small chart of accounts with its journals (accounting/chart.py), purchase reference data, the
analytic plan "Cost Centers" (analytic.py) and the chatter's message subtypes (mail.py).

The reference data is what the supplier onboarding maps to (see INTERFACES: currencies EUR, USD,
GBP, CHF, SEK, DKK, PLN active and CZK inactive; every ISO country; Odoo 19's ten payment terms).
"""

from __future__ import annotations

from ofm.sandbox.odoo.accounting import seed_accounting
from ofm.sandbox.odoo.analytic import seed_analytic
from ofm.sandbox.odoo.mail import seed_mail
from ofm.sandbox.odoo.orm import Env
from ofm.sandbox.odoo.purchase import seed_purchase
from ofm.sandbox.odoo.schema import load_countries

ADMIN_UID = 2
INTEGRATION_UID = 6
INTEGRATION_LOGIN = "integration@example.com"
COMPANY_NAME = "Sandbox Company"

# (code, symbol, full name, ISO number, symbol position, active)
CURRENCIES = [
    ("EUR", "€", "Euro", 978, "after", True),
    ("USD", "$", "United States dollar", 840, "before", True),
    ("GBP", "£", "Pound sterling", 826, "before", True),
    ("CHF", "CHF", "Swiss franc", 756, "after", True),
    ("SEK", "kr", "Swedish krona", 752, "after", True),
    ("DKK", "kr", "Danish krone", 208, "after", True),
    ("PLN", "zł", "Polish złoty", 985, "after", True),
    ("CZK", "Kč", "Czech koruna", 203, "after", False),
]
# The terms a fresh Odoo 19 with `account` has (read on the real server), in its order.
PAYMENT_TERMS = ["Immediate Payment", "15 Days", "21 Days", "30 Days", "45 Days", "End of Following Month",
                 "10 Days after End of Next Month", "30% Now, Balance 60 Days", "2/7 Net 30", "90 days, on the 10th"]


def seed(env: Env, company_iban: str | None = None) -> None:
    """Fill an empty database (run as the superuser, in one transaction)."""
    currency = dict(zip([c[0] for c in CURRENCIES], env.create("res.currency", [
        {"name": code, "symbol": symbol, "full_name": name, "iso_numeric": number, "position": position,
         "active": active, "currency_unit_label": name}
        for code, symbol, name, number, position, active in CURRENCIES]), strict=True))
    countries = dict(zip([c[0] for c in load_countries()], env.create("res.country", [
        {"name": name, "code": code} for code, name in load_countries()]), strict=True))
    for code, cur in (("DE", "EUR"), ("FR", "EUR"), ("US", "USD"), ("GB", "GBP"), ("CH", "CHF"), ("SE", "SEK"),
                      ("DK", "DKK"), ("PL", "PLN"), ("CZ", "CZK")):
        env.write("res.country", [countries[code]], {"currency_id": currency[cur]})
    company = env.create("res.company", [{"name": COMPANY_NAME, "currency_id": currency["EUR"],
                                          "country_id": countries["DE"], "email": "info@sandbox.example"}])[0]
    company_partner = env.db["res.company"].rows[company]["partner_id"]
    env.write("res.partner", [company_partner], {"company_id": company, "country_id": countries["DE"],
                                                 "email": "info@sandbox.example"})
    bot = env.create("res.users", [{"name": "OdooBot", "login": "__system__", "active": False}])[0]
    env.write("res.partner", [env.db["res.users"].rows[bot]["partner_id"]], {"active": False})
    env.create("res.users", [{"name": "Administrator", "login": "admin", "email": "admin@sandbox.example"}])
    env.db["res.users"].next_id = INTEGRATION_UID
    env.create("res.users", [{"name": "Integration", "login": INTEGRATION_LOGIN, "email": INTEGRATION_LOGIN}])
    env.create("account.payment.term", [{"name": name, "sequence": 10 * (i + 1)}
                                        for i, name in enumerate(PAYMENT_TERMS)])
    seed_accounting(env, company_iban)
    seed_purchase(env)
    seed_analytic(env)
    seed_mail(env)
