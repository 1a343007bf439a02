"""Anchor lookups are batched, and a create whose answer is lost is never applied twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from odoo_client_testkit import FakeOdoo, make_client

from ofm.connectors.odoo import OdooAmbiguousError

ANCHORS = ["vat", "ref"]


def lose_answer_after_applying(fake: FakeOdoo, exc: Exception) -> Any:
    """A fault that commits the create in Odoo and then drops the connection."""

    def fault(model: str, params: dict[str, Any]) -> None:
        fake.apply(model, "create", params)
        raise exc

    return fault


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
@pytest.mark.parametrize("exc", [
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.ReadTimeout("timed out"),
])
def test_lost_create_answer_is_resolved_by_anchor_not_by_a_second_create(protocol: str, exc: Exception) -> None:
    fake = FakeOdoo()
    fake.faults[("res.partner", "create")] = [lose_answer_after_applying(fake, exc)]
    sleeps: list[float] = []
    client = make_client(fake.handler, protocol=protocol, sleeps=sleeps)
    vals = [{"name": "Müller GmbH", "vat": "DE136695976"}, {"name": "Acme SARL", "ref": "V-2"}]

    ids = client.create_idempotent("res.partner", vals, anchors=ANCHORS, fields=["name"])

    partners = fake.records["res.partner"]
    assert len(partners) == 2, "each vendor exists exactly once"
    assert ids == [p["id"] for p in partners]
    assert fake.count("res.partner", "create") == 1 == client.stats.count("res.partner", "create")
    assert fake.count("res.partner", "search_read") == 2  # one lookup per anchor field, not per record
    assert sleeps == [0.5], "waits before looking up, so a still-running create can commit"


def test_after_a_lost_answer_only_the_missing_records_are_created() -> None:
    fake = FakeOdoo()

    fake.faults[("res.partner", "create")] = [time_out]  # this time Odoo did NOT apply it
    client = make_client(fake.handler)
    ids = client.create_idempotent("res.partner", [{"name": "A", "ref": "R1"}, {"name": "B", "ref": "R2"}],
                                   anchors=["ref"], fields=["name"])
    assert [p["ref"] for p in fake.records["res.partner"]] == ["R1", "R2"]
    assert ids == [p["id"] for p in fake.records["res.partner"]]
    assert fake.count("res.partner", "create") == 2


def time_out(model: str, params: dict[str, Any]) -> None:
    raise httpx.ReadTimeout("timed out")


def test_gives_up_after_the_policy_attempts() -> None:
    fake = FakeOdoo()
    fake.faults[("res.partner", "create")] = [time_out] * 5
    client = make_client(fake.handler, max_attempts=3)
    with pytest.raises(OdooAmbiguousError):
        client.create_idempotent("res.partner", [{"name": "A", "ref": "R1"}], anchors=["ref"], fields=["name"])
    assert fake.count("res.partner", "create") == 3
    assert fake.records.get("res.partner", []) == []


def test_records_without_any_anchor_value_are_refused() -> None:
    fake = FakeOdoo()
    client = make_client(fake.handler)
    with pytest.raises(ValueError, match="positions \\[1\\]"):
        client.create_idempotent("res.partner", [{"name": "A", "ref": "R1"}, {"name": "B", "vat": False}],
                                 anchors=["vat", "ref"], fields=["name"])
    assert fake.requests == []


def test_find_by_anchors_is_batched_per_anchor_field_and_aligned() -> None:
    fake = FakeOdoo()
    fake.records["res.partner"] = [
        {"id": 1, "name": "Old", "vat": "BE0477472701", "ref": "V-9"},
        {"id": 2, "name": "By ref", "vat": False, "ref": "V-2"},
        {"id": 3, "name": "Dup ref, newer", "vat": False, "ref": "V-2"},
        {"id": 4, "name": "Vat wins", "vat": "DE136695976", "ref": "V-3"},
    ]
    records = [{"vat": f"XX{i}", "ref": False} for i in range(40)] + [
        {"vat": "DE136695976", "ref": "V-2"},  # first anchor with a value and a match: vat
        {"vat": "FR000", "ref": "V-2"},  # vat has no match, falls back to ref: oldest id wins
        {"vat": None, "ref": "V-404"},  # no match at all
        {"vat": "", "ref": ""},  # no anchor value
    ]
    client = make_client(fake.handler)

    found = client.find_by_anchors("res.partner", ANCHORS, records, fields=["name"])

    assert found[:40] == [None] * 40
    assert [f and f["id"] for f in found[40:]] == [4, 2, None, None]
    assert found[40] == {"id": 4, "name": "Vat wins", "vat": "DE136695976", "ref": "V-3"}
    assert fake.count("res.partner", "search_read") == 2 == client.stats.count("res.partner", "search_read")
    vat_call, ref_call = (p for _, m, p in fake.requests if m == "search_read")
    assert vat_call["domain"][0][:2] == ["vat", "in"] and len(vat_call["domain"][0][2]) == 42
    assert ref_call["domain"] == [["ref", "in", ["V-2", "V-404"]]]


def test_find_by_anchors_sends_nothing_without_values() -> None:
    fake = FakeOdoo()
    client = make_client(fake.handler)
    assert client.find_by_anchors("res.partner", ANCHORS, [{"vat": False}, {}], fields=["name"]) == [None, None]
    assert fake.requests == []
