"""The automations file and what `apply` makes of it, without a Prefect server: ranks, templates, secrets."""

from __future__ import annotations

import ast
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from ofm.ops.automation_spec import BUNDLED, AutomationsError, load_automations, spoken
from ofm.ops.automations import TOKEN_HEADER, build_automation, notification_block, render_text
from ofm.settings import Settings

FLOWS = Path(__file__).parents[2] / "ofm" / "flows"
API = "http://127.0.0.1:4200/api"


def project_flow_names() -> set[str]:
    """Every `@flow(name=...)` in ofm/flows, read from the source (no import: no Prefect, no GX)."""
    names = set()
    for path in FLOWS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "flow":
                names |= {k.value.value for k in node.keywords if k.arg == "name"}
    return names


def test_the_bundled_file_ranks_failures_and_late_feeds_above_backlogs_and_exceptions():
    spec = load_automations()
    assert [(a.priority, a.key) for a in spec.ranked()] == [
        ("P1", "run-failed"), ("P1", "bank-statements-late"), ("P1", "payments-late"),
        ("P2", "quarantine-backlog"), ("P3", "run-exceptions")]
    assert [a.name for a in spec.ranked()][0] == "P1 flow run failed or crashed"
    feeds = {a.key: a for a in spec.automations if a.trigger.posture == "Proactive"}
    assert {k: (a.trigger.within, a.trigger.match, a.enabled) for k, a in feeds.items()} == {
        "bank-statements-late": (timedelta(hours=26), {"prefect.resource.id": "ofm.feed.bank-statements"}, True),
        "payments-late": (timedelta(hours=26), {"prefect.resource.id": "ofm.feed.payments"}, False)}


def test_a_failed_run_of_every_flow_of_the_project_alerts():
    spec = load_automations()
    [failed] = [a for a in spec.automations if a.key == "run-failed"]
    assert failed.trigger.match_related["prefect.resource.name"] == spec.flows
    missing = project_flow_names() - set(spec.flows)
    assert not missing, f"add to `flows:` in {BUNDLED.name}: {sorted(missing)}"


@pytest.mark.parametrize("automation", load_automations().automations, ids=lambda a: a.key)
def test_every_automation_is_accepted_by_the_prefect_server_schema(automation):
    from prefect.server.events.schemas.automations import AutomationCore as ServerAutomation

    built = build_automation(automation, API, uuid.uuid4())
    on_server = ServerAutomation.model_validate(built.model_dump(mode="json"))  # templates, trigger, action
    action = on_server.actions[0]
    assert action.subject.startswith(f"[{automation.priority}] ")
    assert action.body.startswith(f"[{automation.priority}] {automation.title}\n")
    assert "run_link" not in action.body and "{{ window }}" not in action.body + action.subject
    assert on_server.tags == ["ofm", f"priority:{automation.priority}", f"ofm-automation:{automation.key}"]


def test_the_link_is_the_servers_ui_url_else_the_ui_beside_the_api_and_the_window_is_spoken():
    spec = load_automations()
    [failed] = [a for a in spec.automations if a.key == "run-failed"]
    _subject, body = render_text(failed, "https://prefect.example.com/api/")
    assert "{{ (flow_run|ui_url) or ('https://prefect.example.com/runs/flow-run/' ~ flow_run.id) }}" in body
    [late] = [a for a in spec.automations if a.key == "bank-statements-late"]
    subject, _body = render_text(late, API)
    assert subject == "[P1] bank statement feed late: nothing arrived in 26 h"


def test_without_a_destination_the_automations_fire_without_sending():
    built = build_automation(load_automations().automations[0], API, None)
    assert [a.type for a in built.actions] == ["do-nothing"]
    assert notification_block(Settings(_env_file=None), "ofm-alerts") is None


