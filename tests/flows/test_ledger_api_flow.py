"""ledger-batch pulling from a sub-ledger platform's ledger-source API (the sandbox API, in process), posting on
the Odoo sandbox: each delivery pulled once and posted once, a second run that finds nothing new and writes
nothing, a run that dies after the download (before posting, or after posting but before the cursor is saved)
posts nothing twice, an API that answers 429/503 or loses answers, a delivery no mapping reads held without
holding back the ones after it, and what `ofm run ledger-batch --source api` prints and exits with. The
deliveries book on the sandbox's generic chart (600000/201000), as in test_ledger_batch_flow.py."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from flow_world import Crash, kill_after, revive, world
from pydantic import SecretStr
from typer.testing import CliRunner

from ofm.cli.main import app as cli
from ofm.connectors.ledger import LedgerApiClient, LedgerApiConfig
from ofm.flows.ledger_batch import ledger_batch
from ofm.sandbox.ledger.api import LedgerApiTransport, create_app
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")
TOKEN = "ledger-api-SECRET-token-42"
URL = "http://ledger.test"
API_NAME = "ledger.test"


class Recording(httpx.BaseTransport):
    """The sandbox API, with the path of every request kept."""

    def __init__(self, inner: httpx.BaseTransport, paths: list[str]) -> None:
        self.inner, self.paths = inner, paths

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self.inner.handle_request(request)


@pytest.fixture
def api(tmp_path, monkeypatch):
    from bench.ledger_posting import mappings

    with world(tmp_path, suppliers=1) as w:
        settings = w.settings.model_copy(update={
            "ledger_mapping_dir": mappings(tmp_path / "mappings", "Sandbox Company"), "ledger_api_url": URL,
            "ledger_api_token": SecretStr(TOKEN)})
        platform_app, paths = create_app(TOKEN), []
        transport = Recording(LedgerApiTransport(platform_app), paths)

        def open_api(s):  # the client the settings describe, on the sandbox in this process
            s = s.require("ledger-api")
            return LedgerApiClient(LedgerApiConfig(url=s.ledger_api_url, token=s.ledger_api_token, page_size=2),
                                   transport=transport, sleep=lambda _s: None)

        monkeypatch.setattr("ofm.tasks.ledger.intake.open_ledger_api", open_api)
        monkeypatch.setattr("ofm.cli.runner.run_flow", lambda name, **params: ledger_batch(**params))
        with use_resources(Resources(settings=settings, store=w.store, odoo=w.odoo)):
            yield SimpleNamespace(w=w, platform=platform_app.state.platform, paths=paths, transport=transport)


def deliver(api, batch_id: str, entries: int, name: str | None = None) -> None:
    """The payroll system delivers a batch of `entries` entries (10 lines each) to its platform."""
    from bench.ledger_posting import delivery

    api.platform.add("payroll", name or f"payroll-{batch_id}.csv", delivery(entries * 10, batch_id, "600000", "201000"))


def posted(api, batch_id: str) -> list[int]:
    """The entry numbers of a batch Odoo holds, one per move."""
    moves = api.w.odoo.search_read("account.move", [("ref", "=like", f"ofm:payroll:{batch_id}:%")], ["ref", "state"])
    assert {m["state"] for m in moves} <= {"posted"}
    return sorted(int(m["ref"].split("#")[0].rsplit(":", 1)[1]) for m in moves)


def stored(api, table: str, column: str = "*") -> list[str]:
    """Rows of a store table as text (what an auditor or an attacker with the database would read)."""
    import sqlalchemy as sa

    with sa.create_engine(api.w.store.engine.url).connect() as conn:
        return [str(tuple(row)) for row in conn.execute(sa.text(f"SELECT {column} FROM {table}"))]


def inbox(api) -> list[str]:
    return sorted(row[2:-3] for row in stored(api, "inbox WHERE source = 'ledger'", "external_id"))


def downloads(api) -> list[str]:
    return [p.rsplit("/", 1)[1] for p in api.paths if p.startswith("/deliveries/")]


def test_each_delivery_is_pulled_once_and_posted_once_and_a_second_run_fetches_nothing(api):
    deliver(api, "PAY-A", 3)
    deliver(api, "PAY-B", 2)
    deliver(api, "PAY-C", 1)
    first = ledger_batch(source="api")
    assert first["pulled"] == ["DLV-000001 payroll-PAY-A.csv", "DLV-000002 payroll-PAY-B.csv",
                               "DLV-000003 payroll-PAY-C.csv"]
    assert first["counts"]["posted"] == 6 and first["reconciles"]
    assert (posted(api, "PAY-A"), posted(api, "PAY-B"), posted(api, "PAY-C")) == ([1, 2, 3], [1, 2], [1])
    assert inbox(api) == [f"api:{API_NAME}/deliveries/DLV-00000{i}" for i in (1, 2, 3)]
    assert api.w.store.get_cursor(f"ledger-api:{API_NAME}") == api.platform.deliveries[-1].listed()["cursor"]

    api.paths.clear()
    writes = api.w.odoo_write_calls()
    again = ledger_batch(source="api")
    assert again["pulled"] == [] and again["counts"]["received"] == 0 and again["odoo_writes"] == 0
    assert api.paths == ["/deliveries"] and api.w.odoo_write_calls() == writes  # one listing, no download

    deliver(api, "PAY-D", 2)
    later = ledger_batch(source="api")
    assert later["pulled"] == ["DLV-000004 payroll-PAY-D.csv"] and downloads(api) == ["DLV-000004"]
    assert later["counts"]["posted"] == 2 and posted(api, "PAY-D") == [1, 2]


def test_a_run_without_source_pulls_from_the_api_the_settings_name(api):
    deliver(api, "PAY-N", 2)
    result = ledger_batch()  # the nightly deployment's run: no source
    assert result["pulled"] == ["DLV-000001 payroll-PAY-N.csv"] and posted(api, "PAY-N") == [1, 2]


def test_a_run_that_dies_after_the_download_before_posting_posts_each_entry_once_when_run_again(api, monkeypatch):
    deliver(api, "PAY-X", 3)

    def dies(*args, **kwargs):
        raise Crash("killed after the deliveries were in the inbox, before anything was posted")

    from ofm.flows import ledger_batch as module

    original = module.read_references
    monkeypatch.setattr(module, "read_references", dies)
    with pytest.raises(BaseException):  # noqa: B017 - Prefect may wrap the crash
        ledger_batch(source="api")
    monkeypatch.setattr(module, "read_references", original)
    assert posted(api, "PAY-X") == [] and api.w.store.get_cursor(f"ledger-api:{API_NAME}") is None
    assert inbox(api) == [f"api:{API_NAME}/deliveries/DLV-000001"]
    again = ledger_batch(source="api")
    assert again["pulled"] == ["DLV-000001 payroll-PAY-X.csv"] and again["counts"]["posted"] == 3
    assert posted(api, "PAY-X") == [1, 2, 3]
    assert inbox(api) == [f"api:{API_NAME}/deliveries/DLV-000001"]  # the same download, kept once


def test_a_run_that_dies_after_posting_before_the_cursor_is_saved_posts_nothing_twice(api, monkeypatch):
    deliver(api, "PAY-Y", 3)
    deliver(api, "PAY-Z", 2)
    kill_after(api.w.odoo, api.w.sandbox, "/account.move/create", nth=2)  # dies mid-way through PAY-Y's posting
    with pytest.raises(BaseException):  # noqa: B017
        ledger_batch(source="api")
    revive(api.w.odoo, api.w.sandbox)
    save = api.w.store.set_cursor

    def dies_before_saving(name, value):
        raise Crash("killed after everything was posted, before the cursor was saved")

    monkeypatch.setattr(api.w.store, "set_cursor", dies_before_saving)
    with pytest.raises(BaseException):  # noqa: B017
        ledger_batch(source="api")
    assert (posted(api, "PAY-Y"), posted(api, "PAY-Z")) == ([1, 2, 3], [1, 2])
    monkeypatch.setattr(api.w.store, "set_cursor", save)
    writes = api.w.odoo_write_calls()
    third = ledger_batch(source="api")  # pulls both again: recognised in the inbox and in Odoo
    assert len(third["pulled"]) == 2 and third["counts"]["already posted"] == 5 and third["odoo_writes"] == 0
    assert api.w.odoo_write_calls() == writes
    assert (posted(api, "PAY-Y"), posted(api, "PAY-Z")) == ([1, 2, 3], [1, 2])
    assert ledger_batch(source="api")["pulled"] == []  # the cursor is saved now


def test_an_api_answering_429_503_and_losing_answers_still_delivers_each_entry_once(api):
    deliver(api, "PAY-F", 4)
    api.platform.faults.fail_next, api.platform.faults.status, api.platform.faults.retry_after = 2, 429, 1
    api.platform.faults.drop_next = 2
    result = ledger_batch(source="api")
    assert result["counts"]["posted"] == 4 and posted(api, "PAY-F") == [1, 2, 3, 4]
    assert api.paths == ["/deliveries"] * 5 + ["/deliveries/DLV-000001"]  # 2 x 429, 2 lost, then the listing
    api.paths.clear()
    deliver(api, "PAY-G", 1)
    api.platform.faults.fail_next, api.platform.faults.status, api.platform.faults.only = 1, 503, "download"
    api.platform.faults.drop_next = 1
    assert ledger_batch(source="api")["counts"]["posted"] == 1 and posted(api, "PAY-G") == [1]
    assert api.paths == ["/deliveries"] + ["/deliveries/DLV-000002"] * 3


def test_a_delivery_no_mapping_reads_is_held_and_the_command_says_so_and_exits_3(api):
    deliver(api, "PAY-H", 1, name="ledger-export.txt")
    deliver(api, "PAY-I", 1)
    out = CliRunner().invoke(cli, ["run", "ledger-batch", "--source", "api"], catch_exceptions=False)
    assert out.exit_code == 3, out.output
    assert "ledger API: 2 new deliveries: DLV-000001 ledger-export.txt, DLV-000002 payroll-PAY-I.csv" in out.output
    assert "0 ledger mappings read this file name" in out.output
    [held] = api.w.store.list_quarantine(category="technical")
    assert held.record_ref == f"ledger:api:{API_NAME}/deliveries/DLV-000001" and held.field == "file"
    assert posted(api, "PAY-I") == [1]
    again = CliRunner().invoke(cli, ["run", "ledger-batch", "--source", "api"], catch_exceptions=False)
    assert again.exit_code == 0 and "ledger API: 0 new deliveries" in again.output  # held, not pulled every night


def test_a_refused_token_stops_the_run_with_one_line_that_never_shows_it(api):
    api.platform.token = "another-token"
    out = CliRunner().invoke(cli, ["run", "ledger-batch", "--source", "api"], catch_exceptions=False)
    assert out.exit_code == 1
    assert out.output.splitlines()[-1] == "error: ledger API token refused (HTTP 401); check OFM_LEDGER_API_TOKEN"
    assert TOKEN not in out.output


def test_the_token_is_in_no_inbox_audit_quarantine_or_cursor_row(api):
    deliver(api, "PAY-S", 1)
    deliver(api, "PAY-T", 1, name="ledger-export.txt")
    ledger_batch(source="api")
    rows = [row for table in ("inbox", "audit_chain", "quarantine", "sync_cursor") for row in stored(api, table)]
    assert any(f"api:{API_NAME}/deliveries/DLV-000002" in row for row in rows) and not any(TOKEN in r for r in rows)


def test_a_held_delivery_is_posted_by_replay_from_the_inbox_once_a_mapping_reads_it(api, monkeypatch, request):
    """The platform's cursor moved past a delivery no mapping read; once the mapping is extended, `ofm quarantine
    replay ID` reads it again from the inbox (byte for byte as pulled, nothing downloaded) and posts it once."""
    import yaml

    from ofm.settings import get_settings

    monkeypatch.setenv("OFM_DATABASE_URL", api.w.settings.database_url)  # the command's own store: the world's
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)

    deliver(api, "PAY-LATE", 2, name="salaries-2026-11.csv")
    assert CliRunner().invoke(cli, ["run", "ledger-batch", "--source", "api"]).exit_code == 3
    [held] = api.w.store.list_quarantine(category="technical")
    from ofm.tasks.shared.resources import resources

    folder = resources().settings.ledger_mapping_dir
    refused = CliRunner().invoke(cli, ["quarantine", "replay", str(held.id), "--actor", "controller"])
    assert "0 ledger mappings read this file name" in refused.output, refused.output
    assert f"quarantine entry {held.id}: open" in refused.output
    assert api.w.store.get_quarantine(held.id).status == "open" and posted(api, "PAY-LATE") == []
    mapping = folder / "payroll.yaml"
    doc = yaml.safe_load(mapping.read_text())
    mapping.write_text(yaml.safe_dump({**doc, "files": [*doc["files"], "salaries*.csv"]}, sort_keys=False))
    pulls = len(downloads(api))
    out = CliRunner().invoke(cli, ["quarantine", "replay", str(held.id), "--actor", "controller"])
    assert out.exit_code == 0, out.output
    assert posted(api, "PAY-LATE") == [1, 2] and len(downloads(api)) == pulls  # from the inbox, not the API
    row = api.w.store.get_quarantine(held.id)
    assert (row.status, row.decided_by) == ("replayed", "controller")
    assert any(a.step == "replayed" for a in api.w.store.trail(held.record_ref))
    again = CliRunner().invoke(cli, ["quarantine", "replay", str(held.id)])
    assert again.exit_code == 1 and "is replayed, not open: nothing to replay" in again.output
    assert posted(api, "PAY-LATE") == [1, 2]
