"""The audit trails of many records read at once: each record's rows, oldest first, none of another's."""

from __future__ import annotations

from ofm.store import AuditEntry


def test_trails_of_many_records_are_each_record_oldest_first(store):
    refs = [f"procurement:SUP-{i}" for i in range(1200)]  # more than one chunk of references
    store.audit([AuditEntry(f"c-{ref}", "run-1", "ofm", step, ref, {"step": step})
                 for step in ("received", "mapped") for ref in refs])
    store.audit([AuditEntry(None, "run-2", "ofm", "loaded", "procurement:SUP-7", {"odoo_id": 7})])
    found = store.trails([*refs[:1100], "procurement:SUP-7", "procurement:nobody"])
    assert len(found) == 1100 and "procurement:nobody" not in found
    assert [r.step for r in found["procurement:SUP-7"]] == ["received", "mapped", "loaded"]
    assert all([r.record_ref for r in rows] == [ref] * len(rows) for ref, rows in found.items())
    assert found["procurement:SUP-7"] == store.trail("procurement:SUP-7")
    assert store.trails([]) == {}
