"""The automations against the session's Prefect test server: each alert caused for real and seen arriving.

The test server (`prefect_test_harness`) runs Prefect's triggers and actions services, proactive evaluation
included (every 5 s), so nothing else is started. The alerts go to the real webhook intake (`POST /alerts` under
uvicorn on 127.0.0.1:8350-8399), which appends them to a file; the test reads that file and the Prefect API.
The file's copy shortens the windows: feeds 10 s instead of 26 h, no repeat throttling; the payment feed enabled.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from local_servers import serving
from pydantic import SecretStr

from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
from ofm.ops.alert_receiver import read_alerts
from ofm.ops.automation_spec import BUNDLED, TAG
from ofm.ops.automations import apply_automations, sync_automations
from ofm.sandbox.bank.documents import day_one, seed_documents
from ofm.sandbox.odoo import OdooSandbox, SandboxTransport
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.feeds import FEED_ARRIVED, feed_resource
from ofm.tasks.shared.resources import Resources, use_resources
from ofm.webhooks.app import create_app

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]

TOKEN = "alert-token-for-the-test-0123456789"
WINDOW = 10  # seconds: the feeds' deadline in the test's copy of the file (Prefect's least)
LATENCY: dict[str, float] = {}


def api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def copy_for_test(tmp_path: Path) -> Path:
    """The bundled file with test windows: feeds late after WINDOW seconds, every alert repeated at once."""
    raw = yaml.safe_load(BUNDLED.read_text())
    for a in raw["automations"]:
        a["enabled"] = True
        a["trigger"]["within"] = WINDOW if a["trigger"].get("posture") == "Proactive" else 0
    path = tmp_path / "automations.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


class Alerts:
    """The alerts the receiver logged, waited for."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def all(self) -> list[dict]:
        return read_alerts(self.log)

    def wait(self, found: Callable[[dict], bool], timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hits = [a for a in self.all() if found(a)]
            if hits:
                return hits[0]
            time.sleep(0.2)
        raise AssertionError(f"no such alert within {timeout} s; logged: {[a['subject'] for a in self.all()]}")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[Alerts, Settings]]:
    """The webhook intake with POST /alerts under uvicorn, and the automations applied (twice) pointing at it."""
    tmp = tmp_path_factory.mktemp("alerts")
    intake = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'intake.db'}", webhook_relay_seconds=3600,
                      webhook_secrets={"procurement": SecretStr("p" * 32)}, alert_token=SecretStr(TOKEN),
                      alert_log=tmp / "alerts.log")
    with serving(create_app(intake), lifespan="on") as base:
        settings = Settings(_env_file=None, automations_file=copy_for_test(tmp), alert_channel="webhook",
                            alert_webhook_url=SecretStr(f"{base}/alerts"), alert_token=SecretStr(TOKEN))
        apply_automations(api_url(), settings=settings)
        try:
            yield Alerts(intake.alert_log), settings
        finally:
            for alert in Alerts(intake.alert_log).all():
                print(json.dumps(alert))
            if LATENCY:
                print("\nevent-to-alert latency: " + ", ".join(f"{k} {v:.2f} s" for k, v in LATENCY.items()))


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Iterator[tuple[OdooClient, Path]]:
    """An Odoo sandbox with open items and a store: what a bank-reconciliation run needs."""
    tmp = tmp_path_factory.mktemp("bank")
    sandbox = OdooSandbox(company_iban=COMPANY_IBAN)
    odoo = OdooClient(OdooConfig(url="http://odoo.sandbox", db="sandbox", login="integration@example.com",
                                 api_key=SecretStr("sandbox-key"), retry=RetryPolicy(max_attempts=2, base_delay=0.0,
                                                                                     max_delay=0.0)),
                      transport=SandboxTransport(sandbox), sleep=lambda _s: None, jitter=lambda: 0.0)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'ofm.db'}", ack_dir=tmp / "acks")
    store = Store(settings.database_url)
    store.migrate()
    seed_documents(odoo)
    with use_resources(Resources(settings=settings, store=store, odoo=odoo)):
        yield odoo, tmp
    store.close()


def read_automations() -> list:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_automations()


def server_events(name: str, resource_id: str, timeout: float = 20.0) -> list:
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    deadline = time.monotonic() + timeout
    while True:
        wanted = EventFilter(event=EventNameFilter(name=[name]), resource=EventResourceFilter(id=[resource_id]))
        with get_client(sync_client=True) as client:
            found = client.read_events(filter=wanted, limit=50).events
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def seconds_between(earlier: datetime, alert: dict) -> float:
    return (datetime.fromisoformat(alert["received_at"]) - earlier.astimezone(UTC)).total_seconds()


