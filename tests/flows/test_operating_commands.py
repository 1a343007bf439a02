"""The operating commands on a store that a real run filled: quarantine, audit, help, errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flow_world import world
from typer.testing import CliRunner

from ofm.cli.main import app
from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.settings import get_settings

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """One onboarding run; the CLI then reads the same store through OFM_DATABASE_URL."""
    tmp = tmp_path_factory.mktemp("ops")
    with world(tmp, suppliers=40) as w:
        result = supplier_onboarding(actor="ops-test")
        yield w, result


@pytest.fixture
def cli(filled, monkeypatch):
    w, _ = filled
    monkeypatch.setenv("OFM_DATABASE_URL", w.settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def invoke(runner: CliRunner, *args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_quarantine_list_and_show_name_the_record_field_and_reason(cli, filled):
    w, _ = filled
    rows = w.store.list_quarantine(limit=100)
    out = invoke(cli, "quarantine", "list", "--limit", "100")
    assert out.exit_code == 0
    for row in rows:
        assert row.record_ref in out.output
    shown = invoke(cli, "quarantine", "show", str(rows[0].id))
    assert shown.exit_code == 0
    assert rows[0].reason[:40] in shown.output and rows[0].record_ref in shown.output
    assert '"id": "' in shown.output  # the raw record as received
    missing = invoke(cli, "quarantine", "show", "999999")
    assert missing.exit_code == 1


def test_discard_closes_an_entry_once_and_leaves_an_audit_row(cli, filled):
    w, _ = filled
    row = w.store.list_quarantine(category="business", limit=1)[0]
    out = invoke(cli, "quarantine", "discard", str(row.id), "--note", "supplier left the platform",
                 "--actor", "alice")
    assert out.exit_code == 0
    assert w.store.get_quarantine(row.id).status == "discarded"
    assert w.store.get_quarantine(row.id).decided_by == "alice"
    again = invoke(cli, "quarantine", "discard", str(row.id), "--note", "twice")
    assert again.exit_code == 1
    assert "quarantine-discarded" in [a.step for a in w.store.trail(row.record_ref)]


def test_audit_trail_shows_the_journey_and_verify_finds_an_edited_row(cli, filled):
    w, result = filled
    created = next(a for a in w.acks().values() if a["status"] == "created")
    out = invoke(cli, "audit", "trail", f"procurement:{created['external_id']}")
    assert out.exit_code == 0
    assert "received" in out.output and "loaded" in out.output and result["flow_run_id"][:8] in out.output
    assert invoke(cli, "audit", "trail", "procurement:NOPE").exit_code == 1
    ok = invoke(cli, "audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.output
    victim = w.store.trail(f"procurement:{created['external_id']}")[2]
    engine = sa.create_engine(w.settings.database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_chain SET actor = 'mallory' WHERE id = :id"), {"id": victim.id})
    broken = invoke(cli, "audit", "verify")
    assert broken.exit_code == 1 and str(victim.id) in broken.output
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_chain SET actor = :a WHERE id = :id"),
                     {"a": victim.actor, "id": victim.id})


@pytest.mark.parametrize("command", [[], ["run"], ["run", "supplier-onboarding"], ["quarantine"],
                                     ["quarantine", "replay"], ["audit"], ["audit", "verify"], ["odoo", "check"],
                                     ["sandbox", "odoo"], ["sandbox", "procurement"], ["db", "upgrade"], ["demo"]])
def test_every_command_explains_itself(command):
    out = CliRunner().invoke(app, [*command, "--help"])
    assert out.exit_code == 0
    assert "Usage" in out.output and len(out.output.splitlines()) > 4


def test_a_missing_source_file_is_one_line_not_a_traceback(cli, tmp_path):
    out = cli.invoke(app, ["run", "supplier-onboarding", "--source", str(tmp_path / "nope.csv")])
    assert out.exit_code == 1
    assert "nope.csv" in out.output and "Traceback" not in out.output


def test_a_journal_entry_refused_by_its_checks_is_not_replayed_and_the_way_is_said(cli, filled):
    from ofm.store import QuarantineEntry

    w, _ = filled
    [row] = w.store.quarantine([QuarantineEntry(
        record_ref="ledger:expenses:EXP-1:ER-3", source="ledger/expenses", object_type="journal-entry",
        category="business", reason="lines[0].account_code: account 616999 does not exist in Odoo",
        field="lines[0].account_code", owner_team="accounting", payload={"report": "ER-3"},
        correlation_id="c", flow_run_id="r")])
    out = invoke(cli, "quarantine", "replay", str(row.id))
    assert out.exit_code == 1
    assert "delivering its batch again" in out.output and "only a deferred entry" in out.output
    assert w.store.get_quarantine(row.id).status == "open", "nothing was run for it"