def test_the_webhook_block_keeps_url_and_token_in_its_secrets():
    url, token = "https://alerts.example.com/hook?key=url-secret-123", "token-secret-456"
    settings = Settings(_env_file=None, alert_webhook_url=SecretStr(url), alert_token=SecretStr(token))
    block = notification_block(settings, "ofm-alerts")
    assert block.url == "{{url}}" and block.headers == {TOKEN_HEADER: "{{token}}"}
    shown = repr(block) + block.model_dump_json()
    assert url not in shown and token not in shown and "url-secret-123" not in shown
    request = block._build_request_args(body="the body", subject="[P1] subject")  # what it will send
    assert request["url"] == url and request["headers"] == {TOKEN_HEADER: token}
    assert request["json"] == {"subject": "[P1] subject", "body": "the body"}


TEAMS = ("https://prod-01.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/"
         "manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIGSECRET")


@pytest.mark.parametrize("channel,url,block_type", [
    ("slack", "https://hooks.slack.com/services/T000/B000/SLACKSECRET", "SlackWebhook"),
    ("teams", TEAMS, "MicrosoftTeamsWebhook")])
def test_slack_and_teams_are_their_prefect_blocks(channel, url, block_type):
    settings = Settings(_env_file=None, alert_channel=channel, alert_webhook_url=SecretStr(url))
    block = notification_block(settings, "ofm-alerts")
    assert type(block).__name__ == block_type and "SECRET" not in repr(block) + block.model_dump_json()


def test_a_url_the_channel_cannot_use_is_one_line_without_the_url():
    from ofm.settings import SettingsError

    settings = Settings(_env_file=None, alert_channel="teams",
                        alert_webhook_url=SecretStr("https://example.com/not-teams?sig=SIGSECRET"))
    with pytest.raises(SettingsError, match="OFM_ALERT_WEBHOOK_URL is not a teams webhook URL") as raised:
        notification_block(settings, "ofm-alerts")
    assert "SIGSECRET" not in str(raised.value)


def test_durations_in_words():
    from ofm.ops.automation_spec import _duration

    assert [_duration(v) for v in (0, 90, "30s", "15m", "26h", "2d", "1.5h")] == [
        timedelta(0), timedelta(seconds=90), timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=26),
        timedelta(days=2), timedelta(minutes=90)]
    assert [spoken(timedelta(seconds=s)) for s in (10, 900, 93600, 172800, 90)] == [
        "10 s", "15 min", "26 h", "2 d", "90 s"]


def write(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(BUNDLED.read_text())
    change(raw)
    path = tmp_path / "automations.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("change,message", [
    (lambda r: r["automations"][0].update(priority="P0"), "automations.0.priority"),
    (lambda r: r["automations"][0].update(colour="red"), "automations.0.colour: Extra inputs"),
    (lambda r: r["automations"][1]["trigger"].update(within="soon"), "automations.1.trigger.within"),
    (lambda r: r["automations"][1]["trigger"].update(within=5), "10 s or more"),
    (lambda r: r["automations"].append(dict(r["automations"][0])), "two automations with the key 'run-failed'"),
])
def test_an_invalid_file_is_one_error_naming_the_automation(tmp_path, change, message):
    path = write(tmp_path, change)
    with pytest.raises(AutomationsError) as raised:
        load_automations(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(AutomationsError, match="cannot be read"):
        load_automations(tmp_path / "nope.yaml")


def test_an_automation_read_back_in_another_order_is_unchanged():
    from prefect.events.schemas.automations import Automation

    from ofm.ops.automations import comparable

    built = build_automation(load_automations().automations[0], API, uuid.uuid4())
    dumped = built.model_dump(mode="json")
    dumped["trigger"]["expect"].reverse()
    dumped["trigger"]["match_related"]["prefect.resource.name"].reverse()
    back = Automation.model_validate({**dumped, "id": str(uuid.uuid4())})
    assert comparable(back) == comparable(built)
    dumped["enabled"] = False
    assert comparable(Automation.model_validate({**dumped, "id": str(uuid.uuid4())})) != comparable(built)
