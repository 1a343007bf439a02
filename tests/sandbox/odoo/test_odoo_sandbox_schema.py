"""The sandbox's declared fields are Odoo 19's: checked against the captured `fields_get`."""

from __future__ import annotations

import json

import pytest
from odoo_sandbox_testkit import PROTOCOLS, make_client, require_contract

from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo.schema import RELATIONAL, load_countries, load_schema

SCHEMA = load_schema()
MODELS = sorted(name for name, m in SCHEMA.items() if m.captured)
UNCAPTURED = sorted(name for name, m in SCHEMA.items() if not m.captured)


@pytest.mark.parametrize("model", MODELS)
def test_declared_fields_match_the_captured_fields_get(model: str) -> None:
    captured = json.loads((require_contract() / "fields_get" / f"{model}.json").read_text())
    for name, field in SCHEMA[model].fields.items():
        assert name in captured, f"{model}.{name} does not exist in Odoo 19"
        real = captured[name]
        assert (field.type, field.required, field.readonly, field.string) == \
            (real["type"], real["required"], real["readonly"], real["string"]), f"{model}.{name}"
        assert field.relation == real.get("relation"), f"{model}.{name}"
        keys = [k for k, _ in field.selection] if field.selection is not None else None
        assert keys == ([k for k, _ in real["selection"]] if "selection" in real else None), f"{model}.{name}"


@pytest.mark.parametrize("model", MODELS)
def test_every_required_field_of_odoo_is_declared(model: str) -> None:
    captured = json.loads((require_contract() / "fields_get" / f"{model}.json").read_text())
    required = {name for name, field in captured.items() if field["required"]}
    assert sorted(required - set(SCHEMA[model].fields)) == []


# Uncaptured models the sandbox serves more of, each field as declared in Odoo 19's source (the file named,
# in ../shared/odoo19): (type, required, string).
FROM_SOURCE = {"account.tax.repartition.line": ("addons/account/models/account_tax.py", {
    "factor_percent": ("float", True, "%"), "repartition_type": ("selection", True, "Based On"),
    "document_type": ("selection", True, "Related to"), "account_id": ("many2one", False, "Account"),
    "tax_id": ("many2one", False, "Tax"), "sequence": ("integer", False, "Sequence")})}


@pytest.mark.parametrize("model", UNCAPTURED)
def test_uncaptured_models_serve_only_their_name(model: str) -> None:
    """Models Odoo's captured fields point at without their own capture: only what every model has, or the
    fields of Odoo's source declared above."""
    _, declared = FROM_SOURCE.get(model, ("", {}))
    base = {"id", "display_name", "name", "complete_name"}
    assert set(SCHEMA[model].fields) <= base | set(declared)
    for name, (kind, required, string) in declared.items():
        field = SCHEMA[model].fields[name]
        assert (field.type, field.required, field.string) == (kind, required, string), f"{model}.{name}"


@pytest.mark.parametrize("model", sorted(SCHEMA))
def test_relations_defaults_and_inverses_are_consistent(model: str) -> None:
    for field in SCHEMA[model].fields.values():
        if field.type in RELATIONAL:
            assert field.relation in SCHEMA, f"{model}.{field.name} points at a model the sandbox lacks"
        if field.type == "one2many" and (field.inverse or not field.compute):  # a computed one may have none
            inverse = SCHEMA[field.relation or ""].fields[field.inverse or ""]
            assert (inverse.type, inverse.relation) == ("many2one", model)
        if field.selection is not None and field.default is not None:
            assert field.default in {k for k, _ in field.selection}
        if field.required and not field.compute and field.type != "many2one":
            assert field.default is not None or field.type == "char", f"{model}.{field.name} needs a default"


def test_the_middleware_fields_are_served() -> None:
    """What supplier_decision.partner_vals / bank_vals and the tasks read and write."""
    partner = {"name", "vat", "ref", "email", "phone", "website", "street", "street2", "city", "zip", "country_id",
               "property_supplier_payment_term_id", "property_purchase_currency_id", "supplier_rank", "is_company",
               "active", "bank_ids", "display_name", "company_id", "create_date", "write_date"}
    assert partner <= set(SCHEMA["res.partner"].fields)
    assert {"acc_number", "acc_holder_name", "partner_id", "sanitized_acc_number"} <= \
        set(SCHEMA["res.partner.bank"].fields)
    assert {"code"} <= set(SCHEMA["res.country"].fields) and {"name", "active"} <= set(SCHEMA["res.currency"].fields)


def test_countries_are_every_iso_code_once() -> None:
    codes = [code for code, _ in load_countries()]
    assert len(codes) == len(set(codes)) >= 249
    assert {"DE", "FR", "GB", "CH", "US", "NO", "XK"} <= set(codes)
    assert all(len(code) == 2 and code.isupper() for code in codes)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_fields_get_answers_the_declared_attributes(protocol: str) -> None:
    client = make_client(OdooSandbox(), protocol)
    answer = client.fields_get("res.partner.bank", attributes=("type", "required", "relation", "selection"))
    assert set(answer) == set(SCHEMA["res.partner.bank"].fields)
    assert answer["acc_number"] == {"type": "char", "required": True}
    assert answer["partner_id"] == {"type": "many2one", "required": True, "relation": "res.partner"}
    assert answer["acc_type"]["selection"] == [["bank", "Normal"]]
