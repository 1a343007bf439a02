"""Secrets never leak: the demo's whole story told with known secret values, then everything it left scanned.

The story is `ofm demo`'s own (`ofm.cli.demo.run_demo`): its settings (`DEMO_ENV`) carry distinctive values for
every secret setting (Odoo API key, procurement token, ledger-source API token, a webhook secret, the alert token,
the alert webhook URL; on PostgreSQL also the store URL's password, of a login role made for the test), and the
sandboxes it talks HTTP to are served in this process on 127.0.0.1:85xx, accepting exactly those values. The
Prefect server is the test harness's; in place of the demo's deployments (no secret in them, 23 s) the Secret
blocks and the alert block are saved as `ofm serve` does, so Prefect holds every secret, encrypted. Alerts go to
the webhook intake's POST /alerts (the URL's query is its secret). Then runs fail on purpose so exception texts
exist: the procurement platform, the ledger-source API and Odoo refuse the token / key, Odoo is unreachable;
through `ofm run` / `ofm odoo check` (output kept) and as flows called directly (tracebacks kept). A signed
webhook and a forged one reach the intake, alerts with and without the token.

Then everything is read back and searched for each value, raw, URL-encoded and base64-encoded (at each of the
three alignments a value can have inside a longer encoded text): caplog, the process's and the Prefect server's
stdout/stderr, Prefect's logs, artifacts, events, flow and task runs, blocks, automations read back from its API,
every column of every table of the store and of Prefect's own database (the harness's SQLite, found from
PREFECT_SERVER_DATABASE_CONNECTION_URL) and the raw bytes of both files, the exceptions, the CLI's output, every
file under the run's folder (acks, close binder, var/) and under PREFECT_HOME. Zero hits.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import socket
import threading
import time
import traceback
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from typer.testing import CliRunner

SECRETS = {  # distinctive, and with characters URL-encoding changes (+ / =)
    "odoo_api_key": "odoo+K3y/7f3a9c1e=Zq41",
    "procurement_token": "proc+T0ken/5b8d2e0f=Xw52",
    "ledger_api_token": "ledg+T0ken/91c4a6d3=Vy63",
    "webhook_secret": "whsec+4e7b1a9d/Ut74=8c2f5a",
    "alert_token": "alrt+T0ken/2d6f8b3c=Rs85",
    "alert_webhook_url_token": "hookpath8c1e5a7fQp96",  # the part of the alert URL that is its secret
}
PORTS = range(8500, 8550)  # this checkout's share of the machine's ports


def forms(secret: str) -> set[str]:
    """The value as it could appear in a text: itself, URL-encoded, base64 (standard and URL-safe) at each
    alignment. Inside a longer base64 text only the characters wholly inside the value are fixed: the first
    and last two of each encoding are dropped (still 20+ distinctive characters)."""
    found = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
             json.dumps(secret)[1:-1]}
    raw = secret.encode()
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * pad + raw + b"\0" * 3).decode()
            start = -(-pad * 4 // 3) + 1  # past the characters mixing padding and value
            end = (pad + len(raw)) * 4 // 3 - 1
            found.add(text[start:end])
    return {f for f in found if len(f) >= 12}


def hits(corpus: dict[str, str], secrets: dict[str, str] = SECRETS) -> list[str]:
    """`place: secret (form)` for every form of every secret found in any text of `corpus`. A text is also read
    percent-decoded: encoders differ in what they escape (SQLAlchemy keeps `+` and `=` of a password, escapes `/`)."""
    out = []
    wanted = {(name, form) for name, secret in secrets.items() for form in forms(secret)}
    for place, text in corpus.items():
        readings = [text, urllib.parse.unquote(text)] if "%" in text else [text]
        found = {(name, form) for name, form in wanted if any(form in t for t in readings)}
        out += [f"{place}: {name} as {form!r}" for name, form in sorted(found)]
    return out


def test_the_scanner_finds_every_form():
    """The scan itself: a value found raw, URL-encoded and base64-encoded inside longer texts."""
    key = SECRETS["odoo_api_key"]
    for i, text in enumerate([f"x {key} y", urllib.parse.urlencode({"k": key}), f"Basic {_b64('u:' + key)}",
                              key.replace("/", "%2F"),  # escaped in part, as SQLAlchemy renders a password
                              _b64(f"ab{key}c"), base64.urlsafe_b64encode(f"a{key}".encode()).decode()]):
        assert hits({f"t{i}": text}), text
    assert not hits({"clean": "sandbox-key sandbox-token " + _b64("integration@example.com:admin")})


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# ---- the servers -----------------------------------------------------------------------------------------------

def _free_port(taken: set[int]) -> int:
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            taken.add(port)
            return port
    raise RuntimeError("no free port in 8500-8549")


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.05)
        assert server.started, f"nothing answers on 127.0.0.1:{port}"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


# ---- the story ---------------------------------------------------------------------------------------------------

SUPPLIERS = 60
COMPANY_IBAN = "DE89370400440532013000"  # `ofm sandbox odoo`'s default: the demo's bank journal account


@pytest.fixture
def leaks_world(prefect_harness, tmp_path, monkeypatch, caplog, capfd, store_url, request):
    """The demo told with the known secrets, failures after it; what the test scans."""
    from prefect.settings import PREFECT_API_URL

    from ofm.cli import demo
    from ofm.sandbox.ledger.api import create_app as ledger_app
    from ofm.sandbox.odoo import OdooSandbox
    from ofm.sandbox.odoo import create_app as odoo_app
    from ofm.sandbox.procurement import create_app as procurement_app
    from ofm.settings import get_settings

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="ofm")
    logged: list[logging.LogRecord] = []  # every record any logger handles: Prefect's logging set-up replaces the
    handle = logging.Logger.handle        # root's handlers (caplog's among them) and some loggers do not propagate

    def keep(self: logging.Logger, record: logging.LogRecord) -> None:
        logged.append(record)
        handle(self, record)

    monkeypatch.setattr(logging.Logger, "handle", keep)
    api = PREFECT_API_URL.value()
    secrets = dict(SECRETS)
    if store_url.startswith("postgresql"):  # the store's URL carries a password: one more secret
        store_url = _role_with_password(request, store_url)
        secrets["database_password"] = DB_PASSWORD
    monkeypatch.chdir(tmp_path)  # var/ of the demo, and no developer .env
    saved_env = dict(os.environ)
    taken: set[int] = set()
    ports = {name: _free_port(taken) for name in ("odoo", "procurement", "ledger", "intake", "closed")}
    sandbox = OdooSandbox(api_key=SECRETS["odoo_api_key"], company_iban=COMPANY_IBAN)  # as `ofm sandbox odoo`
    procurement = procurement_app(n=SUPPLIERS, token=SECRETS["procurement_token"])
    ledger = ledger_app(token=SECRETS["ledger_api_token"])
    # where Prefect's automations send alerts: the webhook intake's POST /alerts, the URL's query its secret
    alert_url = f"http://127.0.0.1:{ports['intake']}/alerts?key={SECRETS['alert_webhook_url_token']}"
    env = {**demo.DEMO_ENV, "OFM_DATABASE_URL": store_url,
           "OFM_ODOO_URL": f"http://127.0.0.1:{ports['odoo']}", "OFM_ODOO_API_KEY": SECRETS["odoo_api_key"],
           "OFM_PROCUREMENT_URL": f"http://127.0.0.1:{ports['procurement']}",
           "OFM_PROCUREMENT_TOKEN": SECRETS["procurement_token"],
           "OFM_LEDGER_API_URL": f"http://127.0.0.1:{ports['ledger']}",
           "OFM_LEDGER_API_TOKEN": SECRETS["ledger_api_token"],
           "OFM_WEBHOOK_SECRETS": json.dumps({"procurement": SECRETS["webhook_secret"]}),
           "OFM_ALERT_TOKEN": SECRETS["alert_token"], "OFM_ALERT_WEBHOOK_URL": alert_url,
           "OFM_ALERT_LOG": str(tmp_path / "var" / "alerts.log"), "OFM_ODOO_MAX_ATTEMPTS": "1"}
    monkeypatch.setattr(demo, "DEMO_ENV", env)
    monkeypatch.setattr(demo, "_start", lambda suppliers, extra=None: api)
    blocks: list[str] = []
    monkeypatch.setattr(demo, "_deploy", lambda api, settings: blocks.extend(_secrets_into_prefect(api, settings)))
    seen: dict[str, str] = {}
    try:
        with (serving(odoo_app(sandbox), ports["odoo"]), serving(procurement, ports["procurement"]),
              serving(ledger, ports["ledger"]), serving(_intake(env), ports["intake"])):
            demo_out = _capture(lambda: demo.run_demo(suppliers=SUPPLIERS))
            seen["demo stdout"] = demo_out
            seen.update(_failures(tmp_path, env, ports, sandbox, procurement, ledger))
            seen.update(_webhook_and_alert(tmp_path, store_url))
            seen["stdout and stderr (fd: this process, and the Prefect server's)"] = "".join(capfd.readouterr())
            seen["caplog"] = _records(caplog.records)  # now: the test's own phase sees only its own records
            seen["every log record"] = _records(logged)
            yield {"api": api, "store_url": store_url, "seen": seen, "tmp_path": tmp_path, "caplog": caplog,
                   "secrets": secrets, "blocks": blocks}
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        get_settings.cache_clear()
        monkeypatch.setattr("ofm.tasks.shared.resources._override", None)
        monkeypatch.setattr("ofm.cli.runner._target", None)


DB_PASSWORD = "pg+Pa55/3e9d7c1b=Tm07"


def _role_with_password(request, url: str) -> str:
    """The PostgreSQL store's URL as a login role with a password (dropped after the test) would give it."""
    from sqlalchemy.engine import make_url

    admin: sa.Engine = request.getfixturevalue("pg_admin")
    given = make_url(url)
    schema = given.query["options"].removeprefix("-csearch_path=")
    role = f"{schema}_role"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD '{DB_PASSWORD}'")
        conn.exec_driver_sql(f"GRANT ALL ON SCHEMA {schema} TO {role}")

    def drop() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")

    request.addfinalizer(drop)
    return given.set(username=role, password=DB_PASSWORD).render_as_string(hide_password=False)


