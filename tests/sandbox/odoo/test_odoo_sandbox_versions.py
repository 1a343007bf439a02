"""The sandbox's version answers: an Odoo 19, shaped like the captures."""

from __future__ import annotations

import json

from odoo_sandbox_testkit import KEY, http, json2, make_client, require_contract, rpc

from ofm.sandbox.odoo import OdooSandbox


def test_the_sandbox_is_odoo_19_on_both_protocols() -> None:
    """No version switch: other versions' names are the connector's dialect, proven on real servers."""
    sandbox = OdooSandbox()
    client = make_client(sandbox)
    assert (client.version.major, client.protocol) == (19, "json2")
    assert client.search_count("res.currency", []) == 7
    assert make_client(sandbox, "jsonrpc").search_count("res.currency", []) == 7
    with http(sandbox) as raw:
        assert raw.get("/json/version").status_code == 200
        assert json2(raw, "res.currency", "search_count", {"domain": []}).status_code == 200


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
