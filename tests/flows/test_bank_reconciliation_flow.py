"""Bank reconciliation end to end: a camt.053 file paying Odoo's open items, imported and reconciled."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from flow_world import kill_after, odoo_client, outbox_states, revive

from ofm.canonical import BankEntry, BankStatement, Money
from ofm.flows.bank_reconciliation import bank_reconciliation
from ofm.sandbox.bank.documents import day_one, open_items, seed_documents, write_statement
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def bank(tmp_path):
    sandbox = OdooSandbox(company_iban=COMPANY_IBAN)
    odoo = odoo_client(sandbox)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'ofm.db'}", ack_dir=tmp_path / "acks")
    store = Store(settings.database_url)
    store.migrate()
    docs = seed_documents(odoo)
    with use_resources(Resources(settings=settings, store=store, odoo=odoo)):
        yield sandbox, odoo, store, docs, tmp_path


def writes(sandbox: OdooSandbox) -> int:
    return sum(n for (_m, method), n in sandbox.calls.items() if method not in
               {"search_read", "read", "search", "search_count", "fields_get", "context_get"})


def run(path) -> dict:
    return bank_reconciliation(file=str(path), actor="test")


def test_every_way_of_paying_is_reconciled_by_its_rule_and_the_rest_waits_with_suggestions(bank):
    sandbox, odoo, store, docs, tmp = bank
    path, statement, expected = day_one(odoo, tmp)
    result = run(path)
    c = result["counts"]
    assert c["entries"] == c["booked"] == c["imported"] == len(expected)
    assert result["rules"] == dict(Counter(e for e in expected if e != "unmatched"))
    assert c["unmatched"] == expected.count("unmatched")
    assert c["reconciled"] + c["unmatched"] == c["booked"]
    states = Counter(m["payment_state"] for m in odoo.read("account.move", docs["moves"], ["payment_state"]))
    settled_whole = sum(1 for e in expected if e in ("reference", "partner_amount", "fees"))
    assert states["paid"] == settled_whole + 2 * expected.count("multi_invoice")  # one payment, two invoices
    assert states["partial"] == expected.count("partial")
    lines = odoo.search_read("account.bank.statement.line", [], ["is_reconciled", "partner_id", "statement_id"])
    assert sum(line["is_reconciled"] for line in lines) == c["reconciled"]
    assert all(line["partner_id"] for line in lines if line["is_reconciled"]), "a matched line without partner"
    [st] = odoo.search_read("account.bank.statement", [], ["name", "reference", "balance_start", "balance_end_real",
                                                           "balance_end", "is_complete", "is_valid", "line_ids"])
    assert (st["name"], st["reference"]) == ("STMT-20261103", f"ofm:{COMPANY_IBAN}:STMT-20261103")
    assert (st["balance_start"], st["balance_end_real"], st["balance_end"]) == (
        1000.0, float(statement.closing_balance.amount), float(statement.closing_balance.amount))
    assert st["is_complete"] and st["is_valid"] and sorted(st["line_ids"]) == sorted(line["id"] for line in lines)
    held = store.list_quarantine(category="match", limit=100)
    assert len(held) == c["unmatched"]
    ambiguous = [q for q in held if q.reason.startswith("ambiguous")]
    assert len(ambiguous) == 1 and len(ambiguous[0].payload["suggestions"]) == 2
    fee_move = odoo.search_read("account.move", [("ref", "like", "OFM write-off")], ["state"])
    assert [m["state"] for m in fee_move] == ["posted"]
    [position] = result["cash_position"]
    assert Decimal(position["bank_closing"]) == statement.closing_balance.amount
    assert Decimal(position["difference"]) == Decimal("1000.00")  # the opening balance Odoo never saw
    assert Decimal(position["unexplained"]) == 0 and "opening balance: bank 1000.00, Odoo 0.00" in \
        position["explained_by"][0]


def test_the_same_file_again_creates_nothing_and_reconciles_nothing_twice(bank):
    sandbox, odoo, store, docs, tmp = bank
    path, _, expected = day_one(odoo, tmp)
    first = run(path)
    before, open_before = writes(sandbox), len(store.list_quarantine(limit=100))
    again = run(path)
    assert (again["counts"]["imported"], again["counts"]["already_imported"]) == (0, len(expected))
    assert again["counts"]["reconciled"] == 0
    assert writes(sandbox) == before, "a re-import wrote to Odoo"
    assert len(store.list_quarantine(limit=100)) == open_before
    assert first["counts"]["reconciled"] > 0


def _entry(day: date, amount: str, ref: str, text: str) -> BankEntry:
    return BankEntry(booking_date=day, value_date=day, amount=Money(amount=amount, currency="EUR"),
                     bank_reference=ref, remittance=text)


def test_an_overlapping_file_imports_only_what_is_new_and_twin_payments_both_arrive(bank):
    sandbox, odoo, store, docs, tmp = bank
    d1, d2 = date(2026, 11, 4), date(2026, 11, 5)
    twins = [_entry(d1, "10.00", "REUSED", "coffee"), _entry(d1, "10.00", "REUSED", "coffee")]
    first = BankStatement(format="camt.053", account_iban=COMPANY_IBAN, currency="EUR", sequence="201",
                          opening_balance=Money(amount="0.00", currency="EUR"),
                          closing_balance=Money(amount="20.00", currency="EUR"), entries=tuple(twins))
    overlap = BankStatement(format="camt.053", account_iban=COMPANY_IBAN, currency="EUR", sequence="202",
                            opening_balance=Money(amount="0.00", currency="EUR"),
                            closing_balance=Money(amount="25.00", currency="EUR"),
                            entries=(*twins, _entry(d2, "5.00", "NEW-1", "tea")))
    a = run(write_statement(tmp, first, "a.xml"))
    b = run(write_statement(tmp, overlap, "b.xml"))
    assert a["counts"]["imported"] == 2, "two genuine identical payments on one day are two lines"
    assert (b["counts"]["imported"], b["counts"]["already_imported"]) == (1, 2)
    assert len(odoo.search_read("account.bank.statement.line", [], ["amount"])) == 2 + 1 + 0
    # b repeats a's two entries: its 0.00 opening is before them, so it continues a's 20.00 closing
    assert b["file"]["warnings"] == []
    statements = odoo.search_read("account.bank.statement", [], ["balance_start", "balance_end_real", "balance_end",
                                                                 "line_ids", "is_complete", "is_valid"], order="id")
    assert [(s["balance_start"], s["balance_end_real"], len(s["line_ids"])) for s in statements] == \
        [(0.0, 20.0, 2), (20.0, 25.0, 1)]
    assert all(s["is_complete"] and s["is_valid"] for s in statements)
    wrong = overlap.model_copy(update={"sequence": "203", "opening_balance": Money(amount="1.00", currency="EUR"),
                                       "closing_balance": Money(amount="31.00", currency="EUR"),
                                       "entries": (*overlap.entries, _entry(d2, "5.00", "NEW-2", "cake"))})
    c = run(write_statement(tmp, wrong, "c.xml"))
    assert c["counts"]["imported"] == 1 and [w for w in c["file"]["warnings"] if "opening balance 26.00 after the "
                                             "3 entries already imported differs" in w], c["file"]["warnings"]


def test_an_interim_report_then_the_days_statement_make_two_odoo_statements_that_follow_on(bank):
    sandbox, odoo, store, docs, tmp = bank
    d1 = date(2026, 11, 4)
    morning = (_entry(d1, "10.00", "M-1", "coffee"), _entry(d1, "5.00", "M-2", "tea"))
    interim = BankStatement(format="camt.053", statement_id="INTRA-1", account_iban=COMPANY_IBAN, currency="EUR",
                            sequence="301", opening_balance=Money(amount="0.00", currency="EUR"), opening_date=d1,
                            entries=morning)  # no closing balance: an interim (intraday) report
    day = interim.model_copy(update={"statement_id": "EOD-1", "sequence": "302",
                                     "closing_balance": Money(amount="22.00", currency="EUR"), "closing_date": d1,
                                     "entries": (*morning, _entry(d1, "7.00", "A-1", "cake"))})
    a = run(write_statement(tmp, interim, "interim.xml"))
    assert a["counts"]["imported"] == 2 and [w for w in a["file"]["warnings"] if "no closing balance" in w]
    assert Decimal(a["cash_position"][0]["unexplained"]) == 0
    b = run(write_statement(tmp, day, "day.xml"))
    assert (b["counts"]["imported"], b["counts"]["already_imported"], b["file"]["warnings"]) == (1, 2, [])
    assert Decimal(b["cash_position"][0]["unexplained"]) == 0, b["cash_position"]
    statements = odoo.search_read("account.bank.statement", [], ["name", "balance_start", "balance_end_real",
                                                                 "line_ids", "is_complete", "is_valid"], order="id")
    assert [(s["name"], s["balance_start"], s["balance_end_real"], len(s["line_ids"])) for s in statements] == [
        ("INTRA-1", 0.0, 15.0, 2), ("EOD-1", 15.0, 22.0, 1)]
    assert all(s["is_complete"] and s["is_valid"] for s in statements)
    again = run(write_statement(tmp, interim, "interim-again.xml"))
    assert (again["counts"]["imported"], again["file"]["warnings"]) == (0, [])
    d2 = date(2026, 11, 5)
    following = day.model_copy(update={"statement_id": "EOD-2", "sequence": "303", "opening_date": d1,
                                       "opening_balance": Money(amount="22.00", currency="EUR"), "closing_date": d2,
                                       "closing_balance": Money(amount="23.00", currency="EUR"),
                                       "entries": (_entry(d2, "1.00", "B-1", "biscuit"),)})
    c = run(write_statement(tmp, following, "day2.xml"))
    assert (c["counts"]["imported"], c["file"]["warnings"]) == (1, []), "the older file moved the last statement back"


def test_an_unrouted_account_or_a_broken_file_imports_nothing_and_says_why(bank):
    sandbox, odoo, store, docs, tmp = bank
    foreign = BankStatement(format="camt.053", account_iban="NL91ABNA0417164300", currency="EUR",
                            opening_balance=Money(amount="0", currency="EUR"),
                            closing_balance=Money(amount="1.00", currency="EUR"),
                            entries=(_entry(date(2026, 11, 4), "1.00", "X1", "x"),))
    unrouted = run(write_statement(tmp, foreign, "foreign.xml"))
    assert "NL91ABNA0417164300 is not routed" in unrouted["file"]["error"]
    broken = tmp / "broken.xml"
    broken.write_bytes(write_statement(tmp, foreign, "ok.xml").read_bytes()[:400])
    result = run(broken)
    assert "broken.xml" in result["file"]["error"] and "line" in result["file"]["error"]
    wrong = foreign.model_copy(update={"account_iban": COMPANY_IBAN,
                                       "closing_balance": Money(amount="9.99", currency="EUR")})
    held = run(write_statement(tmp, wrong, "wrong.xml"))
    assert held["file"]["held"] and "9.99" in held["file"]["held"][0]
    assert odoo.search_read("account.bank.statement.line", [], ["id"]) == []
    reasons = " ".join(q.reason for q in store.list_quarantine(limit=10))
    assert "not routed" in reasons and "broken.xml" in reasons


def test_a_journal_whose_bank_account_is_not_the_statements_holds_the_file_and_the_command_fails(
        bank, monkeypatch):
    from typer.testing import CliRunner

    from ofm.cli.main import app
    from ofm.settings import get_settings

    sandbox, odoo, store, docs, tmp = bank
    path, _, _ = day_one(odoo, tmp)
    [journal] = odoo.search_read("account.journal", [("code", "=", "BNK1")], ["bank_account_id"])
    odoo.write("res.partner.bank", [journal["bank_account_id"][0]], {"acc_number": "NL91ABNA0417164300"})
    wrong = run(path)
    assert wrong["file"]["error"] == (f"bank account {COMPANY_IBAN} is routed to journal BNK1, whose bank account in "
                                      "Odoo is NL91 ABNA 0417 1643 00: correct the routing file or the journal")
    sandbox.call("account.journal", "write", ids=[journal["id"]], vals={"bank_account_id": False})  # as an admin
    assert "BNK1, which has no bank account in Odoo" in run(path)["file"]["error"]
    assert odoo.search_read("account.bank.statement.line", [], ["id"]) == []
    assert odoo.search_read("account.bank.statement", [], ["id"]) == []
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["run", "bank-reconciliation", "--file", str(path)], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 3, out.output
    assert out.output.count("which has no bank account") == 1, out.output


def test_a_statement_that_does_not_add_up_says_why_once(bank):
    sandbox, odoo, store, docs, tmp = bank
    _, statement, _ = day_one(odoo, tmp)
    wrong = statement.model_copy(update={"closing_balance": Money(amount="1.00", currency="EUR")})
    result = run(write_statement(tmp, wrong, "wrong.xml"))
    assert len(result["file"]["held"]) == 1 and "closing balance is 1.00" in result["file"]["held"][0]
    assert result["summary"].count("closing balance is 1.00") == 1


def test_open_items_are_read_in_one_batched_call(bank):
    sandbox, odoo, store, docs, tmp = bank
    assert len(open_items(odoo)) == len(docs["moves"])
    path, _, _ = day_one(odoo, tmp)
    calls_before = sandbox.count("account.move.line", "search_read")
    run(path)
    # open items, suspense lines, write-off counterparts, cash position: a handful, never one per entry
    assert sandbox.count("account.move.line", "search_read") - calls_before <= 5



def test_the_command_reads_a_watched_folder_and_files_each_statement_away(bank, monkeypatch):
    from typer.testing import CliRunner

    from ofm.cli.main import app
    from ofm.settings import get_settings

    sandbox, odoo, store, docs, tmp = bank
    drop = tmp / "drop"
    drop.mkdir()
    day_one(odoo, drop)
    (drop / "garbage.xml").write_text("<Document><BkToCstmrStmt>")
    monkeypatch.setenv("OFM_BANK_DROP_DIR", str(drop))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["run", "bank-reconciliation"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 3, out.output  # a file was held: a scheduler must see it
    assert "day1.camt053.xml: 14 entries, 14 booked; imported 14" in out.output
    rules = "by rule: fees 1, multi_invoice 1, partial 1, partner_amount 1, reference 7 (match rate 78.6 %)"
    assert rules in out.output
    assert "garbage.xml: nothing imported" in out.output
    assert sorted(p.name for p in (drop / "done").iterdir()) == ["day1.camt053.xml"]
    assert sorted(p.name for p in (drop / "held").iterdir()) == ["garbage.xml"]
    assert [p.name for p in drop.iterdir() if p.is_file()] == []


def test_a_held_file_is_replayed_from_the_inbox_once_its_account_is_routed(bank, monkeypatch):
    from typer.testing import CliRunner

    from ofm.cli.main import app
    from ofm.settings import get_settings

    sandbox, odoo, store, docs, tmp = bank
    foreign = BankStatement(format="camt.053", account_iban="NL91ABNA0417164300", currency="EUR",
                            opening_balance=Money(amount="0", currency="EUR"),
                            closing_balance=Money(amount="3.00", currency="EUR"),
                            entries=(_entry(date(2026, 11, 4), "3.00", "NL-1", "interest"),))
    path = write_statement(tmp, foreign, "nl.xml")
    assert run(path)["file"]["error"]
    path.unlink()  # gone from the drop folder: the replay reads the inbox
    [held] = store.list_quarantine(category="technical", limit=5)
    routing = tmp / "journals.yaml"
    routing.write_text("accounts:\n  NL91ABNA0417164300: {journal: BNK1}\n")
    [journal] = odoo.search_read("account.journal", [("code", "=", "BNK1")], ["bank_account_id"])
    odoo.write("res.partner.bank", [journal["bank_account_id"][0]], {"acc_number": "NL91 ABNA 0417 1643 00"})
    monkeypatch.setenv("OFM_DATABASE_URL", str(store.engine.url.render_as_string(hide_password=False)))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr("ofm.tasks.shared.resources._override.settings",
                        Settings(_env_file=None, database_url=str(store.engine.url), bank_routing_file=routing))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["quarantine", "replay", str(held.id), "--actor", "treasury"],
                                 catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    assert "nl.xml: 1 entries, 1 booked; imported 1" in out.output
    assert store.get_quarantine(held.id).status == "replayed"
    assert [line["amount"] for line in odoo.search_read("account.bank.statement.line", [], ["amount"])] == [3.0]


@pytest.mark.parametrize(("path", "nth"), [
    ("/account.bank.statement/create", 1),        # the statement committed in Odoo, no line yet
    ("/account.bank.statement.line/create", 1),   # lines committed in Odoo, answer never recorded
    ("/account.bank.statement.line/web_save_multi", 1),  # partners set on the matched lines, nothing moved yet
    ("/account.move/action_post", 1),             # write-off entry booked, nothing reconciled yet
    ("/account.move.line/web_save_multi", 1),     # counterparts moved to the receivable, none reconciled
    ("/account.move.line/reconcile", 4),          # killed half way through the reconciliations
])
def test_killed_anywhere_then_run_again_everything_lands_exactly_once(bank, path, nth):
    sandbox, odoo, store, docs, tmp = bank
    file, _, expected = day_one(odoo, tmp)
    kill_after(odoo, sandbox, path, nth)
    with pytest.raises(BaseException):  # noqa: B017 - Prefect may wrap the crash
        run(file)
    revive(odoo, sandbox)
    result = run(file)
    assert len(odoo.search_read("account.bank.statement.line", [], ["id"])) == len(expected)
    [statement] = odoo.search_read("account.bank.statement", [], ["line_ids", "is_complete"])
    assert len(statement["line_ids"]) == len(expected) and statement["is_complete"]
    reconciled = odoo.search_read("account.bank.statement.line", [("is_reconciled", "=", True)], ["partner_id"])
    assert reconciled and all(line["partner_id"] for line in reconciled)
    states = Counter(m["payment_state"] for m in odoo.read("account.move", docs["moves"], ["payment_state"]))
    settled_whole = sum(1 for e in expected if e in ("reference", "partner_amount", "fees"))
    assert states["paid"] == settled_whole + 2 * expected.count("multi_invoice")
    assert states["partial"] == expected.count("partial")
    assert len(odoo.search_read("account.move", [("ref", "like", "OFM write-off")], ["id"])) == 1
    assert result["counts"]["unmatched"] == expected.count("unmatched")
    states = outbox_states(store)
    assert set(states) == {"done"}, f"the outbox still holds unfinished intents: {states}"
    before = writes(sandbox)
    run(file)
    assert writes(sandbox) == before


def test_a_bank_only_production_installation_runs_without_a_procurement_token(bank, monkeypatch):
    """OFM_ENVIRONMENT=production, Odoo set, nothing about procurement: the statement is imported, and the
    first line says which Prefect server keeps the history."""
    from pydantic import SecretStr
    from typer.testing import CliRunner

    from ofm.cli import runner
    from ofm.cli.main import app

    sandbox, odoo, store, docs, tmp = bank
    path, _, expected = day_one(odoo, tmp)
    for name in ("OFM_PROCUREMENT_TOKEN", "OFM_PROCUREMENT_URL", "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    production = Settings(_env_file=None, environment="production", database_url=str(store.engine.url),
                          odoo_url="https://erp.example.com", odoo_db="acme", odoo_login="ofm@example.com",
                          odoo_api_key=SecretStr("3b8e-real-key"))
    assert production.procurement_token is None
    monkeypatch.setattr("ofm.tasks.shared.resources._override.settings", production)
    monkeypatch.setattr(runner, "_target", None)  # announce the server again in this test
    out = CliRunner().invoke(app, ["run", "bank-reconciliation", "--file", str(path)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    first = out.output.splitlines()[0]
    assert first.startswith("Prefect: http://127.0.0.1:") and first.endswith("/api (Prefect settings)")
    assert f"day1.camt053.xml: {len(expected)} entries, {len(expected)} booked; imported {len(expected)}" in out.output


def test_the_audit_trail_of_an_entry_names_the_parser_and_the_matching_policy_by_version(bank):
    import hashlib
    from importlib import metadata

    from ofm.rules.bank.policy import BUNDLED
    from ofm.store.audit_trail import steps

    sandbox, odoo, store, docs, tmp = bank
    path, _statement, expected = day_one(odoo, tmp)
    run(path)
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        refs = conn.execute(sa.text("SELECT record_ref FROM audit_chain WHERE step = 'matched'")).scalars().all()
    assert refs, "the day-one file has entries matched by a rule"
    trail = steps(store.trail(refs[0]))
    by_step = {s.step: s.mapping_version for s in trail}
    policy = "sha256:" + hashlib.sha256(BUNDLED.read_bytes()).hexdigest()[:12]
    assert by_step["matched"] == policy  # the rules that matched it, by the file's digest
    assert by_step["imported"] == f"code:ofm-{metadata.version('odoo-finance-middleware')}"  # the camt parser