def _secrets_into_prefect(api: str, settings) -> list[str]:
    """In place of the demo's deployments (23 s here, no secret in them): what puts secrets into Prefect, as
    `ofm serve` does: the Secret blocks the deployments' runs read, and the automations' alert block."""
    from ofm.deploy.secrets import ensure_secret_blocks
    from ofm.ops.automations import apply_automations

    created = ensure_secret_blocks(api, settings)
    assert apply_automations(api, settings=settings)
    return created


def _intake(env: dict[str, str]) -> Any:
    """The webhook intake (`ofm webhooks serve`) with the demo's settings: webhooks and POST /alerts."""
    from ofm.settings import Settings
    from ofm.webhooks.app import create_app

    os.environ.update(env)
    return create_app(Settings(_env_file=None, webhook_relay_seconds=3600))


def _records(records: list[logging.LogRecord]) -> str:
    return "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in records)


def _capture(call) -> str:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        call()
    return out.getvalue()


def _cli(env: dict[str, str], args: list[str]) -> str:
    """`ofm ARGS` with these settings; its stdout, stderr and any exception it died of."""
    from ofm.cli.main import app
    from ofm.settings import get_settings

    os.environ.update(env)
    get_settings.cache_clear()
    import ofm.cli.runner
    import ofm.tasks.shared.resources

    ofm.tasks.shared.resources._override = None
    ofm.cli.runner._target = None
    result = CliRunner().invoke(app, args)
    died = "".join(traceback.format_exception(result.exception)) if result.exception else ""
    return f"exit {result.exit_code}\n{result.output}\n{getattr(result, 'stderr', '')}\n{died}"


