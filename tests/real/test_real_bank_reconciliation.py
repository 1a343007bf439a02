"""Bank reconciliation on a real Odoo 19: the demo's statement story, with Odoo's state read back.

Customer invoices (700000, 21 % VAT) and vendor bills are posted in Odoo; a camt.053 pays them every
way the demo tells (invoice number, RF reference, IBAN only, two invoices at once, part payment, short
by a bank fee, ambiguous, unknown money, the bank's own charges). Then: what Odoo shows (statement
lines reconciled, payment states, the account.bank.statement and its balances, partners, the fee on
657200), a re-import that creates nothing, a file repeating part of the day that imports only what
is new, and a journal whose bank account is not the statement's, which holds the file.

The tests of this module are one story on one database, in file order; each one asserts its step.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ofm.canonical import BankEntry, Money
from ofm.flows.bank_reconciliation import bank_reconciliation
from ofm.sandbox.bank.documents import day_one, seed_documents, write_statement
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")

BUNDLED = Path(__file__).resolve().parents[2] / "ofm" / "mappings" / "bank"
OTHER_IBAN = "NL20INGB0001234567"
STATEMENT = "account.bank.statement"
LINE = "account.bank.statement.line"


def give_journal_bank_account(client, code: str, iban: str) -> int:
    """The company's bank account on journal `code` (as a user sets it up in Odoo)."""
    [journal] = client.call("account.journal", "search_read", args=[[["code", "=", code]]],
                            kwargs={"fields": ["id"]})
    [company] = client.call("res.company", "search_read", args=[[]], kwargs={"fields": ["partner_id"]})
    [bank_id] = client.call("res.partner.bank", "create",
                            args=[[{"acc_number": iban, "partner_id": company["partner_id"][0]}]])
    client.call("account.journal", "write", args=[[journal["id"]], {"bank_account_id": bank_id}])
    return journal["id"]


@pytest.fixture(scope="module")
def story(real_odoo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real-bank")
    client = real_odoo.client()
    journal_id = give_journal_bank_account(client, "BNK1", COMPANY_IBAN)
    routing = tmp / "journals.yaml"
    routing.write_text(f"accounts:\n  {COMPANY_IBAN}: {{journal: BNK1}}\n  {OTHER_IBAN}: {{journal: BNK1}}\n")
    policy = real_odoo.bank_policy  # the real chart's bank charges account: 657200 (19), 656000 (18)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'ofm.db'}", ack_dir=tmp / "acks",
                        bank_routing_file=routing, bank_matching_policy=policy)
    store = Store(settings.database_url)
    store.migrate()
    docs = seed_documents(client)
    path, statement, expected = day_one(client, tmp)
    with use_resources(Resources(settings=settings, store=store, odoo=client)):
        yield {"client": client, "docs": docs, "path": path, "statement": statement, "expected": expected,
               "store": store, "tmp": tmp, "journal_id": journal_id, "settings": settings}


def run(path: Path) -> dict:
    return bank_reconciliation(file=str(path), actor="real-test")


def counts(real_odoo) -> dict[str, int]:
    """How many records the bank story has made in Odoo."""
    return {model: len(real_odoo.read(model, [], ["id"]))
            for model in (STATEMENT, LINE, "account.move", "account.partial.reconcile")}


