"""Which Prefect server `ofm run` uses: PREFECT_API_URL, or the project's own (recognised by its home under
var/prefect, started when the port is free); another server on the port is refused with one line, and
nothing runs. No Prefect server is started here: starting is replaced by a recorder."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from ofm.cli import prefect_server, runner
from ofm.cli.prefect_server import PrefectUnavailable, identify, resolve_prefect


def _fake_prefect(home: str | None, health: int = 200) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/api/health":
                status, body = health, b"true"
            elif self.path == "/api/admin/settings" and home is not None:
                status, body = 200, json.dumps({"home": home, "api": {"url": None}}).encode()
            else:
                status, body = 404, b'{"detail": "Not Found"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Iterator[list[int]]:
    """A checkout in tmp_path, no PREFECT_API_URL, no Prefect profile URL; records server starts."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(prefect_server, "_configured_url", lambda: (None, ""))
    started: list[int] = []

    def ensure(self) -> str:
        started.append(int(self.health_url.split(":")[2].split("/")[0]))
        return "started"

    monkeypatch.setattr(prefect_server.Service, "ensure", ensure)
    yield started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_free_port_gets_the_project_server_started(project):
    port = _free_port()
    target = resolve_prefect(port)
    assert project == [port]
    assert target.line() == f"Prefect: http://127.0.0.1:{port}/api (project server, started)"


def test_our_running_server_is_recognised_by_its_home(project, tmp_path):
    server, port = _fake_prefect(str(tmp_path / "var" / "prefect"))
    try:
        target = resolve_prefect(port)
    finally:
        server.shutdown()
    assert target.how == "project server, running" and project == []


@pytest.mark.parametrize(("home", "health", "says"), [
    ("/srv/other-checkout/var/prefect", 200, "a Prefect server with home /srv/other-checkout/var/prefect"),
    (None, 200, "a server that does not tell its Prefect settings"),
    (None, 503, "a server that answers HTTP 503 on /api/health"),
])
def test_another_server_on_the_port_is_refused_and_nothing_is_started(project, home, health, says):
    server, port = _fake_prefect(home, health)
    try:
        with pytest.raises(PrefectUnavailable) as err:
            resolve_prefect(port)
    finally:
        server.shutdown()
    message = str(err.value)
    assert message.startswith(f"127.0.0.1:{port} is taken by {says}, not this project's server")
    assert "OFM_PREFECT_PORT" in message and "\n" not in message
    assert project == []


def test_a_port_held_by_something_that_is_not_http_is_refused(project):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert identify(f"http://127.0.0.1:{port}/api") == "a program that does not answer HTTP"
    assert project == []


def test_prefect_api_url_is_used_as_given_and_checked(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    server, port = _fake_prefect("/anywhere")
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api/")
    try:
        target = resolve_prefect(4200)
    finally:
        server.shutdown()
    assert target.line() == f"Prefect: http://127.0.0.1:{port}/api (PREFECT_API_URL)"
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{_free_port()}/api")
    with pytest.raises(PrefectUnavailable, match=r"\(PREFECT_API_URL\) cannot be reached: ConnectError"):
        resolve_prefect(4200)


def test_the_run_command_refuses_a_foreign_server_in_one_line_and_runs_nothing(project, tmp_path, monkeypatch):
    from ofm.cli.main import app
    from ofm.settings import get_settings

    statement = Path(tmp_path / "statement.xml")
    statement.write_text("<Document/>")
    server, port = _fake_prefect("/srv/other-checkout/var/prefect")
    monkeypatch.setenv("OFM_PREFECT_PORT", str(port))
    monkeypatch.setattr(runner, "_target", None)
    ran: list[str] = []
    monkeypatch.setattr(runner, "importlib", SimpleNamespace(import_module=ran.append))
    get_settings.cache_clear()
    monkeypatch.setattr("ofm.tasks.shared.resources._override", None)
    try:
        out = CliRunner().invoke(app, ["run", "bank-reconciliation", "--file", str(statement)])
    finally:
        server.shutdown()
        get_settings.cache_clear()
    assert out.exit_code == 1
    assert out.output.splitlines() == [
        f"error: Prefect: 127.0.0.1:{port} is taken by a Prefect server with home /srv/other-checkout/var/prefect, "
        f"not this project's server (home {tmp_path.resolve() / 'var' / 'prefect'}); stop it, set PREFECT_API_URL "
        f"to use it deliberately, or set OFM_PREFECT_PORT to a free port"]
    assert ran == [] and project == []
