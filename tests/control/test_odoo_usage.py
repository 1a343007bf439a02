"""The table of what each flow uses in Odoo: valid, complete for the code's own field lists and runnable
flows, and every field in it real in a captured Odoo 19 (tests/data/odoo-contract/fields_get, a copy kept in
the project)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ofm.connectors.odoo.usage import USAGE_FILE, OdooUsage, load_usage

CAPTURED = Path(__file__).resolve().parents[1] / "data" / "odoo-contract" / "fields_get"
USAGE = load_usage()
USES = [(flow, model) for flow, models in USAGE.flows.items() for model in models]


@pytest.mark.parametrize(("flow", "model"), USES, ids=[f"{f}:{m}" for f, m in USES])
def test_every_field_of_the_table_exists_in_a_real_odoo_19(flow, model):
    capture = CAPTURED / f"{model}.json"
    assert capture.is_file(), f"no capture of {model}: copy odoo-contract/fields_get/{model}.json to {CAPTURED}"
    real = json.loads(capture.read_text(encoding="utf-8"))
    missing = [name for name in USAGE.flows[flow][model].fields if name not in real]
    assert not missing, f"{flow}: {model} has no {missing} in Odoo 19"


def test_a_field_odoo_19_does_not_have_is_caught():
    """The check above can fail: Odoo 17's name of the purchase line taxes is not a 19 field."""
    real = json.loads((CAPTURED / "purchase.order.line.json").read_text(encoding="utf-8"))
    assert "tax_ids" in real and "taxes_id" not in real


def test_every_flow_ofm_runs_is_in_the_table():
    from ofm.cli.runner import FLOWS, STORE_ONLY, systems_needed

    assert set(FLOWS) - STORE_ONLY == set(USAGE.names())
    assert set(FLOWS) >= STORE_ONLY and all(systems_needed(name, {}) == () for name in STORE_ONLY)


def test_every_right_a_flow_needs_names_the_groups_granting_it():
    """Checked against Odoo 18's and 19's ir.model.access.csv when written; on the real servers, users with only
    the README's groups per flow pass `ofm odoo check` (tests/real/test_real_least_privilege.py)."""
    unnamed = [(flow, *right) for flow in USAGE.flows for right in USAGE.rights(flow) if not USAGE.groups(*right)]
    assert not unnamed
    assert USAGE.groups("purchase.order", "create") == ("purchase.group_purchase_user",)
    assert USAGE.rights("goods-receipt")[:3] == [("purchase.order", "read"), ("purchase.order.line", "read"),
                                                 ("stock.picking", "read")]


def _fields(flow: str, model: str) -> set[str]:
    return set(USAGE.flows[flow][model].fields)


def test_the_code_field_lists_are_in_the_table():
    """The fields the tasks read, from their own constants: a field added in the code and not here fails."""
    from ofm.rules.bank import ITEM_FIELDS
    from ofm.tasks.match import odoo as match_odoo
    from ofm.tasks.p2p import odoo as p2p_odoo

    for flow in ("po-sync", "goods-receipt"):
        assert set(p2p_odoo.ORDER_FIELDS) <= _fields(flow, "purchase.order"), flow
    assert set(p2p_odoo.LINE_FIELDS) <= _fields("goods-receipt", "purchase.order.line")
    assert set(p2p_odoo.LINE_FIELDS) <= _fields("po-sync", "purchase.order.line")
    assert set(match_odoo.MOVE_FIELDS) <= _fields("three-way-match", "account.move")
    assert set(match_odoo.LINE_FIELDS) <= _fields("three-way-match", "purchase.order.line")
    assert set(ITEM_FIELDS) - {"id"} <= _fields("bank-reconciliation", "account.move.line")


def test_the_partner_fields_procurement_owns_are_in_the_table():
    mappings = Path(__file__).resolve().parents[2] / "ofm" / "mappings" / "procurement"
    for name in ("supplier.yaml", "supplier_csv.yaml"):
        owned = yaml.safe_load((mappings / name).read_text(encoding="utf-8"))["ownership"]["owned"]
        assert set(owned) <= _fields("supplier-onboarding", "res.partner"), name


def test_aliases_expand_to_flows_and_unknown_names_are_refused():
    assert USAGE.expand("procure-to-pay") == ["po-sync", "goods-receipt", "three-way-match"]
    assert USAGE.expand(None) == list(USAGE.flows)
    with pytest.raises(KeyError):
        USAGE.expand("payroll")


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t["flows"]["po-sync"].update({"quality.check": {"access": ["read"]}}), "no module declared"),
    (lambda t: t["flows"]["po-sync"]["purchase.order"]["methods"].append("_create_picking"), "private"),
    (lambda t: t["flows"]["po-sync"]["uom.uom"].update({"access": ["delete"]}), "access"),
    (lambda t: t["aliases"].update({"nightly": ["payroll"]}), "alias nightly"),
    (lambda t: t["flows"]["po-sync"]["uom.uom"].update({"fields": ["name", "name"]}), "listed twice"),
    (lambda t: t["grants"].update({"quality.check": {"read": ["base.group_user"]}}), "grants: no module"),
    (lambda t: t["grants"]["uom.uom"].update({"delete": ["base.group_user"]}), "delete"),
])
def test_a_broken_table_is_refused_when_loaded(change, message):
    table = yaml.safe_load(USAGE_FILE.read_text(encoding="utf-8"))
    change(table)
    with pytest.raises(ValueError, match=message):
        OdooUsage.model_validate(table)
