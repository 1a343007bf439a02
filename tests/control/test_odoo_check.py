"""`ofm odoo check` against the Odoo sandbox (an Odoo 19) over both protocols: every flow of the table checked,
each model's fields in one call, each right and method asked once, what is missing named per flow. The same
check against real Odoo 18 and 19 servers is in tests/real/test_real_odoo_check.py."""

from __future__ import annotations

import pytest
import yaml
from pydantic import SecretStr

from ofm.cli.odoo_check import check_odoo
from ofm.connectors.odoo import OdooClient, OdooConfig
from ofm.connectors.odoo.usage import USAGE_FILE, OdooUsage, load_usage
from ofm.sandbox.odoo import OdooSandbox, SandboxTransport
from ofm.settings import Settings
from ofm.tasks.shared.resources import Resources, use_resources


def _check(protocol: str = "auto", api_key: str = "sandbox-key", flow: str | None = None,
           usage: OdooUsage | None = None):
    sandbox = OdooSandbox()
    config = OdooConfig(url="http://odoo.sandbox", db="sandbox", login="integration@example.com",
                        api_key=SecretStr(api_key), protocol=protocol)
    odoo = OdooClient(config, transport=SandboxTransport(sandbox), sleep=lambda _s: None)
    with use_resources(Resources(settings=Settings(_env_file=None), store=None, odoo=odoo)):  # type: ignore[arg-type]
        return check_odoo(flow, usage), sandbox


# The sandbox serves what the month-end close reads and calls (lock dates, product categories, the reversal
# wizard), but its `--lock` writes the company's lock date, which the sandbox's integration user (the
# captured least-privilege one) may not: its check runs on real Odoo 18 and 19 (tests/real/test_real_odoo_check.py);
# on the sandbox it names exactly that right.
REAL_ONLY = ("month-end-close",)


def sandbox_usage() -> OdooUsage:
    usage = load_usage()
    return OdooUsage(modules=usage.modules, aliases=usage.aliases,
                     flows={k: v for k, v in usage.flows.items() if k not in REAL_ONLY})


def test_the_sandbox_lacks_only_the_right_to_lock_a_period_and_says_so():
    report, _ = _check(flow="month-end-close")
    assert not report.ok
    assert report.lines[1:] == ["  MISSING  month-end-close: 1 item(s)",
                                "             access write on res.company for the integration user "
                                "(Odoo group base.group_erp_manager)"]


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
def test_every_flow_is_ok_on_the_sandbox_and_each_thing_is_asked_once(protocol):
    report, sandbox = _check(protocol, usage=sandbox_usage())
    assert report.ok, report.lines
    assert report.lines[0].startswith("Odoo 19.0 ")
    assert f"protocol {protocol}" in report.lines[0]
    usage = sandbox_usage()
    assert [line.split()[1].rstrip(":") for line in report.lines[1:]] == list(usage.flows)
    models = {m for uses in usage.flows.values() for m in uses}
    method = "has_access"
    for model in models:
        assert sandbox.count(model, "fields_get") == 1, model
        operations = {op for uses in usage.flows.values() if model in uses for op in uses[model].access}
        assert sandbox.count(model, method) == len(operations), model
    assert sandbox.count("stock.picking", "button_validate") == 1
    assert sandbox.count("stock.backorder.confirmation", "process") == 1


def test_the_check_writes_nothing():
    _, sandbox = _check()
    assert sandbox.records("stock.picking") == [] and sandbox.records("account.move") == []
    assert sandbox.count("account.move", "create") == 0 and sandbox.count("stock.picking", "write") == 0


def test_one_flow_checks_only_its_models():
    report, sandbox = _check(flow="goods-receipt")
    assert report.ok and [line.split()[1] for line in report.lines[1:]] == ["goods-receipt:"]
    assert sandbox.count("stock.backorder.confirmation", "fields_get") == 1
    assert sandbox.count("account.bank.statement", "fields_get") == 0
    assert sandbox.count("res.partner.bank", "fields_get") == 0


def test_an_alias_checks_the_flows_it_chains():
    report, _ = _check(flow="procure-to-pay")
    assert [line.split()[1] for line in report.lines[1:]] == ["po-sync:", "goods-receipt:", "three-way-match:"]


def test_missing_fields_methods_models_and_rights_are_named_per_flow():
    table = yaml.safe_load(USAGE_FILE.read_text(encoding="utf-8"))
    po = table["flows"]["po-sync"]
    po["purchase.order"]["fields"].append("x_approval_level")
    po["purchase.order"]["methods"].append("button_approve_twice")
    po["res.currency"]["access"].append("unlink")
    po["quality.check"] = {"access": ["read"], "fields": ["name"]}
    table["modules"]["quality.check"] = "quality_control"
    report, _ = _check(usage=OdooUsage.model_validate(table))
    assert not report.ok
    text = "\n".join(report.lines)
    assert "MISSING  po-sync: 4 item(s)" in text
    for item in ("field purchase.order.x_approval_level", "method purchase.order.button_approve_twice",
                 "access unlink on res.currency", "model quality.check: install the 'quality_control' module"):
        assert item in text
    assert "ok       goods-receipt:" in text  # the other flows are still ok


def test_a_wrong_api_key_is_reported_as_authentication_without_the_key():
    report, _ = _check(api_key="wrong-key-0123456789")
    assert not report.ok
    assert "authentication" in report.lines[-1]
    assert "wrong-key-0123456789" not in "\n".join(report.lines)
