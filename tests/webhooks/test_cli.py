"""`ofm quarantine approve|reject` without Prefect, and `ofm webhooks serve` under a real uvicorn."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import uvicorn
from local_servers import serving
from pydantic import SecretStr
from typer.testing import CliRunner
from webhook_world import SECRET, Recorder, po_event, signed

from ofm.cli import webhooks as cli_webhooks
from ofm.cli.main import app as cli_app
from ofm.cli.prefect_server import PrefectUnavailable
from ofm.settings import Settings, SettingsError, get_settings
from ofm.store import QuarantineEntry
from ofm.webhooks.app import create_app, webhook_secrets
from ofm.webhooks.intake import CLI_SOURCE, pending


@pytest.fixture
def cli(store, monkeypatch):
    monkeypatch.setenv("OFM_DATABASE_URL", str(store.engine.url.render_as_string(hide_password=False)))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def entry(store, object_type: str = "supplier", category: str = "approval", field: str | None = "bank_accounts",
          ref: str = "procurement:SUP-000123") -> int:
    [row] = store.quarantine([QuarantineEntry(record_ref=ref, source="supplier", object_type=object_type,
                                              category=category, reason="held", field=field, owner_team="treasury",
                                              payload={"id": ref})])
    return row.id


def test_reject_without_prefect_is_stored_audited_and_left_pending(cli, store, monkeypatch):
    def unreachable(port, start=True):
        raise PrefectUnavailable("Prefect at http://127.0.0.1:4299/api cannot be reached: ConnectError")

    monkeypatch.setattr("ofm.cli.prefect_server.resolve_prefect", unreachable)
    qid = entry(store)
    out = CliRunner().invoke(cli_app, ["quarantine", "reject", str(qid), "--by", "Tom", "--reason", "IBAN unverified"])
    assert out.exit_code == 1 and "stored, not emitted yet" in out.output and "emit-pending" in out.output
    [(_, approval)] = pending(store, CLI_SOURCE)
    assert approval.kind == "supplier_bank_account.rejected" and approval.reason == "IBAN unverified"
    [audit] = store.trail("procurement:SUP-000123")
    assert audit.actor == "Tom" and audit.summary["decision"] == "rejected"


@pytest.mark.parametrize(("kwargs", "args", "message"), [
    ({"category": "business", "field": "vat"}, ["approve"], "not a held bank account"),
    ({"object_type": "purchase_order", "category": "business", "field": None, "ref": "procurement:PO-1"},
     ["reject"], "not a held bank account"),
    ({}, ["approve", "--by", " "], "--by must name"),
])
def test_entries_without_an_approval_event_are_refused(cli, store, kwargs, args, message):
    qid = entry(store, **kwargs)
    by = [] if "--by" in args else ["--by", "x"]
    out = cli.invoke(cli_app, ["quarantine", args[0], str(qid), *args[1:], *by])
    assert out.exit_code == 1 and message in out.output
    assert pending(store, CLI_SOURCE) == [] and store.trail(kwargs.get("ref", "procurement:SUP-000123")) == []


def test_a_closed_or_missing_entry_is_refused(cli, store):
    qid = entry(store)
    store.set_quarantine_status(qid, "discarded", actor="x", note="gone")
    assert "only open entries" in cli.invoke(cli_app, ["quarantine", "approve", str(qid), "--by", "a"]).output
    assert "does not exist" in cli.invoke(cli_app, ["quarantine", "approve", "99999", "--by", "a"]).output


def test_placeholder_or_missing_secrets_are_refused_outside_the_sandbox_without_saying_them():
    with pytest.raises(SettingsError, match="OFM_WEBHOOK_SECRETS is not set"):
        webhook_secrets(Settings(_env_file=None))
    weak = Settings(_env_file=None, environment="production", webhook_secrets={"procurement": SecretStr("changeme")})
    with pytest.raises(SettingsError, match="placeholder") as raised:
        webhook_secrets(weak)
    assert "changeme" not in str(raised.value)


def test_serve_without_secrets_says_so_in_one_line(cli, monkeypatch):
    monkeypatch.delenv("OFM_WEBHOOK_SECRETS", raising=False)
    out = cli.invoke(cli_app, ["webhooks", "serve"])
    assert out.exit_code == 1 and "OFM_WEBHOOK_SECRETS is not set" in out.output


def test_a_secret_variable_that_is_not_json_is_one_line_without_its_value(cli, monkeypatch):
    monkeypatch.setenv("OFM_WEBHOOK_SECRETS", '{"procurement": ' + SECRET)
    out = cli.invoke(cli_app, ["webhooks", "serve"])
    assert out.exit_code == 1 and "webhook_secrets" in out.output and SECRET not in out.output


def test_serve_hands_the_intake_to_uvicorn(cli, monkeypatch):
    monkeypatch.setenv("OFM_WEBHOOK_SECRETS", json.dumps({"procurement": SECRET}))
    monkeypatch.setattr(cli_webhooks, "_prefect", lambda port: "http://127.0.0.1:4299/api")
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    out = cli.invoke(cli_app, ["webhooks", "serve", "--host", "0.0.0.0", "--port", "9123"])
    assert out.exit_code == 0, out.output
    assert seen["host"] == "0.0.0.0" and seen["port"] == 9123 and callable(seen["app"])
    assert SECRET not in out.output


def test_the_intake_under_a_real_uvicorn(settings, store):
    recorder = Recorder()
    with serving(create_app(settings, store=store, client=recorder), lifespan="on") as base:
        assert httpx.get(f"{base}/healthz").status_code == 200
        request = signed(po_event(), time.time())
        r = httpx.post(f"{base}/webhooks/procurement", content=request.body, headers=request.headers)
        assert r.status_code == 202 and r.json()["emitted"] is True
        big = b"x" * (settings.webhook_max_body_bytes + 1)
        assert httpx.post(f"{base}/webhooks/procurement", content=big, headers=request.headers).status_code == 413
        assert [e.resource.id for e in recorder.events] == ["ofm.procurement.po.PO-0042"]
