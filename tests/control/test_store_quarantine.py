"""Quarantine: no twins on re-runs, newer entries supersede older ones, decisions are recorded."""

from __future__ import annotations

import pytest

from ofm.store import QuarantineEntry


def entry(ref: str = "procurement:SUP-1", reason: str = "VAT DE1 is invalid", category: str = "business",
          payload: dict | None = None, field: str | None = "tax_id", run: str = "run-1") -> QuarantineEntry:
    return QuarantineEntry(record_ref=ref, source="procurement/supplier", object_type="supplier", category=category,
                           reason=reason, field=field, owner_team="vendor-master",
                           payload=payload if payload is not None else {"id": ref, "tax_id": "DE1"},
                           correlation_id=f"corr-{run}", flow_run_id=run)


def test_quarantine_returns_rows_aligned_with_entries(store):
    rows = store.quarantine([entry("procurement:A"), entry("procurement:B", category="approval", field=None)])
    a, b = rows
    assert (a.record_ref, a.status, a.category, a.field, a.owner_team) == (
        "procurement:A", "open", "business", "tax_id", "vendor-master")
    assert (b.category, b.field) == ("approval", None)
    assert a.payload == {"id": "procurement:A", "tax_id": "DE1"} and a.flow_run_id == "run-1"
    assert a.created_at.tzinfo is not None and a.decided_by is None and a.decided_at is None
    assert store.get_quarantine(a.id) == a
    assert store.get_quarantine(999_999) is None


def test_a_rerun_returns_the_open_entry_instead_of_a_twin(store):
    first = store.quarantine([entry()])[0]
    again = store.quarantine([entry(run="run-2", payload={"tax_id": "DE1", "id": "procurement:SUP-1"})])[0]
    assert again.id == first.id and again.flow_run_id == "run-1"
    twins = store.quarantine([entry(), entry()])
    assert {r.id for r in twins} == {first.id}
    assert len(store.list_quarantine(status=None)) == 1


def test_a_new_entry_supersedes_the_open_ones_of_the_record(store):
    old = store.quarantine([entry()])[0]
    other = store.quarantine([entry("procurement:SUP-2")])[0]
    new = store.quarantine([entry(reason="country is missing", field="country")])[0]
    assert new.id != old.id and new.status == "open"
    closed = store.get_quarantine(old.id)
    assert (closed.status, closed.decided_by, closed.decision_note) == ("resolved", "ofm",
                                                                        f"superseded by quarantine #{new.id}")
    assert closed.decided_at is not None
    assert store.get_quarantine(other.id).status == "open"  # another record is not touched
    changed_payload = store.quarantine([entry(reason="country is missing", field="country",
                                              payload={"id": "SUP-1", "country": None})])[0]
    assert changed_payload.id != new.id
    assert store.get_quarantine(new.id).status == "resolved"
    open_refs = [r.record_ref for r in store.list_quarantine()]
    assert sorted(open_refs) == ["procurement:SUP-1", "procurement:SUP-2"]


def test_closed_entries_are_not_reused(store):
    first = store.quarantine([entry()])[0]
    store.set_quarantine_status(first.id, "discarded", actor="anna", note="test data")
    again = store.quarantine([entry()])[0]
    assert again.id != first.id and again.status == "open"
    assert store.get_quarantine(first.id).status == "discarded"  # a closed decision stays as it was


def test_status_transitions_record_who_and_why(store):
    a, b, c = store.quarantine([entry("procurement:A"), entry("procurement:B"), entry("procurement:C")])
    replayed = store.set_quarantine_status(a.id, "replayed", actor="anna", note="replayed: created, Odoo id 7")
    assert (replayed.status, replayed.decided_by, replayed.decision_note) == (
        "replayed", "anna", "replayed: created, Odoo id 7")
    assert replayed.decided_at is not None
    assert store.set_quarantine_status(b.id, "discarded", actor="ben", note="duplicate").status == "discarded"
    assert store.set_quarantine_status(c.id, "resolved", actor="cli").decision_note is None


def test_status_errors(store):
    row = store.quarantine([entry()])[0]
    with pytest.raises(LookupError, match="does not exist"):
        store.set_quarantine_status(424242, "discarded", actor="anna", note="x")
    for bad in ("open", "deleted", ""):
        with pytest.raises(ValueError, match="cannot set quarantine status"):
            store.set_quarantine_status(row.id, bad, actor="anna", note="x")
    store.set_quarantine_status(row.id, "discarded", actor="anna", note="x")
    with pytest.raises(ValueError, match="is discarded, not open"):
        store.set_quarantine_status(row.id, "replayed", actor="ben", note="y")
    assert store.get_quarantine(row.id).decided_by == "anna"
    with pytest.raises(ValueError, match="unknown quarantine status"):
        store.list_quarantine(status="closed")


@pytest.mark.parametrize("category", ["", "Business", "bad category", "x" * 40])
def test_category_must_be_a_lowercase_word(category):
    with pytest.raises(ValueError, match="category"):
        entry(category=category)


def test_categories_are_open_ended(store):
    assert store.quarantine([entry(category="match")])[0].category == "match"


def test_list_filters_newest_first(store):
    rows = store.quarantine([entry(f"procurement:{i}", category="approval" if i % 2 else "business")
                             for i in range(6)])
    store.set_quarantine_status(rows[0].id, "discarded", actor="anna", note="x")
    assert [r.id for r in store.list_quarantine()] == [r.id for r in rows[:0:-1]]
    assert [r.id for r in store.list_quarantine(category="approval")] == [rows[5].id, rows[3].id, rows[1].id]
    assert [r.id for r in store.list_quarantine(limit=2)] == [rows[5].id, rows[4].id]
    assert [r.id for r in store.list_quarantine(status="discarded")] == [rows[0].id]
    assert len(store.list_quarantine(status=None)) == len(store.list_quarantine(status="all")) == 6


def test_resolve_open_closes_entries_of_delivered_records(store):
    a, _, c = store.quarantine([entry("procurement:A"), entry("procurement:B"), entry("procurement:C")])
    store.set_quarantine_status(c.id, "discarded", actor="anna", note="x")
    assert store.resolve_open(["procurement:A", "procurement:C", "procurement:Z"], actor="ofm",
                              note="delivered in run 9") == 1
    closed = store.get_quarantine(a.id)
    assert (closed.status, closed.decided_by, closed.decision_note) == ("resolved", "ofm", "delivered in run 9")
    assert [r.record_ref for r in store.list_quarantine()] == ["procurement:B"]
    assert store.get_quarantine(c.id).status == "discarded"
    assert store.resolve_open([], actor="ofm", note="x") == 0


def test_the_backlog_counts_open_entries_per_owner_and_category(store):
    rows = store.quarantine([entry("procurement:A"), entry("procurement:B", category="approval", field=None),
                             entry("procurement:C")])
    store.quarantine([QuarantineEntry(record_ref="ledger:x", source="ledger/payroll", object_type="journal-entry",
                                      category="deferred", reason="October is locked", field="accounting_date",
                                      owner_team="accounting", payload={"n": 1}, correlation_id="c",
                                      flow_run_id="r")])
    assert store.quarantine_backlog() == {("vendor-master", "business"): 2, ("vendor-master", "approval"): 1,
                                          ("accounting", "deferred"): 1}
    store.set_quarantine_status(rows[0].id, "discarded", actor="anna")
    assert store.quarantine_backlog()[("vendor-master", "business")] == 1
