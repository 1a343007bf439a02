"""Inbox: raw payloads kept with their sha256; identical content is stored once and said to be seen."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
import sqlalchemy as sa

from ofm.canonical import content_hash
from ofm.store import InboxItem


def item(external_id: str = "SUP-1", payload: dict | None = None, source: str = "procurement",
         revision: int | None = 1, run: str = "run-1") -> InboxItem:
    return InboxItem(source=source, object_type="supplier", external_id=external_id, revision=revision,
                     payload=payload if payload is not None else {"id": external_id, "name": "Müller"},
                     correlation_id=f"corr-{external_id}", flow_run_id=run)


def test_receive_keeps_payload_hash_and_metadata_aligned_with_items(store):
    rows = store.receive([item("A"), item("B", revision=None), item("C")])
    assert [r.external_id for r in rows] == ["A", "B", "C"]
    assert len({r.id for r in rows}) == 3
    assert rows[0].sha256 == content_hash({"id": "A", "name": "Müller"})
    assert rows[1].revision is None and rows[0].revision == 1
    assert not any(r.duplicate for r in rows)
    assert rows[0].received_at.tzinfo is not None and rows[0].received_at.utcoffset() == UTC.utcoffset(None)
    assert (rows[0].correlation_id, rows[0].flow_run_id) == ("corr-A", "run-1")
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT payload FROM inbox WHERE id = :id"), {"id": rows[0].id}).scalar()
    assert (stored if isinstance(stored, dict) else json.loads(stored))["name"] == "Müller"


def test_identical_payload_is_not_stored_twice_and_is_flagged_duplicate(store):
    first = store.receive([item("A")])[0]
    again = store.receive([item("A", payload={"name": "Müller", "id": "A"}, run="run-2")])[0]  # key order irrelevant
    assert again.duplicate is True
    assert (again.id, again.received_at, again.flow_run_id) == (first.id, first.received_at, "run-1")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM inbox")).scalar() == 1


def test_changed_payload_or_other_source_is_a_new_row(store):
    base = store.receive([item("A")])[0]
    same_content_as_a = {"id": "A", "name": "Müller"}
    changed, other_source, other_id = store.receive([
        item("A", payload={"id": "A", "name": "Mueller"}), item("A", source="erp"), item("B", same_content_as_a)])
    assert not any(r.duplicate for r in (changed, other_source, other_id))
    assert len({base.id, changed.id, other_source.id, other_id.id}) == 4
    assert other_id.sha256 == base.sha256  # same content, another record: still kept


def test_the_same_content_twice_in_one_batch_is_one_row(store):
    first, second = store.receive([item("A"), item("A")])
    assert first.id == second.id
    assert (first.duplicate, second.duplicate) == (False, True)


def test_required_fields_are_checked():
    with pytest.raises(ValueError, match="external_id"):
        item("")


def test_empty_receive_is_a_no_op(store):
    assert store.receive([]) == []