def test_applying_again_replaces_never_duplicates_and_drops_what_the_file_no_longer_declares(world):
    from prefect.events.actions import DoNothing
    from prefect.events.schemas.automations import AutomationCore, EventTrigger

    _alerts, settings = world
    declared = ["P1 flow run failed or crashed", "P1 bank statement feed late", "P1 payment feed late",
                "P2 quarantine backlog over threshold", "P3 run completed with exceptions"]
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:  # an automation of ours the file dropped since
        client.create_automation(AutomationCore(name="P2 retired alert", tags=[TAG], trigger=EventTrigger(
            expect={"ofm.retired"}, match={"prefect.resource.id": "ofm.retired"}), actions=[DoNothing()]))
    again = sync_automations(api_url(), settings=settings)
    assert [a.name for a in again if a.outcome == "unchanged"] == declared  # P1 first, nothing rewritten
    assert [(a.name, a.outcome) for a in again if a.outcome != "unchanged"] == [("P2 retired alert", "deleted")]
    assert apply_automations(api_url(), settings=settings) == declared
    on_server = Counter(a.name for a in read_automations() if TAG in a.tags)
    assert on_server == Counter(declared), on_server
    [failed] = [a for a in read_automations() if a.name == declared[0]]
    assert failed.actions[0].type == "send-notification" and "[P1]" in failed.actions[0].subject
    assert "P1" in failed.description and "priority:P1" in failed.tags
    with get_client(sync_client=True) as client:  # the block as the UI and the API show it: no URL, no token
        block = client.read_block_document_by_name("ofm-alerts", "custom-webhook", include_secrets=False)
    assert failed.actions[0].block_document_id == block.id
    shown = block.model_dump_json()
    assert TOKEN not in shown and settings.alert_webhook_url.get_secret_value() not in shown


def test_a_feed_that_does_not_arrive_by_its_deadline_alerts_p1_and_one_that_arrives_does_not(world):
    from prefect.events import emit_event

    alerts, _ = world
    # nothing announced bank statements since the automations were applied (this test runs first, before the bank
    # run announces its file): late after WINDOW, give or take one evaluation period (5 s)
    first = alerts.wait(lambda a: "bank statement feed late" in a["subject"], timeout=2 * WINDOW + 10)
    assert first["priority"] == "P1" and first["subject"] == f"[P1] bank statement feed late: nothing arrived in " \
        f"{WINDOW} s"
    assert "Feed: bank statements (ofm.feed.bank-statements)" in first["body"]
    start = datetime.now(UTC)
    late: list[dict] = []
    while True:  # bank statements keep arriving, for one window and one evaluation period at least
        elapsed = (datetime.now(UTC) - start).total_seconds()
        if (late and elapsed > WINDOW + 6) or elapsed > 3 * WINDOW + 2:
            break
        emit_event(event=FEED_ARRIVED, resource=feed_resource("bank-statements"), payload={"file": "test"})
        late = [a for a in alerts.all() if "payment feed late" in a["subject"]
                and datetime.fromisoformat(a["received_at"]) > start]
        time.sleep(1.0)
    assert late, f"no late payment feed alert; logged: {[a['subject'] for a in alerts.all()]}"
    assert late[0]["priority"] == "P1"
    assert late[0]["subject"] == f"[P1] payment feed late: nothing arrived in {WINDOW} s"
    assert "Feed: payments (ofm.feed.payments)" in late[0]["body"]
    # a bucket that closed empty just before `start` may still fire within one evaluation period (5 s)
    settled = [a for a in alerts.all() if "bank statement feed late" in a["subject"]
               and seconds_between(start, a) > 6.0]
    assert settled == [], settled
    times = [datetime.fromisoformat(a["received_at"]) for a in alerts.all() if "payment feed late" in a["subject"]]
    if len(times) > 1:
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        LATENCY["P1 feed late: alert every"] = min(gaps)


def test_a_failed_run_of_a_project_flow_alerts_p1_with_a_link_to_the_run(world, bank):
    from prefect.client.orchestration import get_client

    from ofm.flows.bank_reconciliation import bank_reconciliation

    alerts, _ = world
    state = bank_reconciliation(file=str(bank[1] / "no-such-statement.xml"), actor="test", return_state=True)
    assert state.is_failed()
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
    alert = alerts.wait(lambda a: str(flow_run_id) in a["body"])
    LATENCY["P1 failed run"] = seconds_between(run.state.timestamp, alert)
    assert alert["priority"] == "P1"
    assert alert["subject"] == f"[P1] bank-reconciliation run {run.name} Failed"
    body = alert["body"]
    assert body.startswith("[P1] flow run failed or crashed\nFlow: bank-reconciliation\n")
    assert f"Run: {run.name} (Failed)" in body and "no-such-statement.xml" in body  # the state's message: why
    assert f"/runs/flow-run/{flow_run_id}" in body and body.split("Open the run: ")[1].startswith("http")


