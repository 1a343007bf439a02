"""The README's production path: `ofm run supplier-onboarding --source FILE` configured only by
environment variables, talking HTTP to an Odoo sandbox served by uvicorn on a real port."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from typer.testing import CliRunner

from ofm.cli.main import app
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo import create_app as odoo_app
from ofm.sandbox.procurement import generate_suppliers
from ofm.settings import get_settings

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def odoo_server() -> Iterator[tuple[str, OdooSandbox]]:
    sandbox = OdooSandbox()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(odoo_app(sandbox), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", sandbox
    server.should_exit = True
    thread.join(5)


def test_run_from_a_file_against_odoo_over_http_then_again_writes_nothing(odoo_server, tmp_path, monkeypatch):
    url, sandbox = odoo_server
    source = tmp_path / "suppliers.json"
    source.write_text(json.dumps({"suppliers": generate_suppliers(30, seed=3)}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # the session's test server (Prefect settings) runs it
    for name, value in {"OFM_ODOO_URL": url, "OFM_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
                        "OFM_ACK_DIR": str(tmp_path / "acks"), "OFM_ODOO_API_KEY": "sandbox-key"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    monkeypatch.setattr("ofm.tasks.shared.resources._override", None)
    try:
        runner = CliRunner()
        first = runner.invoke(app, ["run", "supplier-onboarding", "--source", str(source), "--json"],
                              catch_exceptions=False)
        assert first.exit_code == 0, first.output
        result = json.loads(first.output[first.output.index("{"):])
        assert result["reconciles"] is True and result["counts"]["created"] > 15
        assert sandbox.count("res.partner", "create") >= 1
        monkeypatch.setattr("ofm.tasks.shared.resources._override", None)
        again = runner.invoke(app, ["run", "supplier-onboarding", "--source", str(source)], catch_exceptions=False)
        assert again.exit_code == 0, again.output
        assert "nothing to write" in again.output
    finally:
        get_settings.cache_clear()
        monkeypatch.setattr("ofm.tasks.shared.resources._override", None)