def _flow_error(call) -> str:
    """The text of the exception a flow run called directly ends with (empty when it did not fail)."""
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - its text is what is scanned
        return "".join(traceback.format_exception(exc)) + repr(exc)
    return ""


def _failures(tmp_path: Path, env: dict[str, str], ports: dict[str, int], sandbox, procurement, ledger
              ) -> dict[str, str]:
    """Runs refused (token, key) or cut off (Odoo unreachable), through the CLI and called directly."""
    from pydantic import SecretStr

    from ofm.flows.ledger_batch import ledger_batch
    from ofm.flows.supplier_onboarding import supplier_onboarding
    from ofm.settings import Settings
    from ofm.tasks.shared.resources import build_resources, use_resources

    out: dict[str, str] = {}
    procurement.state.platform.token = "another-token-entirely"
    ledger.state.platform.token = "another-token-entirely"
    out["cli: procurement refuses the token"] = _cli(env, ["run", "supplier-onboarding"])
    out["cli: ledger API refuses the token"] = _cli(env, ["run", "ledger-batch", "--source", "api"])
    settings = Settings(_env_file=None)
    with use_resources(build_resources(settings)):
        out["flow: procurement refuses the token"] = _flow_error(supplier_onboarding)
        out["flow: ledger API refuses the token"] = _flow_error(lambda: ledger_batch(source="api"))
    procurement.state.platform.token = SECRETS["procurement_token"]
    sandbox.api_key = "another-key-entirely"
    out["cli: Odoo refuses the key"] = _cli(env, ["run", "supplier-onboarding"])
    out["cli: odoo check, key refused"] = _cli(env, ["odoo", "check"])
    with use_resources(build_resources(Settings(_env_file=None))):
        out["flow: Odoo refuses the key"] = _flow_error(supplier_onboarding)
    sandbox.api_key = SECRETS["odoo_api_key"]
    gone = {**env, "OFM_ODOO_URL": f"http://127.0.0.1:{ports['closed']}"}
    out["cli: Odoo unreachable"] = _cli(gone, ["run", "supplier-onboarding"])
    out["cli: odoo check, Odoo unreachable"] = _cli(gone, ["odoo", "check"])
    with use_resources(build_resources(Settings(_env_file=None, odoo_url=gone["OFM_ODOO_URL"],
                                                odoo_api_key=SecretStr(SECRETS["odoo_api_key"])))):
        out["flow: Odoo unreachable"] = _flow_error(supplier_onboarding)
    os.environ.update(env)
    for place, text in out.items():  # each failure happened, and was told
        if place.startswith("cli"):
            assert not text.startswith("exit 0"), f"{place} did not fail:\n{text}"
        else:
            assert text, f"{place} did not fail"
    return out


