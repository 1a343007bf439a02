"""Retries: transient failures are retried with backoff, permanent and auth failures never,
and an ambiguous failure (request sent, answer lost) only for read-only methods."""

from __future__ import annotations

import httpx
import pytest
from odoo_client_testkit import json2_error, make_client, rpc_error, rpc_result

from ofm.connectors.odoo import (
    OdooAmbiguousError,
    OdooAuthError,
    OdooTransientError,
    OdooValidationError,
)


def scripted(*steps: httpx.Response | Exception) -> tuple[list[httpx.Request], object]:
    """A handler playing `steps` in order (the last one repeats); returns (requests, handler)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/jsonrpc" and b'"common"' in request.content:
            return rpc_result(2)
        seen.append(request)
        step = steps[min(len(seen), len(steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    return seen, handler


def test_503_then_200_is_retried_with_backoff() -> None:
    sleeps: list[float] = []
    seen, handler = scripted(httpx.Response(503, text="busy"), httpx.Response(503), httpx.Response(200, json=7))
    client = make_client(handler, sleeps=sleeps)
    assert client.search_count("res.partner", []) == 7
    assert len(seen) == 3
    assert sleeps == [0.5, 1.0]  # base 0.5, doubled, jitter pinned at 1
    assert client.stats.count("res.partner", "search_count") == 3 and client.stats.retries == 2


def test_429_honours_retry_after_seconds() -> None:
    sleeps: list[float] = []
    seen, handler = scripted(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=[1]))
    client = make_client(handler, sleeps=sleeps)
    assert client.create("res.partner", [{"name": "x"}]) == [1]  # 429: nothing applied, safe to resend
    assert sleeps == [7.0]


def test_transient_gives_up_after_max_attempts() -> None:
    sleeps: list[float] = []
    seen, handler = scripted(httpx.Response(503))
    client = make_client(handler, sleeps=sleeps, max_attempts=3)
    with pytest.raises(OdooTransientError) as info:
        client.search("res.partner", [])
    assert len(seen) == 3 and len(sleeps) == 2
    assert info.value.http_status == 503


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
def test_validation_error_is_never_retried(protocol: str) -> None:
    sleeps: list[float] = []
    reply = (json2_error(422, "odoo.exceptions.ValidationError", "You cannot create recursive Partner hierarchies.")
             if protocol == "json2" else
             rpc_error("odoo.exceptions.ValidationError", "You cannot create recursive Partner hierarchies."))
    seen, handler = scripted(reply, httpx.Response(200, json=True))
    client = make_client(handler, protocol=protocol, sleeps=sleeps)
    with pytest.raises(OdooValidationError):
        client.write("res.partner", [1], {"parent_id": 1})
    assert len(seen) == 1 and sleeps == []


def test_auth_error_stops_at_once() -> None:
    sleeps: list[float] = []
    seen, handler = scripted(json2_error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"))
    client = make_client(handler, sleeps=sleeps)
    with pytest.raises(OdooAuthError) as info:
        client.search_read("res.partner", [], fields=["name"])
    assert len(seen) == 1 and sleeps == []
    assert info.value.credential == "api_key"
    assert "integration@acme.test" in str(info.value) and "http://odoo.test:8069" in str(info.value)


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
def test_read_timeout_on_create_is_ambiguous_and_not_retried(protocol: str) -> None:
    sleeps: list[float] = []
    seen, handler = scripted(httpx.ReadTimeout("timed out"), httpx.Response(200, json=[1]))
    client = make_client(handler, protocol=protocol, sleeps=sleeps)
    with pytest.raises(OdooAmbiguousError):
        client.create("res.partner", [{"name": "x"}])
    assert len(seen) == 1 and sleeps == []


def test_read_timeout_on_search_read_is_retried() -> None:
    sleeps: list[float] = []
    seen, handler = scripted(httpx.ReadTimeout("timed out"), httpx.Response(200, json=[{"id": 1, "name": "a"}]))
    client = make_client(handler, sleeps=sleeps)
    assert client.search_read("res.partner", [], fields=["name"]) == [{"id": 1, "name": "a"}]
    assert len(seen) == 2 and sleeps == [0.5]


@pytest.mark.parametrize(("status", "cls"), [(502, OdooAmbiguousError), (504, OdooAmbiguousError)])
def test_gateway_errors_after_send_are_ambiguous(status: int, cls: type) -> None:
    seen, handler = scripted(httpx.Response(status, text="<html>Bad Gateway</html>"))
    client = make_client(handler)
    with pytest.raises(cls):
        client.call("account.move", "action_post", ids=[7])
    assert len(seen) == 1


def test_retry_true_declares_a_write_idempotent() -> None:
    seen, handler = scripted(httpx.RemoteProtocolError("Server disconnected"), httpx.Response(200, json=True))
    client = make_client(handler)
    assert client.call("res.partner", "write", ids=[1], kwargs={"vals": {"comment": "x"}}, retry=True) is True
    assert len(seen) == 2


def test_retry_false_turns_retries_off() -> None:
    seen, handler = scripted(httpx.Response(503), httpx.Response(200, json=1))
    client = make_client(handler)
    with pytest.raises(OdooTransientError):
        client.call("res.partner", "search_count", kwargs={"domain": []}, retry=False)
    assert len(seen) == 1


def test_connect_error_is_retried_even_for_a_create() -> None:
    seen, handler = scripted(httpx.ConnectError("refused"), httpx.Response(200, json=[5]))
    client = make_client(handler)
    assert client.create("res.partner", [{"name": "x"}]) == [5]  # never reached Odoo: safe
    assert len(seen) == 2


def test_serialization_failure_is_retried() -> None:
    conflict = rpc_error("psycopg2.errors.SerializationFailure",
                         "could not serialize access due to concurrent update")
    seen, handler = scripted(conflict, rpc_result(True))
    client = make_client(handler, protocol="jsonrpc")
    assert client.write("res.partner", [1], {"name": "x"}) is True
    assert len(seen) == 2
