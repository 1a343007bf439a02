"""The README's production path: `ofm run supplier-onboarding --source FILE` configured only by
environment variables, talking HTTP to an Odoo sandbox served by uvicorn on a real port."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from local_servers import serving
from typer.testing import CliRunner

from ofm.cli.main import app
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo import create_app as odoo_app
from ofm.sandbox.procurement import generate_suppliers
from ofm.settings import get_settings

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def odoo_server() -> Iterator[tuple[str, OdooSandbox]]:
    sandbox = OdooSandbox()
    with serving(odoo_app(sandbox)) as url:
        yield url, sandbox


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