def _webhook_and_alert(tmp_path: Path, store_url: str) -> dict[str, str]:
    """A signed webhook event (accepted), a forged one (refused), alerts with and without the token."""
    import warnings

    from ofm.ops.automations import TOKEN_HEADER
    from ofm.settings import Settings
    from ofm.webhooks.app import create_app
    from ofm.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    settings = Settings(_env_file=None, webhook_relay_seconds=3600)
    event = {"id": "evt-leak-0001", "type": "purchase_order.approved",
             "data": {"po_id": "PO-0042", "approved_by": "Dana Buyer", "approved_at": "2026-12-07T10:15:00+00:00"}}
    body = json.dumps(event).encode()
    ts = str(int(time.time()))
    good = {"Content-Type": "application/json", TIMESTAMP_HEADER: ts,
            SIGNATURE_HEADER: sign(SECRETS["webhook_secret"], ts, body)}
    forged = {**good, SIGNATURE_HEADER: sign("not-the-secret", ts, body)}
    answers = {}
    with TestClient(create_app(settings)) as client:
        answers["webhook signed"] = client.post("/webhooks/procurement", content=body, headers=good)
        answers["webhook forged"] = client.post("/webhooks/procurement", content=body, headers=forged)
        alert = {"subject": "[P2] leak test", "body": "a run left exceptions"}
        answers["alert with token"] = client.post("/alerts", json=alert, headers={TOKEN_HEADER: SECRETS["alert_token"]})
        answers["alert wrong token"] = client.post("/alerts", json=alert, headers={TOKEN_HEADER: "wrong"})
    assert [a.status_code for a in answers.values()] == [202, 401, 202, 401]
    return {f"intake: {k}": f"{a.status_code} {a.headers} {a.text}" for k, a in answers.items()}


