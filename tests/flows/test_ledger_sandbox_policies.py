"""The ledger chapter on the Odoo sandbox: each locked-period policy and the month-end close's reversal, with
what Odoo (the sandbox, following Odoo 19's lock dates and reversal wizard) shows afterwards.

The sandbox's generic chart is completed as the demo does it (`ofm.cli.demo.sandbox_chart`, through the
API as the administrator) and the bundled ledger mappings route ACME-BE to the sandbox's company. The same
chapter runs on a real Odoo 19 in tests/real/test_real_ledger_batch.py and the real close tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from flow_world import world

from chaos.flows import admin_client, october_accrual
from ofm.cli.demo import sandbox_chart, sandbox_ledger_mappings
from ofm.flows.ledger_batch import ledger_batch
from ofm.flows.month_end_close import month_end_close
from ofm.sandbox.ledger import write_samples
from ofm.tasks.shared.resources import use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def ledger(tmp_path):
    with world(tmp_path, suppliers=1) as w:
        settings = w.settings.model_copy(update={"ledger_mapping_dir": sandbox_ledger_mappings(
            tmp_path / "mappings", "Sandbox Company"), "close_dir": tmp_path / "close"})
        with use_resources(replace(w.resources, settings=settings)):
            admin = admin_client(w.sandbox)
            assert sandbox_chart(admin, 1)["accounts"] > 0
            w.admin = admin
            yield w


def moves(w, source: str) -> list[dict]:
    return w.odoo.search_read("account.move", [["ref", "=like", f"ofm:{source}:%"]], ["name", "date", "state", "ref"],
                              order="id")


def test_the_demo_chart_set_up_is_idempotent(ledger):
    assert set(sandbox_chart(ledger.admin, 1).values()) == {0}


def test_each_locked_period_policy_on_the_sandbox(ledger, tmp_path):
    ledger.admin.write("res.company", [1], {"fiscalyear_lock_date": "2026-10-31"})
    write_samples(tmp_path / "late", "2026-10", date(2026, 10, 15), dirty=False)
    result = ledger_batch(source=str(tmp_path / "late"))
    assert result["reconciles"]
    by_source: dict[str, set[str]] = {}
    for ref, e in result["entries"].items():
        by_source.setdefault(ref.split(":")[1], set()).add(e["status"])
    assert by_source == {"payroll": {"deferred"}, "expenses": {"quarantined"}, "sales": {"posted"}}
    assert moves(ledger, "payroll") == [] and moves(ledger, "expenses") == []
    sales = moves(ledger, "sales")  # next_open_date: posted on the first open day, the entry's own date in its ref
    assert [(m["date"], m["state"]) for m in sales] == [("2026-11-01", "posted")] * 2
    assert all(m["name"].startswith("MISC/2026/11/") for m in sales)
    # Odoo computed the VAT lines (451000) from the revenue lines' taxes, as the shop did
    lines = ledger.odoo.search_read("account.move.line", [["move_id", "=", sales[0]["id"]]],
                                    ["account_id", "balance", "display_type"])
    assert sorted(round(r["balance"], 2) for r in lines if r["display_type"] == "tax") == [-212.1, -3.0]


def test_the_november_close_reverses_octobers_accrual_through_the_wizard_once(ledger, tmp_path):
    assert ledger_batch(source=october_accrual(tmp_path / "october"))["counts"]["posted"] == 1
    [accrual] = moves(ledger, "accruals")
    result = month_end_close(period="2026-11")
    entity = result["entities"]["ACME-BE"]
    assert entity["reversed_previous"] is True and entity["verdict"]
    [reversal] = ledger.odoo.search_read("account.move", [["reversed_entry_id", "=", accrual["id"]]],
                                         ["date", "state", "ref", "line_ids"])
    assert reversal["date"] == "2026-11-01" and reversal["state"] == "posted"
    assert reversal["ref"] == f"Reversal of: {accrual['name']}, GRNI 2026-10 reversed by the 2026-11 close"
    lines = {r["account_id"][1].split()[0]: r for r in ledger.odoo.read(
        "account.move.line", reversal["line_ids"], ["account_id", "debit", "credit", "reconciled"])}
    assert (lines["600000"]["credit"], lines["444000"]["debit"]) == (250.0, 250.0)  # debit and credit swapped
    assert lines["444000"]["reconciled"]  # 444000 is reconcilable: Odoo matches the accrual with its reversal
    writes = ledger.odoo_write_calls()
    again = month_end_close(period="2026-11")
    assert again["entities"]["ACME-BE"]["reversed_previous"] is True
    assert ledger.odoo_write_calls() == writes  # found by its link, never reversed twice
    assert len(ledger.odoo.search("account.move", [["reversed_entry_id", "=", accrual["id"]]])) == 1

