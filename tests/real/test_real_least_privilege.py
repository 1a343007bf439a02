"""Least privilege on real Odoo 19 and 18: integration users created through the API by the administrator, each
with only some groups. The README's groups per flow are enough for each flow (`ofm odoo check` says ok); a user
without the purchase groups is named what it lacks by `ofm odoo check`, and its po-sync run stops before it reads
or writes anything, naming flow, model and operation (Odoo read back: nothing written).

The users log in with a password over JSON-RPC on both versions: an API key cannot be made for another user
through the API (Odoo asks the user's own password first), and JSON-2 takes API keys only."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import replace

import pytest
from p2p_real import line, order, real_world
from realodoo_testkit import RealOdoo

from ofm.cli.odoo_check import check_odoo
from ofm.connectors.odoo.access import OdooRightsMissing
from ofm.settings import Settings
from ofm.tasks.shared.resources import Resources, use_resources

# The README's table ("Pointing it at a real Odoo"): the groups the integration user needs per flow, beside
# base.group_user (every internal user); month-end-close's `--lock` also needs base.group_erp_manager.
GROUPS = {
    "supplier-onboarding": ["base.group_partner_manager"],
    "po-sync": ["purchase.group_purchase_user"],
    "goods-receipt": ["stock.group_stock_user"],
    "three-way-match": ["account.group_account_invoice"],
    "bank-reconciliation": ["account.group_account_user"],
    "ledger-batch": ["account.group_account_invoice"],
    "month-end-close": ["account.group_account_invoice", "base.group_erp_manager"],
    "open-work": ["account.group_account_invoice"],
}
# Everything but purchasing: the user an accounting department would set up first.
NO_PURCHASE = ["base.group_partner_manager", "account.group_account_user", "stock.group_stock_user"]


def _user(real_odoo: RealOdoo, name: str, groups: list[str]) -> RealOdoo:
    """A new internal user with exactly these groups (and what they imply), as the database's administrator."""
    admin = real_odoo.client()
    ids = [_xmlid(admin, x) for x in ["base.group_user", *groups]]
    field = "group_ids" if real_odoo.version >= 19 else "groups_id"  # Odoo 19 renamed it
    password = secrets.token_urlsafe(16)
    login = f"ofm-{name}-{secrets.token_hex(3)}"
    admin.call("res.users", "create", args=[[{"name": f"OFM {name}", "login": login, "password": password,
                                               field: [(6, 0, ids)]}]])
    return replace(real_odoo, login=login, api_key=password, _clients=[])


def _xmlid(odoo, xmlid: str) -> int:
    module, name = xmlid.split(".")
    [row] = odoo.call("ir.model.data", "search_read", args=[[["module", "=", module], ["name", "=", name]]],
                      kwargs={"fields": ["res_id"]})
    return row["res_id"]


def _settings(user: RealOdoo, **more) -> Settings:
    env = {k.removeprefix("OFM_").lower(): v for k, v in user.env().items()}
    return Settings(_env_file=None, **env, odoo_protocol="jsonrpc", **more)


@pytest.fixture(scope="module")
def no_purchase(real_odoo) -> RealOdoo:
    return _user(real_odoo, "no-purchase", NO_PURCHASE)


def test_the_readmes_groups_are_enough_for_each_flow(real_odoo) -> None:
    for flow, groups in GROUPS.items():
        user = _user(real_odoo, flow, groups)
        with use_resources(Resources(settings=_settings(user), store=None, odoo=user.client("jsonrpc"))):  # type: ignore[arg-type]
            report = check_odoo(flow)
        user.close()
        assert report.ok, (flow, report.lines)


def test_ofm_odoo_check_names_the_missing_rights_and_the_group_granting_them(no_purchase) -> None:
    env = {**os.environ, **no_purchase.env(), "OFM_ODOO_PROTOCOL": "jsonrpc", "OFM_ENVIRONMENT": "production"}
    done = subprocess.run([sys.executable, "-m", "ofm.cli.main", "odoo", "check"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "MISSING  po-sync: 2 item(s)" in out
    for model in ("purchase.order", "purchase.order.line"):
        assert f"access create on {model} for the integration user (Odoo group purchase.group_purchase_user)" in out
    # the other flows' rights are there: purchase orders are readable and writable with invoicing or stock
    for flow in ("supplier-onboarding", "goods-receipt", "three-way-match", "bank-reconciliation", "ledger-batch",
                 "open-work"):
        assert f"ok       {flow}:" in out, out
    assert "MISSING  month-end-close: 1 item(s)" in out  # --lock's write on res.company
    assert "access write on res.company for the integration user (Odoo group base.group_erp_manager)" in out
    assert no_purchase.api_key not in out + done.stderr


@pytest.mark.usefixtures("prefect_harness")
def test_a_po_sync_run_without_purchase_rights_stops_before_anything_and_names_them(real_odoo, no_purchase,
                                                                                    tmp_path) -> None:
    from ofm.flows.po_sync import po_sync

    with real_world(real_odoo, tmp_path) as w:  # catalogue and suppliers seeded by the administrator
        number = f"PO-LP-{secrets.token_hex(3)}"  # new also in a database the tests share (OFM_TEST_ODOO_URL)
        path = w.export(order(number, line(1)))
        before = w.last_writes()
        client = no_purchase.client("jsonrpc")
        with use_resources(Resources(settings=w.settings, store=w.store, odoo=client)), \
                pytest.raises(OdooRightsMissing) as caught:
            po_sync(source=path)
        assert str(caught.value).startswith(
            "po-sync: the integration user lacks create on purchase.order (Odoo group purchase.group_purchase_user); "
            "create on purchase.order.line (Odoo group purchase.group_purchase_user); nothing was read or written")
        assert w.order(number) is None and w.last_writes() == before
        assert w.store.inbox_payload("procurement", "purchase_order", number) is None
        out = po_sync(source=path)  # the same file with the administrator's rights goes through
        assert out["orders"][number]["status"] == "created" and w.order(number)["state"] == "purchase"
