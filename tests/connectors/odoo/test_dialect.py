"""Field names by Odoo version: the tables checked against real servers' captures, and the translation.

The captures (tests/data/real-captures/fields_get_18.json, _19.json) are `python -m ofm.testbed
capture-fields --version N` run on the real Odoo 18 and 19 builds: the project's own data, so these tests
run on a fresh clone too. The end-to-end proof is tests/real/, which runs every flow on both servers.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from odoo_client_testkit import make_client, rpc_result

from ofm.connectors.odoo.dialect import Dialect, available, dialect_for
from ofm.connectors.odoo.usage import load_usage

CAPTURES = Path(__file__).resolve().parents[2] / "data" / "real-captures"


def captured(major: int) -> dict[str, dict[str, str]]:
    data = json.loads((CAPTURES / f"fields_get_{major}.json").read_text(encoding="utf-8"))
    assert data["server"][0] == major
    return data["models"]


USAGE = load_usage()
USES = [(major, flow, model) for major in available() for flow, models in USAGE.flows.items() for model in models]


def test_there_is_a_table_for_each_real_server_the_suite_runs() -> None:
    assert available() == [18, 19]
    assert all(dialect_for(m).exact and dialect_for(m).tested for m in (18, 19))


@pytest.mark.parametrize(("major", "flow", "model"), USES, ids=[f"odoo{v}:{f}:{m}" for v, f, m in USES])
def test_every_field_a_flow_uses_exists_on_that_version_under_its_translated_name(major, flow, model) -> None:
    real, dialect = captured(major), dialect_for(major)
    missing = [dialect.describe(model, n) for n in USAGE.flows[flow][model].fields
               if dialect.server_name(model, n) not in real[model]]
    assert not missing, f"{flow}: Odoo {major} lacks {missing}"


@pytest.mark.parametrize("major", [18, 19])
def test_the_unit_fields_of_each_version_exist(major) -> None:
    assert set(dialect_for(major).unit_fields) <= set(captured(major)["uom.uom"])


def test_the_18_table_renames_real_names_to_real_names() -> None:
    """Each rename's 19 name exists only in 19 and its 18 name only in 18; a derived field's source exists."""
    old, new, d = captured(18), captured(19), dialect_for(18)
    assert d.fields, "the table is empty"
    for model, names in d.fields.items():
        for name19, name18 in names.items():
            assert name19 in new[model] and name19 not in old[model], f"{model}.{name19}"
            assert name18 in old[model] and name18 not in new[model], f"{model}.{name18}"
    for model, names in d.derived.items():
        for name, spec in names.items():
            assert name in new[model] and name not in old[model] and spec.source in old[model]


def test_the_capture_would_catch_an_untranslated_name() -> None:
    """The checks above can fail: Odoo 19's purchase line names are not Odoo 18 fields."""
    old = captured(18)
    assert {"tax_ids", "product_uom_id"}.isdisjoint(old["purchase.order.line"])
    assert "locked" not in old["purchase.order"]


def test_no_translation_on_19() -> None:
    d = dialect_for(19)
    args, kwargs = [[{"tax_ids": [[6, 0, [1]]]}]], {"fields": ["tax_ids"]}
    assert d.identity and d.request("purchase.order.line", "create", args, kwargs) == (args, kwargs)


def test_an_order_with_its_lines_is_written_in_18s_names() -> None:
    d = dialect_for(18)
    vals = {"partner_id": 7, "order_line": [[0, 0, {"product_id": 1, "tax_ids": [[6, 0, [3]]], "product_uom_id": 12}],
                                           [1, 44, {"product_uom_id": 13}], [2, 45, 0], [4, 46, 0]]}
    args, _ = d.request("purchase.order", "create", [[vals]], None)
    assert args == [[{"partner_id": 7, "order_line": [
        [0, 0, {"product_id": 1, "taxes_id": [[6, 0, [3]]], "product_uom": 12}],
        [1, 44, {"product_uom": 13}], [2, 45, 0], [4, 46, 0]]}]]
    assert vals["order_line"][0][2]["tax_ids"] == [[6, 0, [3]]], "the caller's values are left untouched"
    args, _ = d.request("purchase.order.line", "write", [{"product_uom_id": 5}], None)
    assert args == [{"product_uom": 5}]


