"""Acknowledgements: what happened to each record goes back to the platform, in batches of 500."""

from __future__ import annotations

import json

import httpx
import pytest
from procurement_testkit import admin, make_client, sandbox, scripted

from ofm.connectors.procurement import Acknowledgement, ProcurementError


def ack(i: int, status: str = "created", **kwargs) -> Acknowledgement:
    return Acknowledgement(**{"external_id": f"SUP-{i:06d}", "revision": 1, "status": status,
                              "odoo_id": 100 + i, "reasons": [], "correlation_id": f"c-{i}", **kwargs})


def test_acks_round_trip_through_the_sandbox_latest_wins():
    _, transport = sandbox(n=5)
    client, _ = make_client(transport)
    client.acknowledge([ack(1), ack(2, "held", odoo_id=None, reasons=["new bank account needs approval"])])
    client.acknowledge([ack(1, "unchanged", revision=2)])
    stored = {a["external_id"]: a for a in admin(transport, "GET", "/admin/acknowledgements").json()["items"]}
    assert set(stored) == {"SUP-000001", "SUP-000002"}
    assert stored["SUP-000001"]["status"] == "unchanged" and stored["SUP-000001"]["revision"] == 2
    assert stored["SUP-000002"] | {"sequence": 0} == {
        "external_id": "SUP-000002", "revision": 1, "status": "held", "odoo_id": None,
        "reasons": ["new bank account needs approval"], "correlation_id": "c-2", "sequence": 0}


def test_acks_go_in_batches_of_500():
    seen, transport = scripted(httpx.Response(200, json={"accepted": 0}))
    client, _ = make_client(transport)
    assert client.acknowledge([ack(i) for i in range(1201)]) == 1201
    bodies = [json.loads(r.content) for r in seen]
    assert [len(b["acknowledgements"]) for b in bodies] == [500, 500, 201]
    assert all(r.method == "POST" and r.url.path == "/api/v1/suppliers/acknowledgements" for r in seen)
    assert bodies[0]["acknowledgements"][0] == {"external_id": "SUP-000000", "revision": 1, "status": "created",
                                                "odoo_id": 100, "reasons": [], "correlation_id": "c-0"}


def test_no_acks_no_request():
    seen, transport = scripted(httpx.Response(500))
    client, _ = make_client(transport)
    assert client.acknowledge([]) == 0 and seen == []


def test_an_unknown_status_is_refused_before_it_is_sent():
    with pytest.raises(ValueError, match="'done' is not one of"):
        ack(1, "done")


def test_the_sandbox_rejects_a_bad_shape_with_422_and_the_client_does_not_retry():
    _, transport = sandbox(n=3)
    client, sleeps = make_client(transport)
    bad = Acknowledgement("SUP-000001", 1, "created", "not-an-id", [], None)  # type: ignore[arg-type]
    with pytest.raises(ProcurementError, match=r"\(HTTP 422\): acknowledgements\[0\]\.odoo_id: expected int"):
        client.acknowledge([bad])
    assert sleeps == []
