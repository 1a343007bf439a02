"""Injected faults: 429 with Retry-After, 503, latency, and answers lost after a committed write."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from odoo_sandbox_testkit import PROTOCOLS, http, json2, make_client, supplier

from ofm.connectors.odoo import OdooAmbiguousError, OdooRequestError, OdooTransientError
from ofm.sandbox.odoo import Faults, OdooSandbox, SandboxTransport


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_nth_request_is_rate_limited_and_the_client_waits_retry_after(protocol: str) -> None:
    sandbox = OdooSandbox()
    sandbox.faults = Faults(rate_limit_every=3)
    sleeps: list[float] = []
    client = make_client(sandbox, protocol, sleeps=sleeps)
    for i in range(4):
        client.create("res.partner", [supplier(i)])
    assert sleeps and set(sleeps) == {1.0}  # Retry-After: 1, honoured
    assert len(sandbox.records("res.partner", [["vat", "like", "DE1000"]])) == 4  # each created once
    assert sandbox.count("res.partner", "create") == 4
    assert sandbox.requests == sandbox.count() + len(sleeps)  # the refused requests never reached the ORM


def test_a_rate_limited_answer_looks_like_a_proxy_one() -> None:
    sandbox = OdooSandbox()
    sandbox.faults = Faults(rate_limit_every=1)
    with http(sandbox) as client:
        response = json2(client, "res.partner", "search_count", {"domain": []})
    assert (response.status_code, response.headers["retry-after"]) == (429, "1")
    assert "429 Too Many Requests" in response.text and sandbox.count() == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_503_is_retried_and_never_applied(protocol: str) -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol, max_attempts=3)
    client.uid  # noqa: B018 - log in before the outage
    sandbox.faults = Faults(transient_error_rate=1.0)
    with pytest.raises(OdooTransientError) as caught:
        client.create("res.partner", [supplier(1)])
    assert caught.value.http_status == 503 and client.stats.count("res.partner", "create") == 3
    assert sandbox.count("res.partner") == 0 and sandbox.records("res.partner", [["vat", "=", "DE100000001"]]) == []
    sandbox.faults = Faults(transient_error_rate=0.5, seed=7)  # this seed: 503, 503, then through
    client.stats.reset()
    assert len(client.create("res.partner", [supplier(2)])) == 1 and client.stats.retries == 2


def test_faults_are_reproducible_with_a_seed() -> None:
    def statuses(seed: int) -> list[int]:
        sandbox = OdooSandbox()
        sandbox.faults = Faults(transient_error_rate=0.3, seed=seed)
        with http(sandbox) as client:
            return [json2(client, "res.partner", "search_count", {"domain": []}).status_code for _ in range(30)]

    assert statuses(1) == statuses(1) != statuses(2)
    assert 0 < statuses(1).count(503) < 30


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_lost_create_answer_is_applied_and_create_idempotent_makes_one_partner(protocol: str) -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    client.uid  # noqa: B018
    sandbox.faults = Faults(drop_after_commit_rate=1.0)
    with pytest.raises(OdooAmbiguousError):
        client.create("res.partner", [supplier(1)])
    assert len(sandbox.records("res.partner", [["vat", "=", "DE100000001"]])) == 1  # committed all the same

    ids = client.create_idempotent("res.partner", [supplier(2), supplier(3)], anchors=["vat", "ref"], fields=["id"])
    found = sandbox.records("res.partner", [["vat", "in", ["DE100000002", "DE100000003"]]], ["vat"])
    assert sorted(r["id"] for r in found) == sorted(ids) and len(found) == 2
    assert client.stats.count("res.partner", "create") == 2  # the dropped one, then none: found by anchor


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_reads_and_failed_writes_are_never_dropped(protocol: str) -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    sandbox.faults = Faults(drop_after_commit_rate=1.0)
    assert len(client.search_read("res.currency", [], ["name"])) == 7
    with pytest.raises(OdooRequestError):
        client.create("res.partner", [supplier(1, type="bogus")])


def test_latency_is_played_per_request_by_the_transport() -> None:
    sandbox = OdooSandbox()
    sandbox.faults = Faults(latency_ms=12)
    slept: list[float] = []
    client = make_client(sandbox, transport=SandboxTransport(sandbox, sleep=slept.append))
    client.search_count("res.partner", [])
    assert slept == [0.012, 0.012] and sandbox.requests == 2  # GET /json/version, then the call


def test_faults_are_frozen_and_replacing_them_restarts_the_count() -> None:
    sandbox = OdooSandbox()
    sandbox.faults = Faults(rate_limit_every=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sandbox.faults.rate_limit_every = 3  # type: ignore[misc]
    with http(sandbox) as client:
        first = [json2(client, "res.partner", "search_count", {"domain": []}).status_code for _ in range(3)]
        sandbox.faults = Faults(rate_limit_every=2)
        again = [json2(client, "res.partner", "search_count", {"domain": []}).status_code for _ in range(3)]
    assert first == again == [200, 429, 200]
    assert isinstance(SandboxTransport(sandbox), httpx.BaseTransport)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_record_cost_is_paid_per_record_written_not_per_read(protocol: str) -> None:
    sandbox = OdooSandbox()
    sandbox.faults = Faults(latency_ms=10, record_cost_ms=2.0)
    waits: list[float] = []
    client = make_client(sandbox, protocol, transport=SandboxTransport(sandbox, sleep=waits.append))
    ids = client.create("res.partner", [supplier(i) for i in range(5)])
    client.write("res.partner", ids[:3], {"city": "Gent"})
    client.search_read("res.partner", [["id", "in", ids]], ["name"])
    model_calls = waits[-3:]  # before them: version / uid look-ups, latency only
    assert model_calls == pytest.approx([0.010 + 5 * 0.002, 0.010 + 3 * 0.002, 0.010])


def test_429s_come_in_bursts_and_every_injected_fault_is_counted() -> None:
    sandbox = OdooSandbox()
    sandbox.faults = Faults(rate_limit_every=4, rate_limit_burst=3)
    with http(sandbox) as client:
        statuses = [json2(client, "res.partner", "search_count", {"domain": []}).status_code for _ in range(12)]
    assert statuses == [200, 200, 200, 429, 429, 429, 200, 429, 429, 429, 200, 429]
    assert sandbox.injected == {"429": 7}


def test_a_502_is_the_proxy_answering_and_nothing_is_applied() -> None:
    sandbox = OdooSandbox()
    sandbox.faults = Faults(bad_gateway_rate=1.0)
    with http(sandbox) as client:
        response = json2(client, "res.partner", "create", {"vals_list": [supplier(1)]})
    assert response.status_code == 502 and "502 Bad Gateway" in response.text
    assert sandbox.count() == 0 and sandbox.injected["502"] == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_timed_out_write_was_applied_and_the_client_calls_it_ambiguous(protocol: str) -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    client.uid  # noqa: B018 - log in before the slow spell
    sandbox.faults = Faults(timeout_rate=1.0)
    with pytest.raises(OdooAmbiguousError, match="ReadTimeout"):
        client.create("res.partner", [supplier(1)])
    assert len(sandbox.records("res.partner", [["vat", "=", "DE100000001"]])) == 1  # it landed all the same
    assert sandbox.injected["timeout"] == 1
