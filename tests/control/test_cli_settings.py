"""The command line configured only by the environment, as a bank-only production installation is: `ofm odoo
check` talks HTTP to an Odoo sandbox on a real port without any procurement setting; a bad or missing setting
is one line naming the variable (never its value, never a traceback); a run that needs the procurement API and
has no token stops before anything runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_servers import serving
from typer.testing import CliRunner

from ofm.cli import runner
from ofm.cli.main import app
from ofm.connectors.odoo.usage import load_usage
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo import create_app as odoo_app
from ofm.settings import get_settings

API_KEY = "7c1d0e9a-real-looking-key"


@pytest.fixture(scope="module")
def odoo_url() -> Iterator[str]:
    with serving(odoo_app(OdooSandbox(api_key=API_KEY))) as url:
        yield url


@pytest.fixture
def bank_only(odoo_url, tmp_path, monkeypatch) -> Iterator[None]:
    """OFM_ENVIRONMENT=production with the Odoo settings set and no procurement setting at all."""
    monkeypatch.chdir(tmp_path)  # no developer .env
    for name in ("OFM_PROCUREMENT_TOKEN", "OFM_PROCUREMENT_URL", "OFM_ODOO_BATCH_SIZE", "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"OFM_ENVIRONMENT": "production", "OFM_ODOO_URL": odoo_url, "OFM_ODOO_DB": "sandbox",
                        "OFM_ODOO_LOGIN": "integration@example.com", "OFM_ODOO_API_KEY": API_KEY,
                        "OFM_DATABASE_URL": f"sqlite:///{tmp_path / 'ofm.db'}"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    monkeypatch.setattr("ofm.tasks.shared.resources._override", None)
    yield
    get_settings.cache_clear()
    monkeypatch.setattr("ofm.tasks.shared.resources._override", None)


def _ofm(*args: str):
    return CliRunner().invoke(app, list(args))


def test_odoo_check_of_a_bank_only_installation_needs_no_procurement_token(bank_only):
    out = _ofm("odoo", "check")
    lines = out.output.splitlines()
    assert lines[0].startswith("Odoo 19.0 at http://127.0.0.1:") and "protocol json2" in lines[0]
    # every flow the sandbox serves is ok; the month-end close needs what only a real Odoo has (exit 1, named)
    assert [line.split()[:2] for line in lines[1:] if line.startswith(("  ok", "  MISSING"))] == \
        [["ok" if flow != "month-end-close" else "MISSING", f"{flow}:"] for flow in load_usage().flows]
    assert out.exit_code == 1 and "OFM_PROCUREMENT" not in out.output


def test_odoo_check_of_one_flow(bank_only):
    out = _ofm("odoo", "check", "--flow", "bank-reconciliation")
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1].startswith("  ok       bank-reconciliation: 7 models")
    unknown = _ofm("odoo", "check", "--flow", "payroll")
    assert unknown.exit_code == 2 and unknown.output.startswith("error: unknown flow 'payroll'; one of: ")


@pytest.mark.parametrize(("env", "line"), [
    ({"OFM_ODOO_BATCH_SIZE": "lots-of-7c1d0e9a"},
     "error: configuration: OFM_ODOO_BATCH_SIZE: Input should be a valid integer, unable to parse string as an "
     "integer"),
    ({"OFM_ODOO_API_KEY": "changeme"},
     "error: configuration: OFM_ODOO_API_KEY is a placeholder; set the real value (placeholders are accepted only "
     "with OFM_ENVIRONMENT=sandbox)"),
    ({"OFM_ODOO_URL": None},
     "error: configuration: OFM_ODOO_URL is not set (OFM_ENVIRONMENT=production uses no sandbox default); "
     "the Odoo connection needs it"),
])
def test_a_bad_setting_is_one_line_naming_the_variable(bank_only, monkeypatch, env, line):
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    out = _ofm("odoo", "check")
    assert out.exit_code == 1
    assert out.output.splitlines() == [line]
    assert "7c1d0e9a" not in out.output and "Traceback" not in out.output


def test_a_run_that_reads_the_procurement_api_without_a_token_stops_before_prefect(bank_only, monkeypatch):
    monkeypatch.setattr(runner, "use_prefect", lambda port: pytest.fail("Prefect was asked for"))
    for flow in ("po-sync", "goods-receipt", "three-way-match", "procure-to-pay", "supplier-onboarding"):
        out = _ofm("run", flow)
        assert out.exit_code == 1, flow
        assert out.output.splitlines() == ["error: configuration: OFM_PROCUREMENT_TOKEN is not set; the procurement "
                                           "API (a run without --source) needs it"], flow


def test_runs_that_do_not_read_the_procurement_api_do_not_need_it():
    assert runner.systems_needed("bank-reconciliation", {"file": "x.xml"}) == ("odoo",)
    assert runner.systems_needed("bank-statement-folder", {}) == ("odoo",)
    assert runner.systems_needed("po-sync", {"source": "orders.json"}) == ("odoo",)
    assert runner.systems_needed("supplier-onboarding", {"replay": [3]}) == ("odoo",)
    assert runner.systems_needed("po-sync", {"source": None}) == ("odoo", "procurement")
