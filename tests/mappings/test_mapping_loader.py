"""Mapping files are validated when loaded: each mistake is one error naming the file and the key."""

import dataclasses
import os
from pathlib import Path

import pytest
import yaml

from ofm.canonical import Supplier
from ofm.mappings.engine import OWNABLE_PARTNER_FIELDS, MappingError, bundled_mapping, load_mapping
from ofm.rules.supplier_decision import References, partner_vals

BUNDLED = bundled_mapping("procurement/supplier")


def base_doc() -> dict:
    return yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))


def write(tmp_path: Path, doc, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _set(path: str, value):
    def change(doc: dict) -> None:
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return change


_DELETE = object()


@pytest.mark.parametrize(("change", "key", "text"), [
    (_set("fields.countri", "country"), "fields.countri", "unknown canonical field"),
    (_set("fields.vat", {"from": "tax_id", "transform": ["compact", "reverse"]}), "fields.vat.transform",
     "unknown transform 'reverse'"),
    (_set("fields.vat", {"from": "tax_id", "trasnform": "compact"}), "fields.vat", "unknown key 'trasnform'"),
    (_set("fields.vat", {"transform": "compact"}), "fields.vat.from", "required"),
    (_set("fields.vat", {"from": "tax_id", "required": "yes"}), "fields.vat.required", "true or false"),
    (_set("fields.legal_name", _DELETE), "fields.legal_name", "required by the canonical model"),
    (_set("fields.status", "status"), "fields.status", "set by status"),
    (_set("fields.source_ref", "id"), "fields.source_ref", "set by id_field"),
    (_set("fields.addresses", {"from": "addresses"}), "fields.addresses", "either {from, each"),
    (_set("fields.addresses.each.zip", "postal_code"), "fields.addresses.each.zip", "unknown Address field"),
    (_set("fields.bank_accounts.key", "bic_code"), "fields.bank_accounts.key", "must name sub-fields"),
    (_set("fields.bank_accounts", {"from": "x", "single": {"iban": "iban"}}), "fields.bank_accounts.from",
     "only for each"),
    (_set("id_field", _DELETE), "id_field", "required"),
    (_set("object", "invoice"), "object", "unknown object 'invoice'"),
    (_set("sorce", "procurement"), "(top)", "unknown key 'sorce'"),
    (_set("status.map.approved", "live"), "status.map.approved", "unknown value 'live'"),
    (_set("status.map", {}), "status.map", "non-empty"),
    (_set("status", _DELETE), "status", "required"),
    (_set("payment_terms.map.NET30", ""), "payment_terms.map.NET30", "non-empty string"),
    (_set("ownership.owned", ["name", "vat", "ref", "x_custom"]), "ownership.owned",
     "'x_custom' is not a field partner_vals can produce"),
    (_set("ownership.never", ["email", "user_id"]), "ownership.never", "'email' is both owned and never"),
    (_set("ownership.owned", ["name", "vat"]), "anchors", "anchor 'ref' is not in ownership.owned"),
    (_set("anchors", []), "anchors", "non-empty list"),
    (_set("fields.email", _DELETE), "ownership.owned", "'email' is filled from canonical 'email'"),
    (_set("fields.addresses", _DELETE), "ownership.owned", "'street' is filled from canonical 'addresses.street'"),
    (_set("ownership.owned", ["name", "vat", "ref", "name"]), "ownership.owned", "lists a name twice"),
])
def test_a_wrong_mapping_file_fails_with_file_and_key(tmp_path, change, key, text):
    doc = base_doc()
    change(doc)
    path = write(tmp_path, doc)
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert text in message


def test_a_yaml_boolean_code_must_be_quoted(tmp_path):
    text = BUNDLED.read_text(encoding="utf-8").replace("    blocked: blocked", "    yes: blocked")
    with pytest.raises(MappingError, match=r"status\.map\.True: YAML read this code as a non-text value"):
        load_mapping(write(tmp_path, text))


@pytest.mark.parametrize(("text", "key"), [("source: [unclosed", "not valid YAML"), ("- a list\n", "(top)")])
def test_not_a_mapping_document(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(MappingError, match=key.replace("(", r"\(").replace(")", r"\)")) as err:
        load_mapping(path)
    assert str(path) in str(err.value)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        load_mapping(tmp_path / "nope.yaml")


@pytest.mark.parametrize("name", ["procurement/supplier", "procurement/supplier_csv"])
def test_bundled_mappings_load(name):
    path = bundled_mapping(name)
    assert path.name == f"{name.split('/')[-1]}.yaml" and path.parent.name == "procurement"
    spec = load_mapping(path)
    assert spec.object == "supplier" and spec.anchors == ("vat", "ref")
    assert set(spec.anchors) <= set(spec.ownership.owned)
    assert not set(spec.ownership.owned) & set(spec.ownership.never)
    assert {"property_account_payable_id", "user_id", "comment", "category_id", "credit_limit"} <= set(
        spec.ownership.never)


@pytest.mark.parametrize("name", ["procurement/nope", "../engine", "suites/supplier.yaml"])
def test_unknown_bundled_mapping(name):
    with pytest.raises(FileNotFoundError, match="no bundled mapping named"):
        bundled_mapping(name)


def test_spec_attributes_the_callers_use():
    api = load_mapping(bundled_mapping("procurement/supplier"))
    csv = load_mapping(bundled_mapping("procurement/supplier_csv"))
    assert (api.source, api.object, api.id_field, api.revision_field) == ("procurement", "supplier", "id", "revision")
    assert (csv.source, csv.id_field, csv.revision_field) == ("procurement-csv", "supplier_no", "revision")
    assert isinstance(api.ownership.owned, tuple) and isinstance(api.ownership.never, tuple)
    assert dict(api.status_map) == {"approved": "active", "pending_approval": "pending", "blocked": "blocked",
                                    "inactive": "inactive"}
    assert api.payment_terms_map["NET30"] == "30 Days" and "NET99" not in api.payment_terms_map
    with pytest.raises(dataclasses.FrozenInstanceError):
        api.source = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        api.status_map["x"] = "active"  # type: ignore[index]


def test_ownable_fields_are_exactly_what_partner_vals_produces():
    dummy = Supplier(source_ref="X", legal_name="X")
    refs = References(countries={}, currencies={}, payment_terms={})
    produced = partner_vals(dummy, refs, [*OWNABLE_PARTNER_FIELDS, "x_not_a_partner_field", "bank_ids"])
    assert set(produced) == set(OWNABLE_PARTNER_FIELDS)


def test_loading_is_cached_per_file_until_it_changes(tmp_path):
    path = write(tmp_path, base_doc(), "supplier.yaml")
    first = load_mapping(path)
    assert load_mapping(str(path)) is first
    doc = base_doc()
    doc["source"] = "procurement-eu"
    write(tmp_path, doc, "supplier.yaml")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = load_mapping(path)
    assert second is not first and second.source == "procurement-eu"
