"""ledger-batch on the Odoo sandbox, for what needs no chart of accounts: files held whole, a company the
mapping does not route, and what `ofm run ledger-batch` prints and exits with. The postings themselves are
tested on the real Odoo 18 and 19 (tests/real/test_real_ledger_batch.py): the sandbox has the generic chart only."""

from __future__ import annotations

from datetime import date

import pytest
from flow_world import world
from typer.testing import CliRunner

from ofm.cli.main import app
from ofm.flows.ledger_batch import ledger_batch
from ofm.sandbox.ledger import write_samples

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    with world(tmp_path, suppliers=1) as w:
        # the command's flow runs in this process, on the world's resources and the session's Prefect server
        monkeypatch.setattr("ofm.cli.runner.run_flow", lambda name, **params: ledger_batch(**params))
        yield w


def sandbox_delivery(folder, batch_id: str, entries: int) -> tuple:
    """A payroll delivery in the sandbox's generic chart (600000 Expenses, 201000 Current Liabilities) and a
    mapping folder routing ACME-BE to the sandbox's company."""
    from bench.ledger_posting import delivery, mappings

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"payroll-{batch_id}.csv"
    path.write_text(delivery(entries * 10, batch_id, "600000", "201000"))
    return path, mappings(folder / "mappings", "Sandbox Company")


def invoke(*args: str):
    return CliRunner().invoke(app, ["run", "ledger-batch", *args], catch_exceptions=False)


def test_a_file_no_mapping_reads_is_held_whole_and_the_command_exits_3(sandbox, tmp_path):
    path = tmp_path / "ledger-export.txt"
    path.write_text("whatever")
    result = invoke("--source", str(path))
    assert result.exit_code == 3
    assert "0 ledger mappings read this file name" in result.output
    [held] = sandbox.store.list_quarantine(category="technical")
    assert held.record_ref.startswith("ledger:ledger-export.txt@") and held.field == "file"
    assert sandbox.odoo_write_calls() == 0


def test_a_legal_entity_without_an_odoo_company_refuses_every_entry_and_counts_reconcile(sandbox, tmp_path):
    files = write_samples(tmp_path / "drop", "2026-11", date(2026, 11, 30))
    result = ledger_batch(source=str(files["payroll"]))
    assert result["reconciles"] and result["counts"]["quarantined"] == result["counts"]["received"] == 3
    assert all("has no Odoo company" in e["reasons"][0] for e in result["entries"].values())
    assert sandbox.odoo_write_calls() == 0
    out = invoke("--source", str(files["payroll"]))
    assert out.exit_code == 0 and "entries 3: posted 0" in out.output and "quarantined 3" in out.output


def test_answers_lost_after_odoo_committed_and_503s_still_post_each_entry_once(sandbox, tmp_path):
    """Faults the real server cannot be made to produce: a create or a post answered by nobody after Odoo
    committed it, 503s and 429s. The anchor in `ref` finds what landed; nothing is created twice."""
    from ofm.sandbox.odoo import Faults
    from ofm.tasks.shared.resources import use_resources

    path, mapping_dir = sandbox_delivery(tmp_path / "drop", "PAY-FAULTS", 30)
    settings = sandbox.settings.model_copy(update={"ledger_mapping_dir": mapping_dir, "odoo_batch_size": 7})
    sandbox.sandbox.faults = Faults(drop_after_commit_rate=0.3, transient_error_rate=0.1, rate_limit_every=9, seed=3)
    with use_resources(sandbox.resources.__class__(settings=settings, store=sandbox.store, odoo=sandbox.odoo)):
        first = ledger_batch(source=str(path))
        sandbox.sandbox.faults = Faults()
        again = ledger_batch(source=str(path))
    moves = sandbox.odoo.search_read("account.move", [("ref", "=like", "ofm:payroll:PAY-FAULTS:%")],
                                     ["ref", "state", "date"])
    numbers = sorted(int(m["ref"].split("#")[0].rsplit(":", 1)[1]) for m in moves)
    assert numbers == list(range(1, 31)), numbers  # each entry exactly once
    assert {m["state"] for m in moves} == {"posted"} and {m["date"] for m in moves} == {"2026-11-30"}
    assert first["reconciles"] and first["counts"]["posted"] == 30, first["entries"]
    assert again["counts"]["already posted"] == 30 and again["odoo_writes"] == 0
