"""The API key never appears in an error's str/repr nor in any log record."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from odoo_client_testkit import API_KEY, json2_error, make_client, rpc_error, rpc_result

from ofm.connectors.odoo import OdooClient, OdooError


def jsonrpc(reply: httpx.Response | Exception, auth: object = 2) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if b'"common"' in request.content:
            return rpc_result(auth)
        if isinstance(reply, Exception):
            raise reply
        return reply
    return handler


def json2(reply: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(reply, Exception):
            raise reply
        return reply
    return handler


SCENARIOS = {
    "json2 bad key": ("json2", json2(json2_error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"))),
    "json2 echoes key": ("json2", json2(json2_error(500, "builtins.ValueError", f"bad value {API_KEY!r}"))),
    "json2 validation": ("json2", json2(json2_error(422, "odoo.exceptions.ValidationError", "nope"))),
    "json2 timeout": ("json2", json2(httpx.ReadTimeout("timed out"))),
    "json2 503": ("json2", json2(httpx.Response(503, text=f"upstream {API_KEY}"))),
    "jsonrpc access denied": ("jsonrpc", jsonrpc(rpc_error("odoo.exceptions.AccessDenied", "Access Denied"))),
    "jsonrpc echoes key": ("jsonrpc", jsonrpc(rpc_error("builtins.TypeError", f"args [{API_KEY}]"))),
    "jsonrpc wrong password": ("jsonrpc", jsonrpc(rpc_result(1), auth=False)),
    "jsonrpc disconnect": ("jsonrpc", jsonrpc(httpx.RemoteProtocolError("Server disconnected"))),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_api_key_never_in_errors_or_logs(scenario: str, caplog: pytest.LogCaptureFixture) -> None:
    protocol, handler = SCENARIOS[scenario]
    caplog.set_level(logging.DEBUG)
    client = make_client(handler, protocol=protocol, max_attempts=2)
    with pytest.raises(OdooError) as info:
        if "timeout" in scenario:  # a read-only call, so the ambiguous failure is retried and logged
            client.search_read("res.partner", [], fields=["name"])
        else:
            client.write("res.partner", [1], {"name": "x"})
    err = info.value
    texts = [str(err), repr(err), err.server_message, str(err.args), repr(client), repr(client.config)]
    texts += [rec.getMessage() for rec in caplog.records]
    assert caplog.records, "the scenario should log something (a retry or a request)"
    assert not [t for t in texts if API_KEY in t]


def test_client_and_config_repr_hide_the_key() -> None:
    client: OdooClient = make_client(json2(httpx.Response(200, json=1)))
    assert API_KEY not in repr(client) and API_KEY not in repr(client.config) and API_KEY not in str(client.config)
