"""Imitating Odoo 17/18/19: version routes, the protocol the client picks, version-bound methods."""

from __future__ import annotations

import json

import pytest
from odoo_sandbox_testkit import KEY, http, json2, make_client, require_contract, rpc

from ofm.connectors.odoo import OdooRequestError
from ofm.sandbox.odoo import OdooSandbox


@pytest.mark.parametrize(("version", "protocol"), [((17, 0), "jsonrpc"), ((18, 0), "jsonrpc"), ((19, 0), "json2")])
def test_the_client_picks_the_protocol_from_the_version(version: tuple[int, int], protocol: str) -> None:
    sandbox = OdooSandbox(version=version)
    client = make_client(sandbox)
    assert (client.version.major, client.protocol) == (version[0], protocol)
    assert client.search_count("res.currency", []) == 7
    with http(sandbox) as raw:
        assert (raw.get("/json/version").status_code == 200) == (version[0] >= 19)
        assert (json2(raw, "res.currency", "search_count", {"domain": []}).status_code == 200) == \
            (version[0] >= 19)


def test_has_access_exists_from_odoo_18_and_check_access_rights_everywhere() -> None:
    old = make_client(OdooSandbox(version=(17, 0)))
    with pytest.raises(OdooRequestError, match="The method 'res.partner.has_access' does not exist"):
        old.call("res.partner", "has_access", args=[[]], kwargs={"operation": "read"})
    assert old.call("res.partner", "check_access_rights", args=["create"], kwargs={"raise_exception": False})
    assert make_client(OdooSandbox(version=(18, 0))).call("res.partner", "has_access", args=[[]],
                                                           kwargs={"operation": "read"}) is True


def test_version_answers_are_shaped_like_the_captures() -> None:
    root = require_contract()
    with http(OdooSandbox()) as raw:
        common = rpc(raw, "common", "version", []).json()
        web = raw.post("/web/webclient/version_info", json={"jsonrpc": "2.0", "method": "call", "params": {},
                                                            "id": None}).json()
        route = raw.get("/json/version").json()
        assert rpc(raw, "common", "authenticate", ["sandbox", "integration@example.com", KEY, {}]).json()[
            "result"] == make_client(OdooSandbox(), "jsonrpc").uid
    assert common["result"] == json.loads((root / "version_jsonrpc.json").read_text())["parsed"]["result"]
    assert web == json.loads(json.loads((root / "version_webclient_version_info.json").read_text())["raw_body"])
    assert route == json.loads(json.loads((root / "version_json_version_endpoint.json").read_text())["raw_body"])