def test_the_statement_story_lands_in_odoo_as_odoo_shows_it(real_odoo, story):
    result = run(story["path"])
    expected, statement = story["expected"], story["statement"]
    c = result["counts"]
    assert not result["file"]["held"] and not result["file"]["error"], result["file"]
    assert result["file"]["warnings"] == []
    assert c["imported"] == c["booked"] == len(expected)
    assert result["rules"] == dict(Counter(e for e in expected if e != "unmatched"))
    assert c["unmatched"] == expected.count("unmatched")

    lines = real_odoo.read(LINE, [], ["is_reconciled", "partner_id", "amount", "statement_id", "ref"])
    assert len(lines) == len(expected)
    assert sum(line["is_reconciled"] for line in lines) == c["reconciled"]
    states = Counter(m["payment_state"] for m in real_odoo.read(
        "account.move", [["id", "in", story["docs"]["moves"]]], ["payment_state"]))
    whole = sum(1 for e in expected if e in ("reference", "partner_amount", "fees"))
    assert states["paid"] + states["in_payment"] == whole + 2 * expected.count("multi_invoice")
    assert states["partial"] == expected.count("partial")

    # matched lines carry the invoice's partner
    reconciled = [line for line in lines if line["is_reconciled"]]
    assert reconciled and all(line["partner_id"] for line in reconciled), reconciled
    partners = {p["id"] for p in real_odoo.read("res.partner", [["id", "in", story["docs"]["partners"]
                                                                 + story["docs"]["vendors"]]], ["id"])}
    assert {line["partner_id"][0] for line in reconciled} <= partners

    # one account.bank.statement with the bank's balances; Odoo agrees it is complete and valid
    [st] = real_odoo.read(STATEMENT, [], ["name", "reference", "balance_start", "balance_end_real", "balance_end",
                                          "is_complete", "is_valid", "journal_id", "line_ids", "date"])
    assert Decimal(str(st["balance_start"])) == statement.opening_balance.amount
    assert Decimal(str(st["balance_end_real"])) == statement.closing_balance.amount
    assert Decimal(str(st["balance_end"])) == statement.closing_balance.amount
    assert st["is_complete"] and st["is_valid"]
    assert st["journal_id"][0] == story["journal_id"] and st["date"] == "2026-11-03"
    assert sorted(st["line_ids"]) == sorted(line["id"] for line in lines)
    assert statement.statement_id in st["name"]

    # the bank fee written off on the chart's bank fees account (657200 Bank Fees in 19, 656000 in 18)
    fees_account = {19: "657200", 18: "656000"}[real_odoo.version]
    fees = real_odoo.read("account.move.line", [["account_id.code", "=", fees_account],
                                                ["parent_state", "=", "posted"]], ["debit", "credit"])
    assert [(f["debit"], f["credit"]) for f in fees] == [(1.5, 0.0)]

    [position] = result["cash_position"]
    assert Decimal(position["unexplained"]) == 0, position


def test_the_same_file_again_creates_nothing_and_warns_nothing(real_odoo, story):
    run(story["path"])  # already imported by the story's first step (or now)
    before = counts(real_odoo)
    again = run(story["path"])
    assert (again["counts"]["imported"], again["counts"]["already_imported"]) == (0, len(story["expected"]))
    assert again["counts"]["reconciled"] == 0
    assert again["file"]["warnings"] == [] and again["file"]["held"] == []
    assert counts(real_odoo) == before
    assert Decimal(again["cash_position"][0]["unexplained"]) == 0


def _entry(day: date, amount: str, ref: str, text: str) -> BankEntry:
    return BankEntry(booking_date=day, value_date=day, amount=Money(amount=amount, currency="EUR"),
                     bank_reference=ref, remittance=text)


def test_a_file_repeating_part_of_the_day_imports_only_the_new_entries(real_odoo, story):
    run(story["path"])
    day1 = story["statement"]
    repeated = day1.entries[-2:]
    opening = day1.closing_balance.amount - sum(e.amount.amount for e in repeated)
    day = date(2026, 11, 3)
    new = (_entry(day, "-3.10", "BANK-20261103-9001", "Card fee"), _entry(day, "42.00", "BANK-20261103-9002",
                                                                           "Cash deposit"))
    later = day1.model_copy(update={
        "statement_id": "STMT-20261103-PM", "sequence": "102", "opening_date": day, "closing_date": day,
        "opening_balance": Money(amount=opening, currency="EUR"),
        "closing_balance": Money(amount=day1.closing_balance.amount + Decimal("38.90"), currency="EUR"),
        "entries": (*repeated, *new)})
    before = counts(real_odoo)
    result = run(write_statement(story["tmp"], later, "day1-pm.camt053.xml"))
    assert (result["counts"]["imported"], result["counts"]["already_imported"]) == (2, 2)
    assert Decimal(result["cash_position"][0]["unexplained"]) == 0, result["cash_position"]
    assert result["file"]["warnings"] == []
    after = counts(real_odoo)
    assert (after[LINE] - before[LINE], after[STATEMENT] - before[STATEMENT]) == (2, 1)
    [st] = real_odoo.read(STATEMENT, [["name", "like", "STMT-20261103-PM"]],
                          ["balance_start", "balance_end_real", "balance_end", "is_complete", "is_valid", "line_ids"])
    assert Decimal(str(st["balance_start"])) == day1.closing_balance.amount
    assert Decimal(str(st["balance_end_real"])) == Decimal(str(st["balance_end"])) == later.closing_balance.amount
    assert st["is_complete"] and st["is_valid"] and len(st["line_ids"]) == 2
    again = run(write_statement(story["tmp"], later, "day1-pm-again.camt053.xml"))
    assert again["file"]["warnings"] == [] and counts(real_odoo) == after