# ---- reading back what the run left ---------------------------------------------------------------------------

def _prefect_api(api: str) -> dict[str, str]:
    """Logs, artifacts, events, flow runs (parameters, states), deployments, blocks and automations, as the API
    gives them (every page)."""
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    time.sleep(2)  # the server writes logs and events in the background
    out: dict[str, str] = {}
    with httpx.Client(base_url=api, timeout=30) as http:
        for name in ("logs", "artifacts", "flow_runs", "task_runs", "deployments", "block_documents",
                     "automations", "variables", "work_pools"):
            rows, offset = [], 0
            while True:
                page = http.post(f"/{name}/filter", json={"limit": 200, "offset": offset})
                page.raise_for_status()
                got = page.json()
                rows += got
                if len(got) < 200:
                    break
                offset += 200
            out[f"prefect api: {name}"] = json.dumps(rows)
        events = http.post("/events/filter", json={"limit": 50, "filter": {"occurred": {
            "since": "2000-01-01T00:00:00Z"}}}).json()
        pages = [events]
        while events.get("next_page"):
            events = http.get(events["next_page"]).json()
            pages.append(events)
        out["prefect api: events"] = json.dumps(pages)
    assert json.loads(out["prefect api: logs"]) and json.loads(out["prefect api: artifacts"])
    assert sum(len(p["events"]) for p in pages) > 50
    return out


def _database(url: str, label: str) -> dict[str, str]:
    """Every column of every row of every table, as text (JSON and blobs included)."""
    engine = sa.create_engine(url)
    out: dict[str, str] = {}
    try:
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
                out[f"{label}: {table}"] = "\n".join(
                    " | ".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row)
                    for row in rows)
    finally:
        engine.dispose()
    return out


def _prefect_database() -> dict[str, str]:
    """The harness's SQLite database: every table through SQL, and its folder's files as bytes."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    url = PREFECT_SERVER_DATABASE_CONNECTION_URL.value().replace("+aiosqlite", "")
    path = Path(url.removeprefix("sqlite:///"))
    assert url.startswith("sqlite:///") and path.is_file(), url
    return {**_database(url, "prefect db"), **_files(path.parent, "prefect db file:")}


def _files(root: Path, label: str = "file") -> dict[str, str]:
    """Every file under `root`, as bytes read as text: SQLite files too (their free pages hold deleted rows)."""
    return {f"{label} {p.relative_to(root)}": p.read_bytes().decode("utf-8", "replace")
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_no_secret_reaches_any_log_artifact_event_table_file_or_error(leaks_world):
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_HOME

    w = leaks_world
    if "ofm-odoo-api-key" in w["blocks"]:  # Prefect holds it (encrypted): the scan of its database must not see it
        assert Secret.load("ofm-odoo-api-key", _sync=True).get() == SECRETS["odoo_api_key"]
    store = _database(w["store_url"], "store")
    for table in ("audit_chain", "quarantine", "inbox", "outbox", "sync_cursor", "run_metric"):
        assert store.get(f"store: {table}"), f"the store's {table} is empty: the story did not run"
    corpus = {**w["seen"], **_prefect_api(w["api"]), **_prefect_database(), **store, **_files(w["tmp_path"]),
              **_files(Path(PREFECT_HOME.value()), "prefect home:"),
              "caplog (reading back)": _records(w["caplog"].records)}
    for written in ("var/acks", "var/close/2026-11", "var/bank", "var/ledger", "var/ubl"):
        assert any(p.is_file() for p in (w["tmp_path"] / written).iterdir()), f"nothing in {written}"
    assert "Second" not in w["seen"]["demo stdout"] and "audit chain: intact" in w["seen"]["demo stdout"]
    assert len(corpus["prefect db: log"].splitlines()) > 50 and len(corpus["every log record"].splitlines()) > 100
    found = hits(corpus, w["secrets"])
    assert not found, "secrets found:\n" + "\n".join(found[:40])
