"""Retries: transient failures (connection, timeout, 429, 502/503/504) are retried with backoff
or the server's Retry-After; a refused token or a rejected request fails at once; the token
never appears in an error."""

from __future__ import annotations

import httpx
import pytest
from procurement_testkit import TOKEN, admin, make_client, ok_page, sandbox, scripted
from pydantic import SecretStr

from ofm.connectors.procurement import (
    Acknowledgement,
    ProcurementAuthError,
    ProcurementClient,
    ProcurementError,
    ProcurementTransientError,
)


def read_all(client) -> list[dict]:
    return [r for page in client.iter_supplier_pages(None) for r in page.records]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_and_unavailable_are_retried_with_exponential_backoff(status):
    seen, transport = scripted(httpx.Response(status), httpx.Response(status), ok_page([{"id": "a"}]))
    client, sleeps = make_client(transport)
    assert read_all(client) == [{"id": "a"}]
    assert len(seen) == 3
    assert sleeps == [0.5, 1.0]  # base 0.5, doubled, jitter pinned to 1


def test_429_waits_as_long_as_retry_after_says():
    seen, transport = scripted(httpx.Response(429, headers={"Retry-After": "7"}), ok_page())
    client, sleeps = make_client(transport)
    read_all(client)
    assert sleeps == [7.0] and len(seen) == 2


def test_retry_after_is_capped():
    _, transport = scripted(httpx.Response(429, headers={"Retry-After": "86400"}), ok_page())
    client, sleeps = make_client(transport)
    read_all(client)
    assert sleeps == [30.0]  # max_retry_after in the test config


@pytest.mark.parametrize("error", [httpx.ConnectError("connection refused"), httpx.ReadTimeout("slow"),
                                   httpx.RemoteProtocolError("peer closed")])
def test_connection_trouble_is_retried(error):
    seen, transport = scripted(error, ok_page([{"id": "a"}]))
    client, sleeps = make_client(transport)
    assert read_all(client) == [{"id": "a"}] and len(seen) == 2 and sleeps == [0.5]


def test_gives_up_after_max_attempts_with_one_clear_line():
    seen, transport = scripted(httpx.Response(503))
    client, sleeps = make_client(transport, max_attempts=3)
    with pytest.raises(ProcurementTransientError) as caught:
        read_all(client)
    assert len(seen) == 3 and len(sleeps) == 2
    assert str(caught.value) == ("procurement API unavailable: GET /api/v1/suppliers (request 1) answered "
                                 "HTTP 503 (gave up after 3 attempts)")
    assert caught.value.status == 503


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token_fails_at_once_and_names_the_credential(status):
    seen, transport = scripted(httpx.Response(status, json={"detail": f"bad token {TOKEN}"}))
    client, sleeps = make_client(transport)
    with pytest.raises(ProcurementAuthError) as caught:
        read_all(client)
    assert str(caught.value) == f"procurement token refused (HTTP {status})"
    assert len(seen) == 1 and sleeps == []


@pytest.mark.parametrize("status", [400, 404, 422, 500])
def test_rejected_requests_are_not_retried_and_never_show_the_token(status):
    seen, transport = scripted(httpx.Response(status, json={"detail": f"cannot use Bearer {TOKEN} here"}))
    client, sleeps = make_client(transport)
    with pytest.raises(ProcurementError) as caught:
        client.acknowledge([Acknowledgement("SUP-1", 1, "created", 7, [], None)])
    message = str(caught.value)
    assert f"(HTTP {status})" in message and "cannot use Bearer *** here" in message
    assert TOKEN not in message and len(seen) == 1 and sleeps == []


def test_against_the_sandbox_armed_faults_are_ridden_out():
    _, transport = sandbox(n=12)
    admin(transport, "POST", "/admin/faults", json={"fail_next": 2, "status": 503, "retry_after": 1})
    client, sleeps = make_client(transport, page_size=5)
    assert len(read_all(client)) == 12
    assert sleeps == [1.0, 1.0]


def test_against_the_sandbox_a_wrong_token_is_refused():
    _, transport = sandbox(n=3)
    client, _ = make_client(transport)
    wrong = ProcurementClient(client.config.model_copy(update={"token": SecretStr("nope")}), transport=transport)
    with pytest.raises(ProcurementAuthError, match=r"^procurement token refused \(HTTP 401\)$"):
        read_all(wrong)