def test_rows_and_fields_come_back_in_19s_names_and_locked_is_read_from_the_state() -> None:
    d = dialect_for(18)
    _, kwargs = d.request("purchase.order", "search_read", [[]], {"fields": ["name", "state", "locked"]})
    assert kwargs == {"fields": ["name", "state"]}
    rows = d.answer("purchase.order", "search_read", [{"id": 1, "state": "done"}, {"id": 2, "state": "purchase"}])
    assert [r["locked"] for r in rows] == [True, False]
    _, kwargs = d.request("purchase.order.line", "read", None, {"fields": ["tax_ids", "product_uom_id", "name"]})
    assert kwargs == {"fields": ["taxes_id", "product_uom", "name"]}
    [row] = d.answer("purchase.order.line", "read", [{"id": 3, "taxes_id": [4], "product_uom": [12, "kg"]}])
    assert row == {"id": 3, "tax_ids": [4], "product_uom_id": [12, "kg"]}
    defs = d.answer("purchase.order", "fields_get", {"state": {"type": "selection"}, "name": {"type": "char"}})
    assert set(defs) == {"state", "name", "locked"}
    assert set(d.answer("purchase.order.line", "fields_get", {"taxes_id": {}})) == {"tax_ids"}


def test_domains_are_translated_and_a_derived_field_only_compared_to_a_boolean() -> None:
    d = dialect_for(18)
    args, _ = d.request("purchase.order.line", "search", [["|", ["tax_ids", "in", [1]], ["order_id.name", "=", "P"]]],
                        None)
    assert args == [["|", ["taxes_id", "in", [1]], ["order_id.name", "=", "P"]]]
    args, _ = d.request("purchase.order", "search_count", [[["locked", "=", False]]], None)
    assert args == [[["state", "not in", ["done"]]]]
    with pytest.raises(ValueError, match="purchase.order.locked does not exist on Odoo 18"):
        d.request("purchase.order", "search", [[["locked", "in", [True]]]], None)
    with pytest.raises(ValueError, match="cannot be written"):
        d.request("purchase.order", "write", [{"locked": True}], None)


def test_units_are_read_from_categories_on_18_and_from_the_tree_on_19() -> None:
    kg18 = {"id": 12, "name": "kg", "factor_inv": 1.0, "category_id": [2, "Weight"]}
    g18 = {"id": 13, "name": "g", "factor_inv": 0.001, "category_id": [2, "Weight"]}
    unit18 = {"id": 1, "name": "Units", "factor_inv": 1.0, "category_id": [1, "Unit"]}
    d18 = dialect_for(18)
    assert d18.unit_size(kg18)[0] == d18.unit_size(g18)[0] != d18.unit_size(unit18)[0]
    assert d18.unit_size(kg18)[1] / d18.unit_size(g18)[1] == 1000
    d19 = dialect_for(19)
    kg19 = {"id": 16, "name": "kg", "factor": 1000.0, "parent_path": "15/16/"}
    g19 = {"id": 15, "name": "g", "factor": 1.0, "parent_path": "15/"}
    assert d19.unit_size(kg19) == ("15", 1000.0) and d19.unit_size(g19) == ("15", 1.0)


def test_a_version_without_a_table_takes_the_nearest_older_one_and_says_it_is_untested() -> None:
    assert (dialect_for(17).major, dialect_for(17).exact, dialect_for(17).tested) == (18, False, False)
    assert dialect_for(17).fields == dialect_for(18).fields
    assert (dialect_for(20).major, dialect_for(20).exact) == (19, False)
    assert isinstance(dialect_for(16), Dialect) and dialect_for(16).major == 18


def test_the_client_sends_18s_names_over_jsonrpc_and_returns_19s() -> None:
    """On the wire: what an Odoo 18 receives and answers (its /json/version does not exist)."""
    sent: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/json/version":
            return httpx.Response(404)
        params = json.loads(request.content)["params"]
        if params["service"] == "common":
            return rpc_result({"server_version_info": [18, 0, 0, "final", 0, ""]} if params["method"] == "version"
                              else 2)
        sent.append(params["args"])
        if params["args"][4] == "search_count":
            return rpc_result(0)
        return rpc_result([{"id": 9, "taxes_id": [4], "product_uom": [12, "kg"]}])

    client = make_client(handler, protocol="auto")
    [row] = client.read("purchase.order.line", [9], ["tax_ids", "product_uom_id"])
    assert client.protocol == "jsonrpc" and client.dialect.major == 18
    assert sent[0][3:5] == ["purchase.order.line", "read"] and sent[0][6] == {"fields": ["taxes_id", "product_uom"]}
    assert row == {"id": 9, "tax_ids": [4], "product_uom_id": [12, "kg"]}
    assert client.search_count("res.partner", [["vat", "=", "x"]]) == 0
    assert sent[1][3:6] == ["res.partner", "search_count", [[["vat", "=", "x"]]]]  # other models pass as they are
