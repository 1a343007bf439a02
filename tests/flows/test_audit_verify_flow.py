"""The audit-verify flow on the session's Prefect server: its artifact says "chain intact: N rows" with the
head, or names the first broken row and what differs, and a broken chain ends the run Failed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from ofm.flows.audit_verify import AuditChainBroken, audit_verify
from ofm.settings import Settings
from ofm.store import AuditEntry, Store
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def chain(store_url):
    """Five audit rows in a store the flow finds through the installed settings."""
    store = Store(store_url)
    store.migrate()
    store.audit([AuditEntry(f"corr-{i}", "run-1", "scheduler", "received", "procurement:SUP-1", {"i": i})
                 for i in range(5)])
    with use_resources(Resources(settings=Settings(_env_file=None, database_url=store_url), store=store, odoo=None)):
        yield store
    store.close()


def artifact_of(flow_run_id) -> str:
    """The run's markdown artifact, read back from the Prefect server."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    ours = [a for a in found if a.key == "audit-chain"]  # a failed run also gets Prefect's own, without a key
    assert len(ours) == 1 and ours[0].type == "markdown"
    return ours[0].data


def test_an_intact_chain_completes_and_says_so_with_its_head(chain):
    state = audit_verify(actor="auditor", return_state=True)
    assert state.is_completed()
    result = state.result()
    last = chain.trail("procurement:SUP-1")[-1]
    assert (result["ok"], result["rows"], result["verdict"]) == (True, 5, "chain intact: 5 rows")
    markdown = artifact_of(state.state_details.flow_run_id)
    assert markdown.startswith("## Audit chain: chain intact: 5 rows")
    assert f"row {last.id}, hash `{last.hash}`" in markdown and "`auditor`" in markdown


def test_an_edited_row_fails_the_run_and_the_artifact_names_it(chain):
    victim = chain.trail("procurement:SUP-1")[2]
    with chain.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_chain SET actor = 'mallory' WHERE id = :id"), {"id": victim.id})
    state = audit_verify(return_state=True)
    assert state.is_failed()
    with pytest.raises(AuditChainBroken, match=f"BROKEN at row {victim.id}"):
        state.result()
    markdown = artifact_of(state.state_details.flow_run_id)
    assert markdown.startswith(f"## Audit chain: chain BROKEN at row {victim.id} (")
    assert f"| first broken row | {victim.id} |" in markdown and "the row was edited" in markdown
    assert f"| stored hash | `{victim.hash}` |" in markdown and "| hash its content gives |" in markdown
    assert victim.at.strftime("%Y-%m-%d %H:%M:%S") in markdown


def test_a_deleted_row_is_named_at_the_row_after_it_with_both_hashes(chain):
    rows = chain.trail("procurement:SUP-1")
    with chain.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_chain WHERE id = :id"), {"id": rows[1].id})
    with pytest.raises(AuditChainBroken, match=f"row {rows[2].id}"):
        audit_verify()
    state = audit_verify(return_state=True)
    markdown = artifact_of(state.state_details.flow_run_id)
    assert f"| its prev_hash | `{rows[1].hash}` |" in markdown
    assert f"| hash of row {rows[0].id} | `{rows[0].hash}` |" in markdown


def test_ofm_audit_verify_flow_runs_it_in_prefect_with_the_store_settings_only(chain, store_url, tmp_path,
                                                                                monkeypatch):
    from typer.testing import CliRunner

    from ofm.cli.main import app
    from ofm.settings import get_settings

    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # the session's test server (Prefect settings) runs it
    monkeypatch.setenv("OFM_DATABASE_URL", store_url)
    monkeypatch.setenv("OFM_ENVIRONMENT", "production")  # no sandbox defaults: Odoo settings would be missing
    monkeypatch.setattr("ofm.tasks.shared.resources._override", None)
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(app, ["audit", "verify", "--flow"])
        assert ok.exit_code == 0, ok.output
        assert "chain intact: 5 rows" in ok.output and "/runs/flow-run/" in ok.output
        with chain.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_head"))
        broken = CliRunner().invoke(app, ["audit", "verify", "--flow"])
        assert broken.exit_code == 1 and "error: audit chain BROKEN at row" in broken.output
        assert "Traceback" not in broken.output
    finally:
        get_settings.cache_clear()
