"""What a run shows in the Prefect UI, read back from the session's test server: its state name, tags, log
lines, project events and artifacts (the "no exceptions" row, the "nothing to write" progress)."""

from __future__ import annotations

import json
import time
from uuid import UUID

import pytest
from flow_world import world

from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.sandbox.procurement import generate_suppliers
from ofm.tasks.shared.artifacts import NO_EXCEPTIONS, NOTHING_TO_WRITE
from ofm.tasks.shared.runstate import EXCEPTIONS_STATE, RECORDS_QUARANTINED, RUN_EXCEPTIONS

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]


def flow_run(flow_run_id: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(flow_run_id))


def artifacts(flow_run_id: str) -> dict[str, object]:
    """The run's artifacts by key (the latest of a key), as the run's Artifacts tab lists them."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(flow_run_id)])))
    return {a.key: a for a in sorted(found, key=lambda a: a.created)}


def logs(flow_run_id: str, expect: str, timeout: float = 20.0) -> list[str]:
    """The run's log messages once one containing `expect` arrived (logs are sent in batches)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    deadline = time.monotonic() + timeout
    while True:
        with get_client(sync_client=True) as client:
            found = [log.message for log in client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(flow_run_id)])), limit=200)]
        if any(expect in m for m in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def events(flow_run_id: str, name: str, timeout: float = 30.0) -> list:
    """The server's `name` events about the run (it stores events in batches)."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    deadline = time.monotonic() + timeout
    while True:
        wanted = EventFilter(event=EventNameFilter(name=[name]),
                             resource=EventResourceFilter(id=[f"ofm.flow-run.{flow_run_id}"]))
        with get_client(sync_client=True) as client:
            found = client.read_events(filter=wanted, limit=50).events
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_a_run_that_quarantines_ends_completed_with_exceptions_tagged_logged_and_announced(tmp_path):
    with world(tmp_path, suppliers=30) as w:
        result = supplier_onboarding(actor="test")
        assert isinstance(result, dict) and result["counts"]["quarantined"] > 0  # the caller still gets the dict
        assert result["state"] == EXCEPTIONS_STATE
        run = flow_run(result["flow_run_id"])
        assert run.state.is_completed() and run.state.name == EXCEPTIONS_STATE
        assert {"flow:supplier-onboarding", "source:procurement"} <= set(run.tags)
        assert run.name.startswith("suppliers-api-") and run.name.endswith(" UTC")  # date and time to the second
        held = w.store.list_quarantine(status="open", limit=1000)

    lines = logs(result["flow_run_id"], "supplier-onboarding: received 30")
    assert any("supplier-onboarding: received 30" in m for m in lines), lines
    assert any(m.startswith("held for ") for m in lines), lines

    [announced] = events(result["flow_run_id"], RUN_EXCEPTIONS)
    c = result["counts"]
    assert announced.payload["exceptions"] == c["held"] + c["quarantined"]
    assert announced.payload["flow"] == "supplier-onboarding"
    assert ("flow-run", f"prefect.flow-run.{result['flow_run_id']}") in [(r.role, r.id) for r in announced.related]
    [quarantined] = events(result["flow_run_id"], RECORDS_QUARANTINED)
    per_owner = {(row["owner_team"], row["category"]): row["count"] for row in quarantined.payload["by_owner"]}
    expected: dict[tuple[str, str], int] = {}
    for row in held:
        expected[(row.owner_team, row.category)] = expected.get((row.owner_team, row.category), 0) + 1
    assert per_owner == expected and quarantined.payload["total"] == len(held)


def test_a_clean_run_ends_completed_with_no_exceptions_row_and_nothing_to_write(tmp_path):
    with world(tmp_path, suppliers=30) as w:
        source = tmp_path / "clean.json"
        clean = generate_suppliers(3, seed=11, dirty=False, id_prefix="CLEAN")
        source.write_text(json.dumps(clean))
        first = supplier_onboarding(source=str(source), actor="test")
        assert first["counts"]["created"] == 3, first["counts"]
        again = supplier_onboarding(source=str(source), actor="test")  # nothing changed: nothing to write
        assert again["counts"]["unchanged"] == 3 and again["odoo_writes"] == 0
        assert w.store.list_quarantine(status="open") == []

    for result in (first, again):
        run = flow_run(result["flow_run_id"])
        assert run.state.name == "Completed" and result["state"] == "Completed"
        assert "source:procurement" in run.tags
    shown = artifacts(again["flow_run_id"])
    table = json.loads(shown["supplier-onboarding-exceptions"].data)
    assert table == [{"record": NO_EXCEPTIONS, "outcome": "", "odoo_id": "", "reasons": ""}]
    progress = shown["supplier-load-progress"]
    assert progress.data == 100.0 and NOTHING_TO_WRITE in progress.description
    assert progress.task_run_id is None and shown["supplier-onboarding-summary"].task_run_id is None
    assert events(again["flow_run_id"], RUN_EXCEPTIONS, timeout=2) == []


def test_an_order_waiting_for_its_supplier_ends_with_exceptions_a_clean_one_completed(tmp_path):
    from p2p_world import export, order, seed_odoo

    from ofm.flows.po_sync import po_sync

    with world(tmp_path, suppliers=5) as w:
        seed_odoo(w.odoo)
        waiting = po_sync(source=export(tmp_path, order("PO-W1", vendor="V-777")), actor="test")
        clean = po_sync(source=export(tmp_path, order("PO-C1")), full_refresh=True, actor="test")
        # the waiting order is taken up again by the second run and still waits: that run has exceptions too
        assert waiting["orders"]["PO-W1"]["status"] == "waiting" and waiting["state"] == EXCEPTIONS_STATE
        assert clean["orders"]["PO-C1"]["status"] == "created"

    run = flow_run(waiting["flow_run_id"])
    assert run.state.name == EXCEPTIONS_STATE and run.name.startswith("po-sync-file-")
    assert {"flow:po-sync", "source:procurement", "company:ACME-DE"} <= set(run.tags)
    [quarantined] = events(waiting["flow_run_id"], RECORDS_QUARANTINED)
    assert quarantined.payload["by_owner"][0]["category"] == "dependency"
    table = json.loads(artifacts(waiting["flow_run_id"])["purchase-orders-exceptions"].data)
    assert [row["document"] for row in table] == ["procurement:PO-W1"]
    assert flow_run(clean["flow_run_id"]).state.name == clean["state"]


def test_a_ledger_delivery_with_nothing_to_quarantine_shows_no_exceptions(tmp_path):
    """An empty ledger drop: nothing received, so a plain Completed run and the "no exceptions" row."""
    from ofm.flows.ledger_batch import ledger_batch

    drop = tmp_path / "drop"
    drop.mkdir()
    with world(tmp_path, suppliers=1):
        result = ledger_batch(source=str(drop), actor="test")
    run = flow_run(result["flow_run_id"])
    assert run.state.name == "Completed" and "flow:ledger-batch" in run.tags
    assert run.name.startswith("ledger-drop-") and run.name.endswith(" UTC")
    table = json.loads(artifacts(result["flow_run_id"])["ledger-batch-exceptions"].data)
    assert table == [{"entry": NO_EXCEPTIONS, "status": "", "reasons": ""}]
