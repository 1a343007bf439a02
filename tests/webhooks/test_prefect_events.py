"""Against the session's real Prefect server: the webhook's event and the CLI's event are read back from it."""

from __future__ import annotations

import time

import pytest
from typer.testing import CliRunner
from webhook_world import TestClient, po_event, signed

from ofm.cli.main import app as cli_app
from ofm.settings import get_settings
from ofm.store import QuarantineEntry, Store
from ofm.webhooks.app import create_app
from ofm.webhooks.relay import confirmed_client

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]


def api_url() -> str:
    from prefect.settings import get_current_settings

    return str(get_current_settings().api.url)


def events_of(resource_id: str, expect: int = 1, timeout: float = 30.0) -> list:
    """The server's events about a resource, once it has stored `expect` of them (it persists in batches)."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    deadline = time.monotonic() + timeout
    while True:
        wanted = EventFilter(event=EventNameFilter(prefix=["ofm.approval."]),
                             resource=EventResourceFilter(id=[resource_id]))
        with get_client(sync_client=True) as client:
            found = client.read_events(filter=wanted, limit=50).events  # 50: the server's maximum page
        if len(found) >= expect or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.fixture
def sqlite_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.migrate()
    yield store
    store.close()


def test_a_webhook_approval_reaches_the_prefect_server_with_the_record_as_resource(sqlite_store, tmp_path):
    from pydantic import SecretStr

    from ofm.settings import Settings

    settings = Settings(_env_file=None, database_url=str(sqlite_store.engine.url), webhook_relay_seconds=3600,
                        webhook_secrets={"procurement": SecretStr("whsec-real-prefect-0123456789")})
    event = po_event("evt-real-1", "PO-REAL-1")
    with TestClient(create_app(settings, store=sqlite_store, client=confirmed_client(api_url()))) as c:
        request = signed(event, time.time(), secret="whsec-real-prefect-0123456789")
        r = c.post("/webhooks/procurement", content=request.body, headers=request.headers)
        assert r.status_code == 202 and r.json()["emitted"] is True, r.text
        again = c.post("/webhooks/procurement", content=request.body, headers=request.headers)
        assert again.status_code == 200
    [seen] = events_of("ofm.procurement.po.PO-REAL-1")
    assert seen.event == "ofm.approval.purchase-order.approved"
    assert seen.payload["approver"] == "Dana Buyer" and seen.payload["event_id"] == "evt-real-1"
    assert [(r.role, r.id) for r in seen.related] == [("approver", "ofm.person.dana-buyer")]
    time.sleep(2)
    assert len(events_of("ofm.procurement.po.PO-REAL-1", expect=2, timeout=0)) == 1  # the duplicate sent nothing


@pytest.fixture
def cli(sqlite_store, monkeypatch):
    """The CLI on that store; PREFECT_API_URL as the CLI sets it is put back afterwards."""
    monkeypatch.setenv("OFM_DATABASE_URL", str(sqlite_store.engine.url))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_ENABLED", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def held_bank_account(store: Store, supplier: str) -> int:
    [row] = store.quarantine([QuarantineEntry(
        record_ref=f"procurement:{supplier}", source="supplier", object_type="supplier", category="approval",
        reason="bank account change needs treasury approval", field="bank_accounts", owner_team="treasury",
        payload={"id": supplier})])
    return row.id


def test_cli_approve_emits_the_same_event_kind_and_records_the_approver(cli, sqlite_store):
    qid = held_bank_account(sqlite_store, "SUP-CLI-1")
    out = cli.invoke(cli_app, ["quarantine", "approve", str(qid), "--by", "Alice Treasurer"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "emitted ofm.approval.supplier-bank-account.approved for ofm.procurement.supplier.SUP-CLI-1" in out.output
    [seen] = events_of("ofm.procurement.supplier.SUP-CLI-1")
    assert seen.event == "ofm.approval.supplier-bank-account.approved"
    assert seen.payload["approver"] == "Alice Treasurer" and seen.payload["quarantine_id"] == qid
    assert seen.payload["via"] == "cli"
    [audit] = sqlite_store.trail("procurement:SUP-CLI-1")
    assert audit.actor == "Alice Treasurer" and audit.step == "approval-received"
    again = cli.invoke(cli_app, ["quarantine", "approve", str(qid), "--by", "Alice Treasurer"], catch_exceptions=False)
    assert again.exit_code == 0 and "already recorded" in again.output and "emitted before" in again.output
    assert sqlite_store.get_quarantine(qid).status == "open"  # the triggered run applies it, not the CLI
