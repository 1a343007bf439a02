"""`ofm odoo check` against the Odoo sandbox of each supported version, and with a wrong key."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from ofm.connectors.odoo import OdooClient, OdooConfig
from ofm.control.odoo_check import REQUIRED, check_odoo
from ofm.control.settings import Settings
from ofm.sandbox.odoo import OdooSandbox, SandboxTransport
from ofm.tasks.resources import Resources, use_resources


def _check(version: tuple[int, int], api_key: str = "sandbox-key"):
    sandbox = OdooSandbox(version=version)
    config = OdooConfig(url="http://odoo.sandbox", db="sandbox", login="integration@example.com",
                        api_key=SecretStr(api_key))
    odoo = OdooClient(config, transport=SandboxTransport(sandbox), sleep=lambda _s: None)
    with use_resources(Resources(settings=Settings(_env_file=None), store=None, odoo=odoo)):  # type: ignore[arg-type]
        return check_odoo(), sandbox


@pytest.mark.parametrize(("version", "protocol"), [((17, 0), "jsonrpc"), ((18, 0), "jsonrpc"), ((19, 0), "json2")])
def test_check_reports_version_protocol_and_finds_nothing_missing(version, protocol):
    report, sandbox = _check(version)
    assert report.ok, report.lines
    assert report.lines[0].startswith(f"Odoo {version[0]}.{version[1]} ")
    assert f"protocol {protocol}" in report.lines[0]
    method = "has_access" if version[0] >= 18 else "check_access_rights"
    assert sandbox.count("res.partner", method) == len(REQUIRED["res.partner"][1])


def test_a_wrong_api_key_is_reported_as_authentication_without_the_key():
    report, _ = _check((19, 0), api_key="wrong-key-0123456789")
    assert not report.ok
    assert "authentication" in report.lines[-1]
    assert "wrong-key-0123456789" not in "\n".join(report.lines)
