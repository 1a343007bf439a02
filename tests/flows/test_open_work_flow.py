"""The open-work flow on quarantine entries the real flows made: supplier onboarding holding bank accounts for
treasury, a bank statement leaving entries unmatched. Read back from the Prefect test server: one table per owner
team (the bank entries by Odoo document name, the links, ages, amounts, dates), the summary, the backlog events."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from flow_world import at_once, odoo_client
from pydantic import SecretStr

from ofm.connectors.procurement import ProcurementClient, ProcurementConfig
from ofm.flows.bank_reconciliation import bank_reconciliation
from ofm.flows.open_work import open_work
from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.sandbox.bank.documents import day_one, seed_documents
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
from ofm.sandbox.procurement import InProcessTransport, create_app
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.open_work.publish import BACKLOG_EVENT
from ofm.tasks.open_work.rows import COLUMNS, NO_OPEN_WORK
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]
ODOO_URL = "https://erp.example.com"
LINE = "account.bank.statement.line"
READS = {"search_read", "read", "search", "search_count", "fields_get", "context_get"}


@pytest.fixture
def world(tmp_path, store_url):
    """Odoo (its bank journal carrying the company's account) and procurement sandboxes, a store on SQLite or
    PostgreSQL, treasury's threshold at 2 and vendor-master's at 100."""
    sandbox = OdooSandbox(company_iban=COMPANY_IBAN)
    odoo = odoo_client(sandbox)
    settings = Settings(_env_file=None, database_url=store_url, ack_dir=tmp_path / "acks", odoo_url=ODOO_URL,
                        backlog_thresholds={"treasury": 2, "vendor-master": 100, "default": 50})
    store = Store(store_url)
    store.migrate()
    transport = InProcessTransport(create_app(n=60, seed=7, token="sandbox-token"))

    def procurement() -> ProcurementClient:
        return ProcurementClient(ProcurementConfig(url="http://procurement.test", token=SecretStr("sandbox-token"),
                                                   pagination="cursor", page_size=20), transport=transport)

    res = Resources(settings=settings, store=store, odoo=odoo, procurement_factory=procurement)
    with use_resources(res), httpx.Client(transport=transport, base_url="http://procurement.test") as admin:
        yield sandbox, odoo, store, settings, admin
    store.close()


def backdate(store: Store, ids: list[int], hours: float) -> None:
    """The entries were quarantined `hours` ago (a backlog has a history; the flows just wrote them now)."""
    at = datetime.now(UTC) - timedelta(hours=hours)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE quarantine SET created_at = :at WHERE id = :id"),
                     [{"at": at.replace(tzinfo=None), "id": i} for i in ids])


def artifacts(flow_run_id: str) -> dict[str, object]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(flow_run_id)])))
    return {a.key: a for a in sorted(found, key=lambda a: a.created)}


def latest(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

    with get_client(sync_client=True) as client:
        [found] = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(
            key=ArtifactCollectionFilterKey(any_=[key])))
    return found


def backlog_events(flow_run_id: str, team: str, timeout: float) -> list:
    """The server's backlog events for `team` sent by this run (the server stores events in batches)."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventRelatedFilter, EventResourceFilter

    deadline = time.monotonic() + timeout
    while True:
        wanted = EventFilter(event=EventNameFilter(name=[BACKLOG_EVENT]),
                             resource=EventResourceFilter(id=[f"ofm.owner.{team}"]),
                             related=EventRelatedFilter(id=[f"prefect.flow-run.{flow_run_id}"]))
        with get_client(sync_client=True) as client:
            found = client.read_events(filter=wanted, limit=50).events
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_open_work_per_team_with_bank_suggestions_by_odoo_name_links_ages_and_backlog_events(world, tmp_path):
    sandbox, odoo, store, settings, admin = world
    supplier_onboarding(actor="test")
    admin.post("/admin/advance", headers={"Authorization": "Bearer sandbox-token"}).raise_for_status()
    supplier_onboarding(actor="test")  # day 2: new bank accounts held for treasury
    seed_documents(odoo)
    path, _, _ = day_one(odoo, tmp_path)
    bank_reconciliation(file=str(path), actor="test")
    held = store.list_quarantine(status="open", limit=1000)
    treasury = [q for q in held if q.owner_team == "treasury"]
    bank = {q.id: q for q in held if q.object_type == "bank-entry"}
    assert len(treasury) == 3 and len(bank) == 3 and any(q.field == "bank_accounts" for q in treasury)
    backdate(store, [q.id for q in treasury], 50)
    backdate(store, list(bank), 3.5)
    writes = sum(n for (_m, method), n in sandbox.calls.items() if method not in READS)

    result = open_work(actor="test")

    assert sum(n for (_m, method), n in sandbox.calls.items() if method not in READS) == writes, "it wrote to Odoo"
    shown = artifacts(result["flow_run_id"])
    teams = {q.owner_team for q in store.list_quarantine(status="open", limit=1000)}
    assert set(shown) >= {"open-work", *(f"open-work-{t}" for t in teams)}
    tables = {k.removeprefix("open-work-"): json.loads(a.data) for k, a in shown.items() if a.type == "table"}
    # a team an earlier run on this Prefect server showed, with nothing open here, gets its "no open work" table
    closed = {t: rows for t, rows in tables.items() if t not in teams}
    assert all(rows == [{c: (NO_OPEN_WORK if c == COLUMNS[0] else "") for c in COLUMNS}] for rows in closed.values())
    tables = {t: rows for t, rows in tables.items() if t in teams}
    assert all(tuple(r) == COLUMNS for rows in tables.values() for r in rows)
    assert {t: sorted(r["quarantine id"] for r in rows) for t, rows in tables.items()} == \
        {t: sorted(q.id for q in held if q.owner_team == t) for t in teams}

    # the bank entries: amount, date, counterparty, references, and suggestions by the names Odoo gives them
    rows = {r["quarantine id"]: r for t in ("accounts-receivable", "accounts-payable") for r in tables[t]}
    lines = {r["id"]: r for r in odoo.search_read(LINE, [], ["move_id", "amount", "date", "payment_ref"])}
    suggested = 0
    for qid, q in bank.items():
        entry, cell = q.payload["entry"], rows[qid]
        assert cell["amount"] == f"{entry['amount']['amount']} EUR" and cell["date"] == entry["booking_date"]
        assert cell["reason"] == q.reason and cell["age"] == "3 h" and cell["category"] == "match"
        assert f"bank ref {entry['bank_reference']}" in cell["reference"]
        line = lines[q.payload["statement_line"]]
        assert float(entry["amount"]["amount"]) == line["amount"]
        assert cell["odoo"] == f"{ODOO_URL}/odoo/account.move/{line['move_id'][0]}"
        for s in q.payload["suggestions"]:
            moves = odoo.read("account.move.line", s["odoo_lines"], ["move_id"])
            names = odoo.read("account.move", [m["move_id"][0] for m in moves], ["name"])
            assert all(n["name"].startswith(("INV/", "BILL/")) for n in names)
            assert " + ".join(n["name"] for n in names) in cell["suggestions"]
            suggested += 1
        assert "odoo_lines" not in cell["suggestions"] and "[" not in cell["suggestions"]
    assert suggested >= 3
    ambiguous = next(r for r in rows.values() if r["reason"].startswith("ambiguous"))
    assert ambiguous["counterparty"].startswith("Customer 1 GmbH, ")

    # treasury: the supplier's Odoo partner linked, two days old, over its threshold of 2
    partners = {p["ref"]: p["id"] for p in odoo.search_read("res.partner", [["supplier_rank", ">", 0]], ["ref"])}
    for q in treasury:
        cell = next(r for r in tables["treasury"] if r["quarantine id"] == q.id)
        assert cell["age"] == "2 d" and cell["reason"] == q.reason
        if q.field == "bank_accounts":  # an existing supplier whose new account waits for approval
            assert cell["odoo"] == f"{ODOO_URL}/odoo/res.partner/{partners[q.payload['vendor_code']]}"
            assert cell["counterparty"] == q.payload["legal_name"]
    assert result["teams"]["treasury"] == {"open": 3, "threshold": 2, "oldest": "2 d", "oldest_hours": 50.0,
                                           "over": True, "categories": {"approval": 2, "business": 1}}
    summary = shown["open-work"].data
    assert "| treasury | 3 | 2 | 2 d | **yes** |" in summary
    [event] = backlog_events(result["flow_run_id"], "treasury", timeout=30)
    assert event.payload == {"open": 3, "threshold": 2, "oldest_hours": 50.0}
    assert event.resource.get("prefect.resource.name") == "treasury"
    vendor_master = result["teams"]["vendor-master"]
    assert vendor_master["open"] > 0 and not vendor_master["over"]
    assert backlog_events(result["flow_run_id"], "vendor-master", timeout=1) == []
    assert result["backlog_events"] == ["treasury"]

    # treasury's work is done: its table's latest version says so, and no event comes any more
    for q in treasury:
        store.set_quarantine_status(q.id, "discarded", actor="test", note="done")
    again = open_work(actor="test")
    table = json.loads(latest("open-work-treasury").data)
    assert table == [{c: (NO_OPEN_WORK if c == COLUMNS[0] else "") for c in COLUMNS}]
    assert "treasury" not in again["teams"] and again["backlog_events"] == []


def test_an_empty_quarantine_says_no_open_work_and_two_runs_at_once_are_harmless(world):
    sandbox, odoo, store, settings, _ = world
    results = at_once(2, settings, sandbox, lambda i: open_work(actor=f"test-{i}"))
    assert all(isinstance(r, dict) for r in results), results
    for result in results:
        shown = artifacts(result["flow_run_id"])
        assert [k for k in shown if k == "open-work"] == ["open-work"]
        assert "**No open work**" in shown["open-work"].data and result["open"] == 0
        assert result["state"] == "Completed"
    assert not [m for (_m, m) in sandbox.calls if m not in READS]


def test_bank_entries_stored_before_names_were_get_them_from_odoo_in_one_read_per_model(world, tmp_path):
    from ofm.store import tables as t

    sandbox, odoo, store, settings, _ = world
    seed_documents(odoo)
    path, _, _ = day_one(odoo, tmp_path)
    bank_reconciliation(file=str(path), actor="test")
    bank = [q for q in store.list_quarantine(status="open", limit=100) if q.object_type == "bank-entry"]
    stored = {q.id: q.payload for q in bank}
    with store.engine.begin() as conn:  # as the bank flow stored them before: line ids only, no statement line
        for q in bank:
            old = {k: v for k, v in q.payload.items() if k not in ("statement_line", "statement_move")}
            old["suggestions"] = [{k: v for k, v in s.items() if k != "documents"} for s in old["suggestions"]]
            conn.execute(sa.update(t.quarantine).where(t.quarantine.c.id == q.id).values(payload=old))
    assert all("documents" not in s for q in store.list_quarantine(limit=100) for s in q.payload.get("suggestions", []))
    before = dict(sandbox.calls)

    result = open_work(actor="test")

    calls = {k: n - before.get(k, 0) for k, n in sandbox.calls.items() if n - before.get(k, 0)}
    assert calls == {("account.move.line", "search_read"): 1, (LINE, "fields_get"): 1, (LINE, "search_read"): 1}
    tables = {k: json.loads(a.data) for k, a in artifacts(result["flow_run_id"]).items() if a.type == "table"}
    rows = {r["quarantine id"]: r for table in tables.values() for r in table}
    for qid, payload in stored.items():
        assert rows[qid]["odoo"] == f"{ODOO_URL}/odoo/account.move/{payload['statement_move']}"
        names = [" + ".join(s["documents"]) for s in payload["suggestions"]]
        moves = [odoo.read("account.move.line", s["odoo_lines"], ["move_name"]) for s in payload["suggestions"]]
        assert names == [" + ".join(m["move_name"] for m in ms) for ms in moves]  # what was stored is Odoo's name
        assert rows[qid]["suggestions"] == "; ".join(f"{n} ({s['score']:.2f}: {s['why']})"
                                                     for n, s in zip(names, payload["suggestions"], strict=True))


def test_the_command_prints_the_rows_the_flow_publishes(world, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from ofm.cli.main import app
    from ofm.settings import get_settings

    sandbox, odoo, store, settings, _ = world
    seed_documents(odoo)
    path, _, _ = day_one(odoo, tmp_path)
    bank_reconciliation(file=str(path), actor="test")
    tables = {k.removeprefix("open-work-"): json.loads(a.data)
              for k, a in artifacts(open_work(actor="test")["flow_run_id"]).items() if a.type == "table"}
    published = {team: rows for team, rows in tables.items() if rows[0]["quarantine id"] != NO_OPEN_WORK}
    monkeypatch.setenv("OFM_DATABASE_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("OFM_ODOO_URL", ODOO_URL)
    monkeypatch.setenv("OFM_BACKLOG_THRESHOLDS", "accounts-receivable=1,default=50")
    get_settings.cache_clear()
    try:
        shown = CliRunner().invoke(app, ["open-work", "--json"], catch_exceptions=False)
        text = CliRunner().invoke(app, ["open-work", "--team", "accounts-receivable"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert shown.exit_code == 0 and json.loads(shown.output) == published
    assert text.exit_code == 0 and "accounts-receivable: 2 open (threshold 1), oldest 0 min - OVER THRESHOLD" in \
        text.output and "accounts-payable" not in text.output.split("\n", 1)[1]
    for row in published["accounts-receivable"]:
        assert f"#{row['quarantine id']}  " in text.output and row["reason"] in text.output
        assert f"odoo: {row['odoo']}" in text.output and "suggestion 1: INV/" in text.output
