"""The connector against real Odoo 19 and 18: version, every protocol each speaks, errors classified."""

from __future__ import annotations

import pytest

from ofm.connectors.odoo import OdooAuthError, OdooPermanentError


def test_auto_chooses_json2_on_19_and_jsonrpc_on_18(real_odoo, odoo_version: int) -> None:
    client = real_odoo.client()
    assert client.version.major == odoo_version
    assert client.protocol == {19: "json2", 18: "jsonrpc"}[odoo_version]
    assert client.dialect.major == odoo_version and client.dialect.exact


def test_both_protocols_read_and_write_the_same_database(real_odoo, protocol: str) -> None:
    client = real_odoo.client(protocol)
    [pid] = client.call("res.partner", "create", args=[[{"name": f"Probe {protocol}", "ref": f"PROBE-{protocol}"}]])
    [row] = real_odoo.read("res.partner", [["id", "=", pid]], ["name", "ref"])
    assert row["name"] == f"Probe {protocol}" and row["ref"] == f"PROBE-{protocol}"
    company = client.call("res.company", "search_read", args=[[]], kwargs={"fields": ["currency_id", "country_id"]})
    assert company[0]["currency_id"][1] == "EUR"


def test_an_unknown_field_is_a_permanent_error_naming_odoos_reason(real_odoo, protocol: str) -> None:
    client = real_odoo.client(protocol)
    with pytest.raises(OdooPermanentError) as err:
        client.call("res.partner", "create", args=[[{"name": "X", "no_such_field": 1}]])
    assert "no_such_field" in str(err.value)


def test_a_wrong_api_key_stops_the_run_and_never_shows_the_key(real_odoo, protocol: str) -> None:
    from ofm.connectors.odoo import OdooClient, OdooConfig

    config = OdooConfig(url=real_odoo.url, db=real_odoo.db, login=real_odoo.login, api_key="wrong-key-123",
                        protocol=protocol)
    with OdooClient(config) as client, pytest.raises(OdooAuthError) as err:
        client.call("res.partner", "search_count", args=[[]])
    assert "wrong-key-123" not in str(err.value)
