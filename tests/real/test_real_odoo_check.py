"""`ofm odoo check` against real Odoo 19 and 18: every flow ok under the server's own field names, and a
field the server lacks named, in Odoo 19's name and the server's."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from ofm.cli.odoo_check import check_odoo
from ofm.connectors.odoo.dialect import dialect_for
from ofm.connectors.odoo.usage import USAGE_FILE, OdooUsage
from ofm.settings import Settings
from ofm.tasks.shared.resources import Resources, use_resources


def _check(real_odoo, usage: OdooUsage | None = None, dialect_of: int | None = None):
    odoo = real_odoo.client()
    if dialect_of is not None:
        odoo._dialect = dialect_for(dialect_of)  # what a client without the version tables would send
    settings = Settings(_env_file=None, **{k.removeprefix("OFM_").lower(): v for k, v in real_odoo.env().items()})
    with use_resources(Resources(settings=settings, store=None, odoo=odoo)):  # type: ignore[arg-type]
        return check_odoo(usage=usage)


def test_ofm_odoo_check_says_every_flow_is_ok_in_the_servers_names(real_odoo, odoo_version) -> None:
    env = {**os.environ, **real_odoo.env(), "OFM_ENVIRONMENT": "production"}
    done = subprocess.run([sys.executable, "-m", "ofm.cli.main", "odoo", "check"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    protocol = {19: "json2", 18: "jsonrpc"}[odoo_version]
    assert f"Odoo {odoo_version}.0 at {real_odoo.url}" in done.stdout
    assert f"protocol {protocol}" in done.stdout and f"field names of Odoo {odoo_version}" in done.stdout
    for flow in ("supplier-onboarding", "po-sync", "goods-receipt", "three-way-match", "bank-reconciliation"):
        assert f"ok       {flow}:" in done.stdout
    assert "MISSING" not in done.stdout and real_odoo.api_key not in done.stdout + done.stderr


def test_a_field_the_server_lacks_is_named(real_odoo) -> None:
    """The statement-import module's `unique_import_id` is not installed on these servers."""
    table = yaml.safe_load(USAGE_FILE.read_text(encoding="utf-8"))
    table["flows"]["bank-reconciliation"]["account.bank.statement.line"]["fields"].append("unique_import_id")
    report = _check(real_odoo, OdooUsage.model_validate(table))
    assert not report.ok
    text = "\n".join(report.lines)
    assert "MISSING  bank-reconciliation: 1 item(s)" in text
    assert "field account.bank.statement.line.unique_import_id" in text
    assert "ok       po-sync:" in text


def test_on_18_the_19_names_the_issue_met_are_named_with_18s(real_odoo, odoo_version) -> None:
    """Without the version table (19's names sent to the server as they are) the check names what 18 lacks;
    with it, those fields are checked under 18's names and found."""
    if odoo_version == 19:
        assert _check(real_odoo, dialect_of=19).ok
        return
    untranslated = "\n".join(_check(real_odoo, dialect_of=19).lines)
    for name in ("field purchase.order.locked", "field purchase.order.line.tax_ids",
                 "field purchase.order.line.product_uom_id", "field uom.uom.parent_path"):
        assert name in untranslated, untranslated
    report = _check(real_odoo)
    assert report.ok, report.lines
    assert report.lines[0].endswith("field names of Odoo 18")
