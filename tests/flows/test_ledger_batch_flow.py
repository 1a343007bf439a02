"""ledger-batch on the Odoo sandbox, for what needs no chart of accounts: files held whole, a company the
mapping does not route, and what `ofm run ledger-batch` prints and exits with. The postings themselves are
tested on the real Odoo 19 (tests/real/test_real_ledger_batch.py): the sandbox has the generic chart only."""

from __future__ import annotations

from datetime import date

import pytest
from flow_world import world
from typer.testing import CliRunner

from ofm.control.cli import app
from ofm.flows.ledger_batch import ledger_batch
from ofm.sandbox.ledger import write_samples

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    with world(tmp_path, suppliers=1) as w:
        # the command's flow runs in this process, on the world's resources and the session's Prefect server
        monkeypatch.setattr("ofm.control.runner.run_flow", lambda name, **params: ledger_batch(**params))
        yield w


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