def test_a_bank_run_announces_its_file_and_its_exceptions_alert_p3(world, bank):
    from ofm.flows.bank_reconciliation import bank_reconciliation

    alerts, _ = world
    odoo, tmp = bank
    path, _statement, expected = day_one(odoo, tmp)
    result = bank_reconciliation(file=str(path), actor="test")
    assert result["state"] == "Completed with exceptions" and result["counts"]["unmatched"] > 0
    flow_run_id = result["flow_run_id"]

    [arrived] = [e for e in server_events(FEED_ARRIVED, feed_resource("bank-statements")["prefect.resource.id"])
                 if any(r.id == f"prefect.flow-run.{flow_run_id}" for r in e.related)]
    assert arrived.payload["file"] == path.name and arrived.payload["flow"] == "bank-reconciliation"

    [announced] = server_events("ofm.run.exceptions", f"ofm.flow-run.{flow_run_id}")
    alert = alerts.wait(lambda a: a["priority"] == "P3" and str(flow_run_id) in a["body"])
    LATENCY["P3 run with exceptions"] = seconds_between(announced.occurred, alert)
    exceptions = announced.payload["exceptions"]
    assert alert["subject"] == f"[P3] bank-reconciliation run completed with {exceptions} exception(s)"
    assert alert["body"].startswith("[P3] run completed with exceptions\nFlow: bank-reconciliation\n")
    assert f"completed with {exceptions} exception(s) waiting for someone" in alert["body"]
    assert f"/runs/flow-run/{flow_run_id}" in alert["body"]


def test_a_quarantine_backlog_over_its_threshold_alerts_p2_naming_the_owner(world):
    from prefect import flow
    from prefect.events import emit_event

    @flow(name="open-work-stand-in")
    def open_work_stand_in(team: str):
        """What the open-work flow emits, per owner team over its threshold (that flow is not this test's)."""
        return emit_event(event="ofm.quarantine.backlog",
                          resource={"prefect.resource.id": f"ofm.owner.{team}", "prefect.resource.name": team},
                          payload={"open": 27, "threshold": 20, "oldest_hours": 52})

    alerts, _ = world
    team = f"treasury-{int(time.time() * 1000) % 1_000_000}"
    state = open_work_stand_in(team, return_state=True)
    event = state.result()
    assert event is not None
    alert = alerts.wait(lambda a: team in a["subject"])
    LATENCY["P2 quarantine backlog"] = seconds_between(event.occurred, alert)
    assert alert["priority"] == "P2"
    assert alert["subject"] == f"[P2] quarantine backlog of {team}: 27 open"
    assert f"Owner team: {team}\nOpen in quarantine: 27 (threshold 20), the oldest 52 h old" in alert["body"]
    assert "Open the run: " in alert["body"] and alert["body"].count("/runs/flow-run/") == 1
    assert f"/runs/flow-run/{state.state_details.flow_run_id}" in alert["body"]  # the run that found the backlog


def test_the_cli_applies_and_lists_without_showing_the_destinations_secrets(world, monkeypatch):
    from typer.testing import CliRunner

    from ofm.cli.main import app as cli_app
    from ofm.settings import get_settings

    _alerts, settings = world
    url = settings.alert_webhook_url.get_secret_value()
    for name, value in {"OFM_ALERT_WEBHOOK_URL": url, "OFM_ALERT_TOKEN": TOKEN, "PREFECT_API_URL": api_url(),
                        "OFM_AUTOMATIONS_FILE": str(settings.automations_file),
                        "PREFECT_SERVER_EPHEMERAL_ENABLED": "false"}.items():
        monkeypatch.setenv(name, value)  # restored afterwards, whatever the CLI sets
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        applied = runner.invoke(cli_app, ["automations", "apply"])
        listed = runner.invoke(cli_app, ["automations", "list"])
        bundled = runner.invoke(cli_app, ["automations", "list", "--file", str(BUNDLED)])
    finally:
        get_settings.cache_clear()
    for out in (applied, listed, bundled):
        assert out.exit_code == 0, out.output
        assert TOKEN not in out.output and url not in out.output and "/alerts" not in out.output
        assert "alerts go through the notification block ofm-alerts: webhook to 127.0.0.1" in out.output
    assert [line.split(None, 1) for line in applied.stdout.splitlines()[:5]] == [
        ["unchanged", "P1 flow run failed or crashed"], ["unchanged", "P1 bank statement feed late"],
        ["unchanged", "P1 payment feed late"], ["unchanged", "P2 quarantine backlog over threshold"],
        ["unchanged", "P3 run completed with exceptions"]]
    rows = listed.stdout.splitlines()
    assert rows[1].startswith("P1 bank statement feed late") and "enabled" in rows[1]
    assert "no ofm.feed.arrived within 10 s" in rows[1]
    assert "differs from the file" not in listed.stdout
    assert "differs from the file" in bundled.stdout  # the bundled file's 26 h is not what the test applied
