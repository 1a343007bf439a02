"""Protocol choice, authentication and the wire shapes of the record helpers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from odoo_client_testkit import API_KEY, make_client, require_contract, rpc_result

from ofm.connectors.odoo import OdooAuthError, OdooVersion


def server(major: int | str, answers: dict[str, Any] | None = None,
           json_version: bool = True) -> tuple[list[httpx.Request], object]:
    """An Odoo of version `major`: /json/version only when `json_version`, answers by method."""
    seen: list[httpx.Request] = []
    info = [major, 0, 0, "final", 0, ""]
    answers = answers or {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/json/version":
            if json_version:
                return httpx.Response(200, json={"version_info": info, "version": f"{major}.0"})
            return httpx.Response(404, text="<html><title>404 Not Found</title></html>")
        if request.url.path == "/jsonrpc":
            params = json.loads(request.content)["params"]
            if params["service"] == "common":
                return rpc_result({"server_version_info": info} if params["method"] == "version" else 2)
            return rpc_result(answers.get(params["args"][4], 0))
        answer = answers.get(request.url.path.rsplit("/", 1)[-1], 0)
        return httpx.Response(200, content=json.dumps(answer).encode())

    return seen, handler


def paths(seen: list[httpx.Request]) -> list[str]:
    return [r.url.path for r in seen]


@pytest.mark.parametrize(("major", "json_version", "protocol"), [
    (19, True, "json2"), (18, False, "jsonrpc"), (17, False, "jsonrpc"), ("saas~18", True, "jsonrpc"),
])
def test_auto_protocol_follows_the_server_version(major: int | str, json_version: bool, protocol: str) -> None:
    seen, handler = server(major, json_version=json_version)
    client = make_client(handler, protocol="auto")
    assert client.protocol == protocol
    assert client.version.major == (18 if major == "saas~18" else major)
    client.call("res.partner", "search_count", args=[[]])
    client.call("res.partner", "search_count", args=[[]])
    assert paths(seen).count("/json/version") == 1, "version is detected once"
    assert paths(seen)[-1] == ("/json/2/res.partner/search_count" if protocol == "json2" else "/jsonrpc")


@pytest.mark.parametrize("override", ["json2", "jsonrpc"])
def test_explicit_protocol_skips_detection(override: str) -> None:
    seen, handler = server(17 if override == "json2" else 19)
    client = make_client(handler, protocol=override)
    assert client.protocol == override
    client.search_count("res.partner", [])
    assert "/json/version" not in paths(seen)


def test_version_from_the_captured_answers() -> None:
    root = require_contract()
    endpoint = json.loads((root / "version_json_version_endpoint.json").read_text())
    rpc = json.loads((root / "version_jsonrpc.json").read_text())

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/json/version":
            return httpx.Response(endpoint["http_status"], content=endpoint["raw_body"].encode())
        return httpx.Response(rpc["http_status"], content=rpc["raw_body"].encode())

    assert make_client(handler, protocol="auto").version == OdooVersion(19, 0, [19, 0, 0, "final", 0, ""])
    fallback = make_client(lambda r: handler(r) if r.url.path == "/jsonrpc" else httpx.Response(404),
                           protocol="auto")
    assert fallback.version.major == 19 and fallback.protocol == "json2"


def test_jsonrpc_authenticates_once_with_the_key() -> None:
    seen, handler = server(17, answers={"search_count": 3})
    client = make_client(handler, protocol="jsonrpc")
    assert client.search_count("res.partner", []) == 3
    assert client.search_count("res.partner", []) == 3
    bodies = [json.loads(r.content)["params"] for r in seen]
    assert [b["method"] for b in bodies] == ["authenticate", "execute_kw", "execute_kw"]
    assert bodies[0]["args"] == ["acme", "integration@acme.test", API_KEY, {}]
    assert bodies[1]["args"] == ["acme", 2, API_KEY, "res.partner", "search_count", [[]], {}]


def test_wrong_credentials_at_authenticate_name_the_login() -> None:
    client = make_client(lambda r: rpc_result(False), protocol="jsonrpc")
    with pytest.raises(OdooAuthError) as info:
        client.uid  # noqa: B018 - the property authenticates
    assert info.value.credential == "login" and "integration@acme.test" in str(info.value)
    assert API_KEY not in str(info.value)


def test_json2_uid_from_context_get_or_login_search() -> None:
    seen, handler = server(19, answers={"context_get": {"lang": "en_US", "uid": 6}})
    assert make_client(handler).uid == 6
    seen, handler = server(19, answers={"context_get": {"lang": "en_US"}, "search": [9]})
    client = make_client(handler)
    assert client.uid == 9
    assert json.loads(seen[-1].content) == {"domain": [["login", "=", "integration@acme.test"]], "limit": 1}


def test_json2_wire_shapes_of_the_helpers() -> None:
    seen, handler = server(19, answers={"create": [12, 13], "write": True, "read": [], "search_read": [],
                                         "fields_get": {"name": {"type": "char"}}})
    client = make_client(handler)
    assert client.create("res.partner", [{"name": "a"}, {"name": "b"}], context={"lang": "en_US"}) == [12, 13]
    assert client.write("res.partner", [1, 2], {"comment": "x"}) is True
    client.read("res.partner", [1], ["name"])
    client.search_read("res.partner", [["is_company", "=", True]], fields=["name"], limit=3)
    client.fields_get("res.partner")
    sent = [(r.url.path, json.loads(r.content), r.headers) for r in seen]
    assert [s[:2] for s in sent] == [
        ("/json/2/res.partner/create", {"vals_list": [{"name": "a"}, {"name": "b"}], "context": {"lang": "en_US"}}),
        ("/json/2/res.partner/write", {"ids": [1, 2], "vals": {"comment": "x"}}),
        ("/json/2/res.partner/read", {"ids": [1], "fields": ["name"]}),
        ("/json/2/res.partner/search_read",
         {"domain": [["is_company", "=", True]], "fields": ["name"], "offset": 0, "limit": 3, "order": "id"}),
        ("/json/2/res.partner/fields_get", {"attributes": ["type", "required", "relation", "selection"]}),
    ]
    assert all(h["authorization"] == f"bearer {API_KEY}" and h["x-odoo-database"] == "acme" for *_, h in sent)
    assert client.stats.count("res.partner", "create") == 1 and client.stats.writes == 2


def test_jsonrpc_method_returning_none_has_no_result_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if b'"common"' in request.content:
            return rpc_result(2)
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 3})

    assert make_client(handler, protocol="jsonrpc").call("account.move.line", "reconcile", ids=[1, 2]) is None


def test_search_read_pages_with_offset_and_respects_limit() -> None:
    rows = [{"id": i, "name": f"p{i}"} for i in range(1, 6)]
    offsets: list[tuple[int, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        offsets.append((body["offset"], body["limit"]))
        return httpx.Response(200, json=rows[body["offset"]:body["offset"] + body["limit"]])

    client = make_client(handler)
    assert client.search_read("res.partner", [], fields=["name"], page_size=2) == rows
    assert offsets == [(0, 2), (2, 2), (4, 2)]
    offsets.clear()
    assert client.search_read("res.partner", [], fields=["name"], limit=3, page_size=2) == rows[:3]
    assert offsets == [(0, 2), (2, 1)]


@pytest.mark.parametrize("fields", [[], None, "name"])
def test_reading_without_fields_is_refused_before_sending(fields: Any) -> None:
    seen, handler = server(19)
    client = make_client(handler)
    with pytest.raises(ValueError, match="name the fields"):
        client.search_read("res.partner", [], fields=fields)
    assert seen == []


def test_create_sends_one_request_per_list_and_none_for_empty() -> None:
    seen, handler = server(19, answers={"create": [1, 2, 3]})
    client = make_client(handler)
    assert client.create("res.partner", []) == []
    assert client.create("res.partner", [{"name": n} for n in "abc"]) == [1, 2, 3]
    assert len(seen) == 1


def test_positional_args_json2_cannot_name_are_refused() -> None:
    seen, handler = server(19)
    with pytest.raises(TypeError, match="pass them as kwargs"):
        make_client(handler).call("account.move", "action_switch_move_type", args=[[1], "extra"])
    assert seen == []


def test_context_manager_closes_the_client() -> None:
    seen, handler = server(19)
    with make_client(handler) as client:
        pass
    with pytest.raises(RuntimeError):
        client.search_count("res.partner", [])
