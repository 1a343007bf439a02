"""`ofm audit trail REF`: from intake to the Odoo id, each step with its flow run, actor and mapping version.

The mapping version is recorded by the shared `audit_rows` helper (every flow's rows pass through it) for
any summary that names its mapping; the trail carries it to every step of that record in that run.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from importlib import metadata

import pytest
from typer.testing import CliRunner

from ofm.mappings.engine import bundled_mapping
from ofm.mappings.ledger import BUNDLED_DIR
from ofm.settings import Settings
from ofm.store.audit_trail import odoo_target, steps
from ofm.tasks.shared.audit import audit_rows, mapping_version
from ofm.tasks.shared.resources import Resources, use_resources
from ofm.tasks.shared.runinfo import RunInfo

REF = "procurement:SUP-000123"


def digest(path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@pytest.fixture
def journey(store, store_url):
    """Two runs of one supplier: received, mapped (with its mapping), created in Odoo; then updated."""
    settings = Settings(_env_file=None, database_url=store_url)
    first = RunInfo(run_id="r1", flow_run_id="0b6f3c1e-0000-4000-8000-000000000001", flow_name="supplier-onboarding",
                    actor="scheduler")
    second = RunInfo(run_id="r2", flow_run_id="0b6f3c1e-0000-4000-8000-000000000002",
                     flow_name="supplier-onboarding", actor="alice")
    with use_resources(Resources(settings=settings, store=store, odoo=None)):
        for run in (first, second):
            corr = run.correlation_id(REF)
            audit_rows(run, "received", [(REF, corr, {"inbox_id": 1, "sha256": "ab" * 32})])
            audit_rows(run, "mapped", [(REF, corr, {"mapping": "procurement/supplier", "vat": "DE123"})])
        audit_rows(first, "created", [(REF, first.correlation_id(REF), {"odoo_model": "res.partner", "odoo_id": 42})])
        audit_rows(second, "updated", [(REF, second.correlation_id(REF), {"odoo_id": 42, "fields": ["city"]})])
        yield store


def test_audit_rows_record_the_version_of_the_mapping_a_summary_names(journey):
    mapped = [r for r in journey.trail(REF) if r.step == "mapped"]
    assert [r.summary["mapping_version"] for r in mapped] == [digest(bundled_mapping("procurement/supplier"))] * 2
    assert all("mapping_version" not in r.summary for r in journey.trail(REF) if r.step != "mapped")
    assert journey.verify_audit().ok


def test_a_mapping_version_is_a_file_digest_or_the_release_of_a_mapping_written_as_code(store, store_url):
    with use_resources(Resources(settings=Settings(_env_file=None, database_url=store_url), store=store, odoo=None)):
        assert mapping_version("payroll.yaml") == digest(BUNDLED_DIR / "payroll.yaml")  # a ledger mapping
        assert mapping_version("procurement/supplier_csv") == digest(bundled_mapping("procurement/supplier_csv"))
        assert mapping_version("procurement/invoice") == f"code:ofm-{metadata.version('odoo-finance-middleware')}"


def test_the_trail_carries_the_version_across_a_run_and_names_the_odoo_record(journey):
    trail = steps(journey.trail(REF))
    assert [(s.step, s.actor, s.flow_run_id[-1]) for s in trail] == [
        ("received", "scheduler", "1"), ("mapped", "scheduler", "1"), ("received", "alice", "2"),
        ("mapped", "alice", "2"), ("created", "scheduler", "1"), ("updated", "alice", "2")]
    assert {s.mapping_version for s in trail} == {digest(bundled_mapping("procurement/supplier"))}
    assert [(s.odoo_model, s.odoo_id) for s in trail][-2:] == [("res.partner", 42), ("res.partner", 42)]


@pytest.mark.parametrize(("summary", "step", "known", "target"), [
    ({"odoo_model": "purchase.order", "odoo_id": 7}, "created", None, ("purchase.order", 7)),
    ({"odoo_id": 7}, "confirmed", "purchase.order", ("purchase.order", 7)),
    ({"odoo_id": 9, "move_type": "in_invoice"}, "bill-created", None, ("account.move", 9)),
    ({"account.move": 11, "name": "MISC/2026/05/0001"}, "posted", None, ("account.move", 11)),
    ({"statement_line": 5, "rule": "exact"}, "reconciled", None, ("account.bank.statement.line", 5)),
    ({"inbox_id": 3, "passed": True}, "checked", None, (None, None)),
])
def test_odoo_target_reads_the_words_each_task_uses(summary, step, known, target):
    assert odoo_target(summary, step, known) == target


def test_the_cli_shows_the_table_and_the_json(journey, store_url, monkeypatch):
    from ofm.cli.main import app
    from ofm.settings import get_settings

    monkeypatch.setenv("OFM_DATABASE_URL", store_url)
    get_settings.cache_clear()
    try:
        text = CliRunner().invoke(app, ["audit", "trail", REF])
        assert text.exit_code == 0, text.output
        lines = text.output.splitlines()
        assert lines[0] == f"{REF}: 6 steps in 2 flow runs; in Odoo: res.partner 42"
        created = next(line for line in lines if " created " in line)
        for shown in ("0b6f3c1e-0000-4000-8000-000000000001", "scheduler", "sha256:", "res.partner 42"):
            assert shown in created
        as_json = json.loads(CliRunner().invoke(app, ["audit", "trail", REF, "--json"]).stdout)
        assert as_json["odoo"] == ["res.partner 42"] and len(as_json["runs"]) == 2
        assert as_json["steps"][0]["mapping_version"].startswith("sha256:") and len(as_json["steps"][0]["hash"]) == 64
    finally:
        get_settings.cache_clear()


def test_the_trail_command_never_imports_prefect(journey, store_url):
    code = ("import sys; from typer.testing import CliRunner; from ofm.cli.main import app; "
            f"r = CliRunner().invoke(app, ['audit', 'trail', {REF!r}]); "
            "assert r.exit_code == 0, r.output; print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                          env={"OFM_DATABASE_URL": store_url, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
