"""Ledger batches on a real Odoo 19 and 18: what the journal batches of payroll, expenses and a web shop became in Odoo.

Every assertion reads Odoo back (account.move and account.move.line: refs, dates, states, amounts, analytic
distributions, the VAT lines Odoo computed), not what the middleware reports. The story runs in file
order on one database: the November deliveries (two expense reports refused: unbalanced, unknown
account), a re-run that writes nothing, the checks that refuse a whole batch or an entry, October locked
(`fiscalyear_lock_date`) under each policy, a run killed after its first chunk, and a second run refused.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ofm.flows.ledger_batch import ledger_batch
from ofm.sandbox.ledger import expenses_json, payroll_csv, sales_csv, write_samples
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources, use_thread_resources

# The sample deliveries book on accounts and taxes both versions' Belgian chart (be_comp) has: the same
# deliveries and bundled mappings on 18 and 19 (ofm/sandbox/ledger).
pytestmark = pytest.mark.usefixtures("prefect_harness")

NOVEMBER = date(2026, 11, 30)
ANALYTIC = ("Administration", "Sales", "Operations")


@pytest.fixture(scope="module")
def story(real_odoo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real-ledger")
    (tmp / "empty-drop").mkdir()
    client = real_odoo.client()
    [plan] = client.search_read("account.analytic.plan", [], ["name"], limit=1)
    analytic = dict(zip(ANALYTIC, client.create("account.analytic.account",
                                                [{"name": n, "plan_id": plan["id"]} for n in ANALYTIC]), strict=True))
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'ofm.db'}", ack_dir=tmp / "acks",
                        odoo_batch_size=2)
    store = Store(settings.database_url)
    store.migrate()
    with use_resources(Resources(settings=settings, store=store, odoo=client)):
        yield {"client": client, "tmp": tmp, "store": store, "settings": settings, "analytic": analytic,
               "company": client.search_read("res.company", [], ["id"], limit=1)[0]["id"]}


def run(path: Path | None = None) -> dict:
    return ledger_batch(source=str(path) if path else None, actor="real-test")


def moves(real_odoo, prefix: str) -> list[dict]:
    """The account.moves whose ref starts with `prefix`, as Odoo holds them."""
    return real_odoo.read("account.move", [["ref", "=like", prefix + "%"]],
                          ["ref", "name", "date", "state", "move_type", "journal_id"], order="id")


def lines_of(real_odoo, move_id: int) -> list[dict]:
    return real_odoo.read("account.move.line", [["move_id", "=", move_id]],
                          ["account_id", "debit", "credit", "analytic_distribution", "tax_ids", "tax_line_id", "name"],
                          order="id")


def code(line: dict) -> str:
    return line["account_id"][1].split(" ")[0]


def drop(story, name: str, text: str) -> Path:
    folder = story["tmp"] / f"drop-{name}"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def open_quarantine(story, ref: str) -> list:
    return [q for q in story["store"].list_quarantine(status="open", limit=10_000) if q.record_ref == ref]


def set_lock(client, company: int, **dates) -> None:
    client.call("res.company", "write", args=[[company], {k: (v.isoformat() if v else False)
                                                         for k, v in dates.items()}])


# ---- November: the three deliveries ------------------------------------------------------------------


def test_the_november_deliveries_land_in_odoo_as_booked(real_odoo, story):
    files = write_samples(story["tmp"] / "november", "2026-11", NOVEMBER)
    result = run(files["payroll"].parent)
    assert result["reconciles"], result["counts"]
    assert result["counts"] == {"received": 9, "posted": 7, "already posted": 0, "quarantined": 2, "deferred": 0,
                                "in progress elsewhere": 0}

    payroll = moves(real_odoo, "ofm:payroll:PAY-2026-11:")
    assert [(m["state"], m["date"], m["move_type"], m["journal_id"][1]) for m in payroll] == \
        [("posted", "2026-11-30", "entry", "Miscellaneous Operations")] * 3
    first = lines_of(real_odoo, payroll[0]["id"])
    assert {code(x) for x in first} == {"620200", "621000", "453000", "454000", "455000"}
    assert sum(x["debit"] for x in first) == pytest.approx(sum(x["credit"] for x in first))
    gross = next(x for x in first if code(x) == "620200")
    a = story["analytic"]
    assert gross["analytic_distribution"] == {str(a["Administration"]): 60.0, str(a["Sales"]): 40.0}

    sales = moves(real_odoo, "ofm:sales:WEB-2026-11-30:")
    assert [m["date"] for m in sales] == ["2026-11-29", "2026-11-30"]
    day = lines_of(real_odoo, sales[0]["id"])
    vat = [x for x in day if x["tax_line_id"]]  # computed by Odoo from the revenue lines' taxes
    assert sorted((code(x), x["credit"]) for x in vat) == [("451000", 3.0), ("451000", 212.1)]
    revenue = [x for x in day if code(x) == "700000"]
    tax_names = {t["id"]: t["name"] for t in real_odoo.read("account.tax", [["id", "in", [
        i for x in revenue for i in x["tax_ids"]]]], ["name", "type_tax_use"]) if t["type_tax_use"] == "sale"}
    assert sorted((x["credit"], [tax_names[i] for i in x["tax_ids"]]) for x in revenue) == \
        [(50.0, ["6%"]), (1010.0, ["21%"])]

    expenses = moves(real_odoo, "ofm:expenses:EXP-2026-11-30:")
    assert sorted(m["ref"].split("#")[0].rsplit(":", 1)[1] for m in expenses) == ["ER-1", "ER-4"]
    trip = lines_of(real_odoo, next(m for m in expenses if ":ER-1#" in m["ref"])["id"])
    assert sorted((code(x), x["debit"], x["credit"]) for x in trip) == \
        [("455000", 0.0, 225.5), ("623000", 45.5, 0.0), ("623000", 180.0, 0.0)]
    [unbalanced] = open_quarantine(story, "ledger:expenses:EXP-2026-11-30:ER-2")
    assert unbalanced.field == "lines" and "does not balance" in unbalanced.reason and "1.00 EUR" in unbalanced.reason
    [unknown] = open_quarantine(story, "ledger:expenses:EXP-2026-11-30:ER-3")
    assert unknown.field == "lines[0].account_code" and "616999 does not exist" in unknown.reason
    assert unknown.owner_team == "accounting"


def test_a_second_run_of_the_same_deliveries_writes_nothing(real_odoo, story):
    before = moves(real_odoo, "ofm:")
    result = run(story["tmp"] / "november")
    assert result["odoo_writes"] == 0
    assert result["counts"]["already posted"] == 7 and result["counts"]["posted"] == 0
    assert moves(real_odoo, "ofm:") == before


# ---- checks that refuse a batch or an entry ----------------------------------------------------------


def test_control_totals_that_do_not_match_the_trailer_refuse_the_whole_batch(real_odoo, story):
    path = drop(story, "payroll-bad-trailer.csv", payroll_csv("PAY-2026-11-B", "2026-11", NOVEMBER,
                                                              trailer_debit=Decimal("1.00")))
    result = run(path)
    assert moves(real_odoo, "ofm:payroll:PAY-2026-11-B:") == []
    assert result["counts"]["quarantined"] == 3
    [q] = open_quarantine(story, "ledger:payroll:PAY-2026-11-B:1")
    assert "control totals: the trailer says debit 1.00" in q.reason


def test_a_batch_id_posted_before_with_other_content_is_refused_naming_the_odoo_entries(real_odoo, story):
    posted = moves(real_odoo, "ofm:payroll:PAY-2026-11:")
    path = drop(story, "payroll-again.csv", payroll_csv("PAY-2026-11", "2026-11", NOVEMBER, employees_per_entry=2))
    result = run(path)
    assert moves(real_odoo, "ofm:payroll:PAY-2026-11:") == posted
    assert result["odoo_writes"] == 0 and result["counts"]["quarantined"] == 3
    [q] = open_quarantine(story, "ledger:payroll:PAY-2026-11:1")
    assert q.field == "batch_id" and "already posted with other content" in q.reason
    assert posted[0]["name"] in q.reason


def test_an_entry_repeated_under_another_batch_id_is_refused_naming_what_it_repeats(real_odoo, story):
    before = {m["ref"].split("#")[0].rsplit(":", 1)[1]: m for m in moves(real_odoo, "ofm:expenses:EXP-2026-11-30:")}
    path = drop(story, "expenses-resent.json", expenses_json("EXP-RESENT", "2026-11", NOVEMBER, dirty=False))
    result = run(path)
    entries = result["entries"]
    for number in ("ER-1", "ER-4"):
        assert entries[f"ledger:expenses:EXP-RESENT:{number}"]["status"] == "quarantined"
        assert f"repeats {before[number]['name']}" in entries[f"ledger:expenses:EXP-RESENT:{number}"]["reasons"][0]
    assert sorted(m["ref"].split("#")[0].rsplit(":", 1)[1] for m in moves(real_odoo, "ofm:expenses:EXP-RESENT:")) \
        == ["ER-2", "ER-3"]  # corrected (balanced, a known account): new content, posted


def test_taxes_analytic_codes_and_distributions_are_checked_before_posting(real_odoo, story):
    def report(number: str, **line: object) -> dict:
        return {"report": number, "approved_on": "2026-11-30", "title": number, "lines": [
            {"account": "623000", "debit": "50.00", **line}, {"account": "455000", "credit": "50.00"}]}

    doc = {"batch": {"id": "EXP-CODES", "entity": "ACME-BE", "period": "2026-11"}, "reports": [
        report("ER-10", cost_centers={"SALES": "60", "ADMIN": "30"}), report("ER-11", tax="VAT99"),
        report("ER-12", cost_centers={"MARKETING": "100"}), report("ER-13", cost_centers={"OPS": "100"}),
        {**report("ER-14"), "approved_on": "2026-12-01"}],
        "control": {"reports": 5}}
    result = run(drop(story, "expenses-codes.json", json.dumps(doc)))
    reasons = {k.rsplit(":", 1)[1]: v["reasons"][0] if v["reasons"] else v["status"]
               for k, v in result["entries"].items()}
    assert "sums to 90 %" in reasons["ER-10"]
    assert "tax code VAT99 is not mapped" in reasons["ER-11"]
    assert "analytic code MARKETING is not mapped" in reasons["ER-12"]
    assert "outside the batch's period 2026-11" in reasons["ER-14"]
    [posted] = moves(real_odoo, "ofm:expenses:EXP-CODES:")
    assert posted["ref"].startswith("ofm:expenses:EXP-CODES:ER-13#")


# ---- locked periods ------------------------------------------------------------------------------------


def test_odoo_itself_silently_redates_an_entry_posted_into_a_locked_period(real_odoo, story):
    """What the middleware protects against, shown on this server: posted directly, the date moves."""
    client = story["client"]
    set_lock(client, story["company"], fiscalyear_lock_date=date(2026, 10, 31))
    [journal] = client.search_read("account.journal", [("code", "=", "MISC")], ["id"])
    rows = client.search_read("account.account", [("code", "in", ["623000", "440000"])], ["code"])
    accounts = {a["code"]: a["id"] for a in rows}
    [move_id] = client.create("account.move", [{"move_type": "entry", "journal_id": journal["id"], "date": "2026-10-15",
                                                "ref": "direct-into-a-locked-period", "line_ids": [
        [0, 0, {"account_id": accounts["623000"], "debit": 10.0}],
        [0, 0, {"account_id": accounts["440000"], "credit": 10.0}]]}])
    client.call("account.move", "action_post", ids=[move_id])
    [row] = client.read("account.move", [move_id], ["date", "state"])
    assert row["state"] == "posted" and row["date"] != "2026-10-15"  # no error, another date


def test_locked_october_refuse_defer_and_next_open_date_never_let_odoo_redate(real_odoo, story):
    october = date(2026, 10, 15)
    folder = story["tmp"] / "october"
    folder.mkdir()
    (folder / "payroll-2026-10.csv").write_text(payroll_csv("PAY-2026-10", "2026-10", october, entries=2))
    (folder / "expenses-2026-10-15.json").write_text(expenses_json("EXP-2026-10-15", "2026-10", october, dirty=False))
    (folder / "sales-2026-10-15.csv").write_text(sales_csv("WEB-2026-10-15", "2026-10", [october]))
    result = run(folder)
    assert result["reconciles"]
    assert result["counts"]["deferred"] == 2  # payroll: defer
    assert moves(real_odoo, "ofm:payroll:PAY-2026-10:") == []
    assert moves(real_odoo, "ofm:expenses:EXP-2026-10-15:") == []  # expenses: refuse
    refused = open_quarantine(story, "ledger:expenses:EXP-2026-10-15:ER-1")
    assert refused[0].category == "period" and "Global Lock Date 2026-10-31" in refused[0].reason
    [moved] = moves(real_odoo, "ofm:sales:WEB-2026-10-15:")  # sales: the first open date, its own date in ref
    assert (moved["state"], moved["date"]) == ("posted", "2026-11-01")
    assert moved["ref"].endswith("(original date 2026-10-15)")
    trail = story["store"].trail("ledger:sales:WEB-2026-10-15:1")
    assert [r.summary["original_date"] for r in trail if r.step == "posted"] == ["2026-10-15"]
    [deferred] = open_quarantine(story, "ledger:payroll:PAY-2026-10:1")
    assert deferred.category == "deferred"

    again = run(story["tmp"] / "empty-drop")  # still locked: the deferred entries wait, nothing is written
    assert again["counts"]["deferred"] == 2 and again["odoo_writes"] == 0

    set_lock(story["client"], story["company"], fiscalyear_lock_date=None)  # accounting reopens October
    opened = run(story["tmp"] / "empty-drop")
    assert opened["counts"]["posted"] == 2, opened["entries"]
    payroll = moves(real_odoo, "ofm:payroll:PAY-2026-10:")
    assert [(m["state"], m["date"]) for m in payroll] == [("posted", "2026-10-15")] * 2  # its own date
    assert open_quarantine(story, "ledger:payroll:PAY-2026-10:1") == []
    assert run(story["tmp"] / "empty-drop")["counts"]["received"] == 0


def test_a_deferred_entry_approved_by_a_person_is_posted_on_the_first_open_date_the_rest_waits(real_odoo, story):
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    set_lock(story["client"], story["company"], fiscalyear_lock_date=date(2026, 10, 31))
    try:
        path = drop(story, "payroll-2026-10-approve.csv",
                    payroll_csv("PAY-APPROVE", "2026-10", date(2026, 10, 20), entries=2))
        assert run(path)["counts"]["deferred"] == 2
        [first] = open_quarantine(story, "ledger:payroll:PAY-APPROVE:1")
        env = {**os.environ, **real_odoo.env(), "OFM_DATABASE_URL": story["settings"].database_url,
               "OFM_ENVIRONMENT": "sandbox", "PREFECT_API_URL": PREFECT_API_URL.value()}
        done = subprocess.run([sys.executable, "-m", "ofm.cli.main", "quarantine", "replay", str(first.id),
                               "--actor", "controller-anna"], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"quarantine entry {first.id}: resolved" in done.stdout
        [approved] = moves(real_odoo, "ofm:payroll:PAY-APPROVE:1#")
        assert (approved["state"], approved["date"]) == ("posted", "2026-11-01")   # not Odoo's silent re-date
        assert approved["ref"].endswith("(original date 2026-10-20)")
        assert moves(real_odoo, "ofm:payroll:PAY-APPROVE:2#") == [], "the entry nobody approved still waits"
        assert open_quarantine(story, "ledger:payroll:PAY-APPROVE:2")[0].category == "deferred"
        trail = story["store"].trail("ledger:payroll:PAY-APPROVE:1")
        assert [r.summary["approved_by"] for r in trail if r.step == "approved"] == ["controller-anna"]
        assert [r.actor for r in trail if r.step == "approved"] == ["controller-anna"]
        again = run(path)  # the same delivery again while its waiting entry is in the deferred queue: one entry
        assert again["reconciles"] and again["counts"]["received"] == 2, again["counts"]
        assert (again["counts"]["already posted"], again["counts"]["deferred"]) == (1, 1)
    finally:
        set_lock(story["client"], story["company"], fiscalyear_lock_date=None)
    assert run(story["tmp"] / "empty-drop")["counts"]["posted"] == 1    # October open again: the other, its own date
    [second] = moves(real_odoo, "ofm:payroll:PAY-APPROVE:2#")
    assert (second["state"], second["date"]) == ("posted", "2026-10-20")


# ---- a run killed halfway, a second run at the same time ----------------------------------------------------


def test_a_run_killed_after_its_first_chunk_is_resumed_exactly_once(real_odoo, story, monkeypatch):
    client = story["client"]
    path = drop(story, "payroll-crash.csv", payroll_csv("PAY-CRASH", "2026-11", NOVEMBER, entries=5))
    real_create, calls = client.create, []

    def dies_after_the_first_chunk(model, vals_list, context=None):
        if model == "account.move":
            calls.append(len(vals_list))
            if len(calls) == 2:
                raise RuntimeError("killed after the first chunk")
        return real_create(model, vals_list, context)

    monkeypatch.setattr(client, "create", dies_after_the_first_chunk)
    with pytest.raises(RuntimeError, match="killed"):
        run(path)
    landed = moves(real_odoo, "ofm:payroll:PAY-CRASH:")
    assert [(m["state"]) for m in landed] == ["posted", "posted"]  # the first chunk (batch size 2)
    monkeypatch.setattr(client, "create", real_create)

    result = run(path)
    assert result["counts"]["posted"] == 3 and result["counts"]["already posted"] == 2
    numbers = [m["ref"].split("#")[0].rsplit(":", 1)[1] for m in moves(real_odoo, "ofm:payroll:PAY-CRASH:")]
    assert sorted(numbers) == ["1", "2", "3", "4", "5"]  # each exactly once
    assert run(path)["odoo_writes"] == 0


def test_a_run_killed_between_create_and_post_leaves_drafts_the_next_run_posts(real_odoo, story, monkeypatch):
    client = story["client"]
    path = drop(story, "payroll-drafts.csv", payroll_csv("PAY-DRAFTS", "2026-11", NOVEMBER, entries=2))
    real_call = client.call

    def dies_at_post(model, method, *args, **kwargs):
        if method == "action_post":
            raise RuntimeError("killed before posting")
        return real_call(model, method, *args, **kwargs)

    monkeypatch.setattr(client, "call", dies_at_post)
    with pytest.raises(RuntimeError):
        run(path)
    monkeypatch.setattr(client, "call", real_call)
    assert [m["state"] for m in moves(real_odoo, "ofm:payroll:PAY-DRAFTS:")] == ["draft", "draft"]
    result = run(path)
    assert result["counts"]["posted"] == 2
    assert [(m["state"], m["date"]) for m in moves(real_odoo, "ofm:payroll:PAY-DRAFTS:")] == \
        [("posted", "2026-11-30")] * 2


def test_a_second_run_on_the_same_company_and_period_is_refused_not_queued(real_odoo, story):
    path = drop(story, "payroll-busy.csv", payroll_csv("PAY-BUSY", "2026-11", NOVEMBER, entries=2))
    slow, holding, go_on = real_odoo.client(), threading.Event(), threading.Event()
    real_create, first = slow.create, {}

    def waits_while_holding_the_lock(model, vals_list, context=None):
        if model == "account.move" and not holding.is_set():
            holding.set()
            go_on.wait(120)
        return real_create(model, vals_list, context)

    slow.create = waits_while_holding_the_lock

    def first_run() -> None:
        res = Resources(settings=story["settings"], store=Store(story["settings"].database_url), odoo=slow)
        with use_thread_resources(res):
            first["result"] = run(path)

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert holding.wait(120)
        second = run(path)
    finally:
        go_on.set()
        thread.join(300)
    assert second["refused_runs"] and "one run per company and period" in second["refused_runs"][0]
    assert second["odoo_writes"] == 0 and second["counts"]["in progress elsewhere"] == 2
    assert first["result"]["counts"]["posted"] == 2
    assert len(moves(real_odoo, "ofm:payroll:PAY-BUSY:")) == 2


def test_a_vat_line_odoo_computes_otherwise_is_refused_and_nothing_of_it_stays_in_odoo(real_odoo, story):
    """The shop rounded its VAT down (210.00 for 21 % of 1,010.00): Odoo computes 212.10 from the tax on the
    revenue line. The entry is refused with what differs; its neighbour in the same chunk is posted."""
    text = sales_csv("WEB-VAT", "2026-11", [date(2026, 11, 28), date(2026, 11, 27)])
    rows = text.splitlines()
    rows = [r.replace("1275.10", "1273.00").replace(",212.10,", ",210.00,") if ",1,2026-11-28," in r else r
            for r in rows]
    rows[-1] = rows[-1].replace("2562.30", "2560.20")
    result = run(drop(story, "sales-vat.csv", "\n".join(rows) + "\n"))
    entries = result["entries"]
    assert entries["ledger:sales:WEB-VAT:2"]["status"] == "posted"
    refused = entries["ledger:sales:WEB-VAT:1"]
    assert refused["status"] == "quarantined" and "451000" in refused["reasons"][0], refused
    assert [m["ref"].split("#")[0] for m in moves(real_odoo, "ofm:sales:WEB-VAT:")] == ["ofm:sales:WEB-VAT:2"]
    assert run(story["tmp"] / "drop-sales-vat.csv")["odoo_writes"] == 0  # refused again, without a write


def test_an_expense_report_with_purchase_vat_books_odoos_own_vat_line(real_odoo, story):
    """The expense mapping's tax codes are Odoo purchase taxes (`tax_use: purchase`): be_comp 19 has a sale and
    a purchase tax named "21% S", so by name alone the code would be ambiguous and refused. Odoo computes the
    VAT line from the base line's tax; it is the one the report carries, on the tax's own account."""
    doc = {"batch": {"id": "EXP-VAT", "entity": "ACME-BE", "period": "2026-11"}, "reports": [
        {"report": "ER-20", "approved_on": "2026-11-29", "title": "Hotel with VAT", "lines": [
            {"account": "623000", "debit": "100.00", "tax": "VAT21S", "text": "Hotel"},
            {"account": "411000", "debit": "21.00", "tax": "VAT21S", "tax_amount_line": "1", "text": "VAT 21%"},
            {"account": "455000", "credit": "121.00", "text": "Due to the employee"}]}],
        "control": {"reports": 1, "total_debit": "121.00", "total_credit": "121.00", "lines": 3}}
    result = run(drop(story, "expenses-vat.json", json.dumps(doc)))
    assert result["entries"]["ledger:expenses:EXP-VAT:ER-20"]["status"] == "posted", result["entries"]
    [move] = moves(real_odoo, "ofm:expenses:EXP-VAT:")
    assert move["state"] == "posted" and move["date"] == "2026-11-29"
    lines = lines_of(real_odoo, move["id"])
    [base] = [x for x in lines if code(x) == "623000"]
    [vat] = [x for x in lines if x["tax_line_id"]]
    taxes = real_odoo.read("account.tax", [["id", "in", base["tax_ids"]]], ["name", "type_tax_use"])
    assert [(t["name"], t["type_tax_use"]) for t in taxes] == [("21% S", "purchase")]
    assert (code(vat), vat["debit"], vat["tax_line_id"][0]) == ("411000", 21.0, taxes[0]["id"])
    assert sorted((code(x), x["debit"], x["credit"]) for x in lines) == [
        ("411000", 21.0, 0.0), ("455000", 0.0, 121.0), ("623000", 100.0, 0.0)]
