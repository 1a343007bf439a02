"""`POST /alerts` on the webhook intake: the demo's alert destination, a JSON line per alert in a file."""

from __future__ import annotations

import json
import warnings

import pytest
from pydantic import SecretStr

with warnings.catch_warnings():  # Starlette would rather have httpx2 under its test client; httpx is what we ship
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from ofm.ops.alert_receiver import MAX_ALERT_BYTES, read_alerts
from ofm.ops.automations import TOKEN_HEADER
from ofm.settings import Settings
from ofm.webhooks.app import create_app

TOKEN = "receiver-token-0123456789abcdef"


def intake(tmp_path, token: str | None = TOKEN) -> TestClient:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'intake.db'}", webhook_relay_seconds=3600,
                        webhook_secrets={"procurement": SecretStr("p" * 32)}, alert_log=tmp_path / "var" / "alerts.log",
                        alert_token=SecretStr(token) if token else None)

    class NoEvents:  # the relay's Prefect client: nothing to emit in these tests
        def __call__(self):
            raise AssertionError("no event expected")

    return TestClient(create_app(settings, client=NoEvents()))


def test_an_alert_with_the_token_is_one_json_line_with_its_priority(tmp_path):
    alert = {"subject": "[P1] bank statement feed late: nothing arrived in 26 h", "body": "[P1] bank statement…\nx"}
    with intake(tmp_path) as client:
        answer = client.post("/alerts", json=alert, headers={TOKEN_HEADER: TOKEN})
        second = client.post("/alerts", json={"subject": "no rank", "body": ""}, headers={TOKEN_HEADER: TOKEN})
    assert answer.status_code == 202 and answer.json() == {"status": "logged", "priority": "P1"}
    assert second.status_code == 202
    logged = read_alerts(tmp_path / "var" / "alerts.log")
    assert [(a["priority"], a["subject"], a["body"]) for a in logged] == [
        ("P1", alert["subject"], alert["body"]), (None, "no rank", "")]
    assert logged[0]["received_at"].endswith("+00:00")
    assert len((tmp_path / "var" / "alerts.log").read_text().splitlines()) == 2


@pytest.mark.parametrize("headers", [{}, {TOKEN_HEADER: "wrong"}, {TOKEN_HEADER: TOKEN + "x"}])
def test_without_the_right_token_401_and_nothing_logged(tmp_path, headers):
    with intake(tmp_path) as client:
        answer = client.post("/alerts", json={"subject": "[P1] x", "body": "y"}, headers=headers)
    assert answer.status_code == 401 and TOKEN not in answer.text
    assert read_alerts(tmp_path / "var" / "alerts.log") == []


@pytest.mark.parametrize("body,status", [(b"not json", 422), (json.dumps({"subject": "x"}).encode(), 422),
                                         (b"{" + b" " * MAX_ALERT_BYTES + b"}", 413)])
def test_a_body_that_is_not_an_alert_is_refused(tmp_path, body, status):
    with intake(tmp_path) as client:
        answer = client.post("/alerts", content=body, headers={TOKEN_HEADER: TOKEN})
    assert answer.status_code == status
    assert read_alerts(tmp_path / "var" / "alerts.log") == []


def test_without_a_token_configured_there_is_no_alerts_route(tmp_path):
    with intake(tmp_path, token=None) as client:
        assert client.post("/alerts", json={"subject": "x", "body": "y"}).status_code == 404
        assert client.get("/healthz").status_code == 200


def test_the_demo_sends_alerts_to_its_own_intake_with_a_token_made_once(tmp_path):
    from ofm.ops.automations import notification_block
    from ofm.ops.demo_alerts import with_demo_destination

    token_file = tmp_path / "var" / "alert-token"
    demo = with_demo_destination(Settings(_env_file=None), "http://127.0.0.1:8074/", token_file)
    again = with_demo_destination(Settings(_env_file=None), "http://127.0.0.1:8074", token_file)
    assert demo.alert_webhook_url.get_secret_value() == "http://127.0.0.1:8074/alerts"
    assert demo.alert_token.get_secret_value() == again.alert_token.get_secret_value() == token_file.read_text().strip()
    assert oct(token_file.stat().st_mode & 0o777) == "0o600" and len(demo.alert_token.get_secret_value()) == 64
    block = notification_block(demo, "ofm-alerts")
    assert block._build_request_args("b", "s")["headers"] == {TOKEN_HEADER: demo.alert_token.get_secret_value()}
    configured = Settings(_env_file=None, alert_channel="slack", alert_webhook_url=SecretStr("https://hooks.slack.com/x"))
    assert with_demo_destination(configured, "http://127.0.0.1:8074", token_file) is configured