def test_an_interim_report_without_closing_then_the_days_statement(real_odoo, story):
    day = date(2026, 11, 4)
    opening = story["statement"].closing_balance.amount + Decimal("38.90")  # where the part-day file closed
    morning = (_entry(day, "10.00", "BANK-20261104-0001", "Coffee"), _entry(day, "-4.00", "BANK-20261104-0002", "Tea"))
    interim = story["statement"].model_copy(update={
        "statement_id": "INTRA-20261104", "sequence": "103", "opening_date": day, "closing_date": None,
        "opening_balance": Money(amount=opening, currency="EUR"), "closing_balance": None, "entries": morning})
    eod = interim.model_copy(update={
        "statement_id": "STMT-20261104", "closing_date": day, "entries": (*morning, _entry(
            day, "2.50", "BANK-20261104-0003", "Interest")),
        "closing_balance": Money(amount=opening + Decimal("8.50"), currency="EUR")})
    a = run(write_statement(story["tmp"], interim, "intra.camt053.xml"))
    assert a["counts"]["imported"] == 2 and any("no closing balance" in w for w in a["file"]["warnings"])
    b = run(write_statement(story["tmp"], eod, "eod.camt053.xml"))
    assert (b["counts"]["imported"], b["counts"]["already_imported"], b["file"]["warnings"]) == (1, 2, [])
    assert Decimal(b["cash_position"][0]["unexplained"]) == 0, b["cash_position"]
    rows = real_odoo.read(STATEMENT, [["name", "in", ["INTRA-20261104", "STMT-20261104"]]],
                          ["name", "balance_start", "balance_end_real", "is_complete", "is_valid", "line_ids"],
                          order="id")
    assert [(r["name"], Decimal(str(r["balance_start"])), Decimal(str(r["balance_end_real"])), len(r["line_ids"]))
            for r in rows] == [("INTRA-20261104", opening, opening + 6, 2),
                               ("STMT-20261104", opening + 6, opening + Decimal("8.50"), 1)]
    assert all(r["is_complete"] and r["is_valid"] for r in rows)


def test_a_journal_whose_bank_account_is_not_the_statements_holds_the_file(real_odoo, story, monkeypatch):
    from typer.testing import CliRunner

    from ofm.cli.main import app
    from ofm.settings import get_settings

    day = date(2026, 11, 5)
    foreign = story["statement"].model_copy(update={
        "account_iban": OTHER_IBAN, "statement_id": "NL-1", "sequence": "1", "opening_date": day - timedelta(days=1),
        "closing_date": day, "opening_balance": Money(amount="0.00", currency="EUR"),
        "closing_balance": Money(amount="5.00", currency="EUR"), "entries": (_entry(day, "5.00", "NL-1", "x"),)})
    path = write_statement(story["tmp"], foreign, "nl.camt053.xml")
    before = counts(real_odoo)
    result = run(path)
    assert result["file"]["held"] or result["file"]["error"]
    reason = result["file"]["error"] or result["file"]["held"][0]
    assert "BNK1" in reason and OTHER_IBAN in reason and COMPANY_IBAN in reason.replace(" ", ""), reason
    assert counts(real_odoo) == before

    settings = story["settings"]
    for key, value in {**real_odoo.env(), "OFM_DATABASE_URL": settings.database_url,
                       "OFM_BANK_ROUTING_FILE": str(settings.bank_routing_file),
                       "OFM_BANK_MATCHING_POLICY": str(settings.bank_matching_policy)}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["run", "bank-reconciliation", "--file", str(path)], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert out.exit_code != 0, out.output
    assert out.output.count(OTHER_IBAN + " is") <= 1 and out.output.count("BNK1") == 1, out.output
    assert counts(real_odoo) == before
