"""Audit chain: hash-linked, verifiable, tamper-evident (edited or deleted rows, a deleted tail), free of secrets."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from ofm.store import AuditEntry
from ofm.store.audit import GENESIS, append, verify
from ofm.store.engine import transaction
from ofm.store.redaction import scrub


def entries(n: int, ref: str = "procurement:SUP-1", step: str = "received", run: str = "run-1") -> list[AuditEntry]:
    return [AuditEntry(correlation_id=f"corr-{i}", flow_run_id=run, actor="ofm", step=step, record_ref=ref,
                       summary={"i": i, "amount": 12.5, "name": "Müller", "fields": ["vat", "ref"]})
            for i in range(n)]


def sql(store, statement: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def test_rows_are_linked_and_the_chain_verifies(store):
    store.audit(entries(3))
    store.audit(entries(2, ref="procurement:SUP-2", step="mapped"))
    store.audit([AuditEntry(None, None, "cli", "quarantine-discarded", None, {})])
    rows = store.trail("procurement:SUP-1") + store.trail("procurement:SUP-2")
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.rows_checked, verdict.first_bad_id, verdict.reason) == (True, 6, None, None)


def test_trail_is_one_record_oldest_first_with_its_runs(store):
    store.audit(entries(2, run="run-1"))
    store.audit(entries(1, ref="procurement:OTHER"))
    store.audit(entries(1, step="loaded", run="run-2"))
    trail = store.trail("procurement:SUP-1")
    assert [(r.step, r.flow_run_id) for r in trail] == [("received", "run-1"), ("received", "run-1"),
                                                        ("loaded", "run-2")]
    assert trail[0].summary == {"i": 0, "amount": 12.5, "name": "Müller", "fields": ["vat", "ref"]}
    assert trail[0].at.tzinfo is not None and trail[0].id < trail[-1].id
    assert (trail[0].actor, trail[0].correlation_id, trail[0].record_ref) == ("ofm", "corr-0", "procurement:SUP-1")
    assert store.trail("procurement:NOBODY") == []


def test_an_empty_chain_verifies(store):
    assert store.verify_audit().ok is True and store.verify_audit().rows_checked == 0


@pytest.mark.parametrize("tamper", [
    "UPDATE audit_chain SET actor = 'mallory' WHERE id = :id",
    "UPDATE audit_chain SET summary = '{\"i\": 999, \"amount\": 12.5}' WHERE id = :id",
    "UPDATE audit_chain SET record_ref = NULL WHERE id = :id",
])
def test_an_edited_row_is_named(store, tamper):
    store.audit(entries(5))
    victim = store.trail("procurement:SUP-1")[2].id
    sql(store, tamper, id=victim)
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.first_bad_id, verdict.rows_checked) == (False, victim, 2)
    assert "edited" in verdict.reason


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(store):
    store.audit(entries(5))
    rows = store.trail("procurement:SUP-1")
    sql(store, "UPDATE audit_chain SET hash = :h WHERE id = :id", h="f" * 64, id=rows[2].id)
    verdict = store.verify_audit()
    assert verdict.first_bad_id == rows[2].id  # its own hash no longer recomputes
    sql(store, "UPDATE audit_chain SET hash = :h, prev_hash = :h WHERE id = :id", h=rows[2].hash, id=rows[2].id)
    assert store.verify_audit().first_bad_id == rows[2].id


@pytest.mark.parametrize("position", [0, 2])
def test_a_deleted_row_is_found_at_the_row_after_it(store, position):
    store.audit(entries(5))
    rows = store.trail("procurement:SUP-1")
    sql(store, "DELETE FROM audit_chain WHERE id = :id", id=rows[position].id)
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.first_bad_id) == (False, rows[position + 1].id)
    assert "deleted" in verdict.reason


@pytest.mark.parametrize("newest", [1, 2])
def test_deleting_the_newest_rows_is_found_by_the_head(store, newest):
    store.audit(entries(5))
    rows = store.trail("procurement:SUP-1")
    sql(store, "DELETE FROM audit_chain WHERE id >= :id", id=rows[-newest].id)
    verdict = store.verify_audit()  # no link is broken: only the head checkpoint can tell
    assert (verdict.ok, verdict.first_bad_id, verdict.rows_checked) == (False, rows[-1].id, 5 - newest)
    assert "newest rows were deleted" in verdict.reason


def test_a_deleted_tail_stays_found_after_later_appends(store):
    store.audit(entries(5))
    rows = store.trail("procurement:SUP-1")
    sql(store, "DELETE FROM audit_chain WHERE id >= :id", id=rows[3].id)
    store.audit(entries(2, step="next-run"))  # links to the head, i.e. to the deleted row
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.rows_checked) == (False, 3)
    assert verdict.first_bad_id == store.trail("procurement:SUP-1")[3].id  # the first row appended after
    assert "deleted" in verdict.reason


def test_head_moves_with_every_append_in_the_same_transaction(store):
    def head():
        with store.engine.connect() as conn:
            return conn.execute(sa.text("SELECT id, last_id, last_hash FROM audit_head")).all()

    assert head() == []  # an empty chain has no head yet
    store.audit(entries(3))
    store.audit([])
    last = store.trail("procurement:SUP-1")[-1]
    assert head() == [(1, last.id, last.hash)]
    with pytest.raises(RuntimeError), transaction(store.engine) as conn:
        append(conn, entries(2, ref="procurement:SUP-2"), datetime.now(UTC))
        raise RuntimeError("the run failed before commit")
    assert head() == [(1, last.id, last.hash)] and store.trail("procurement:SUP-2") == []
    assert store.verify_audit().ok is True


@pytest.mark.parametrize(("tamper", "bad", "why"), [
    ("UPDATE audit_head SET last_hash = :h", -1, "the head was altered"),
    ("UPDATE audit_head SET last_id = last_id - 1", -1, "the head was altered"),
    ("UPDATE audit_head SET last_id = last_id + 7", +7, "newest rows were deleted"),
    ("DELETE FROM audit_head", -1, "checkpoint is missing"),
])
def test_an_altered_or_deleted_head_is_found(store, tamper, bad, why):
    store.audit(entries(4))
    last = store.trail("procurement:SUP-1")[-1].id
    sql(store, tamper, h="e" * 64)
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.rows_checked) == (False, 4)
    assert verdict.first_bad_id == (last if bad < 0 else last + bad)
    assert why in verdict.reason


def test_deleting_the_whole_chain_is_found(store):
    store.audit(entries(3))
    last = store.trail("procurement:SUP-1")[-1].id
    sql(store, "DELETE FROM audit_chain")
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.first_bad_id, verdict.rows_checked) == (False, last, 0)
    assert "ends at no row" in verdict.reason and "newest rows were deleted" in verdict.reason


def test_verify_walks_in_chunks_across_boundaries(store):
    store.audit(entries(10))
    rows = store.trail("procurement:SUP-1")
    with transaction(store.engine, readonly=True) as conn:
        assert verify(conn, chunk=3).rows_checked == 10
    sql(store, "DELETE FROM audit_chain WHERE id = :id", id=rows[5].id)  # rows[6] opens the third chunk
    with transaction(store.engine, readonly=True) as conn:
        verdict = verify(conn, chunk=3)
    assert (verdict.first_bad_id, verdict.rows_checked) == (rows[6].id, 5)


def test_secrets_never_reach_the_audit_table(store):
    summary = {"password": "hunter2", "API_KEY": "k-123", "apiKey": "k-456", "headers": {"Authorization": "Basic zz"},
               "nested": [{"access_token": "t-1"}, {"client_secret": "s-1", "ok": "kept"}],
               "note": "401 for Authorization: Bearer abc.def, retrying", "outbox_key": "res.partner:create:SUP-1",
               "passed": True}
    store.audit([AuditEntry("c", "r", "ofm", "loaded", "procurement:SUP-1", summary)])
    row = store.trail("procurement:SUP-1")[0]
    assert row.summary == {"password": "***", "API_KEY": "***", "apiKey": "***", "headers": {"Authorization": "***"},
                           "nested": [{"access_token": "***"}, {"client_secret": "***", "ok": "kept"}],
                           "note": "401 for Authorization: Bearer ***, retrying",
                           "outbox_key": "res.partner:create:SUP-1", "passed": True}
    with store.engine.connect() as conn:
        raw = str(conn.execute(sa.text("SELECT summary FROM audit_chain")).all())
    for secret in ("hunter2", "k-123", "k-456", "zz", "t-1", "s-1", "abc.def"):
        assert secret not in raw
    assert store.verify_audit().ok is True
    assert summary["password"] == "hunter2"  # the caller's dict is left alone


def test_scrub_keeps_structure_and_business_text():
    assert scrub({"a": ({"token": 1}, 2), "b": None}) == {"a": [{"token": "***"}, 2], "b": None}
    assert scrub(["Basic Foods GmbH", "bearer bonds", "Bearer eyJhbGciOi.x-y"]) == [
        "Basic Foods GmbH", "bearer bonds", "Bearer ***"]


def test_concurrent_appenders_never_fork_the_chain(make_store):
    stores = [make_store(), make_store()]
    barrier = threading.Barrier(2)

    def appender(n: int) -> None:
        try:
            for round_ in range(8):
                barrier.wait(timeout=30)
                stores[n].audit(entries(25, ref=f"procurement:W{n}", step=f"round-{round_}"))
        except BaseException:
            barrier.abort()
            raise

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(appender, 0), pool.submit(appender, 1)]:
            future.result(timeout=60)
    verdict = stores[0].verify_audit()
    assert (verdict.ok, verdict.rows_checked) == (True, 400)
    with stores[0].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(DISTINCT prev_hash) FROM audit_chain")).scalar() == 400


def test_an_append_landing_mid_verify_is_no_false_alarm(make_store):
    writer, reader = make_store(), make_store()
    writer.audit(entries(5))
    landed: list[bool] = []

    def append_just_before_the_head_is_read(_conn, _cursor, statement, *_args) -> None:
        if "audit_head" in statement and not landed:
            landed.append(True)
            writer.audit(entries(3, step="meanwhile"))  # commits between the walk and the head check

    sa.event.listen(reader.engine, "before_cursor_execute", append_just_before_the_head_is_read)
    verdict = reader.verify_audit()
    assert landed and (verdict.ok, verdict.rows_checked) == (True, 5)  # the snapshot the walk began with
    sa.event.remove(reader.engine, "before_cursor_execute", append_just_before_the_head_is_read)
    assert reader.verify_audit().rows_checked == 8


def _hash_as_before(prev: str, r) -> tuple[dict, str]:
    """The previous append's algorithm, written out: scrub, canonical JSON, parse back, hash the row over it."""
    import hashlib
    import json

    from ofm.store.audit import canonical, stamp

    summary = json.loads(canonical(scrub(r["given"])))
    content = canonical({"at": stamp(r["at"]), "correlation_id": r["correlation_id"], "flow_run_id": r["flow_run_id"],
                         "actor": r["actor"], "step": r["step"], "record_ref": r["record_ref"], "summary": summary})
    return summary, hashlib.sha256((prev + content).encode()).hexdigest()


def test_append_stores_and_hashes_each_row_as_the_two_pass_algorithm_did(store):
    """Each row is encoded once now; what is stored and hashed must be exactly what scrub + encode + parse + encode
    gave: plain summaries, nested ones, secrets, non-JSON values, and keys that are not strings (which JSON turns
    into strings that sort elsewhere: 10 before 9)."""
    import json
    from datetime import date
    from decimal import Decimal

    class Kind(str):
        pass

    summaries = [
        {"i": 1, "amount": 12.5, "name": "Müller", "fields": ["vat", "ref"]},
        {},
        {"nested": {"b": [1, 2.25, None, True], "a": {"z": "x", "api_key": "k-1"}}, "token": "t"},
        {"when": date(2026, 5, 4), "amount": Decimal("10.50"), "tuple": ("a", 1), "set": {"only"}},
        {"note": "Authorization: Bearer abc.def-123", "big": 10 ** 30, "float": 1e16, "tiny": 5e-324},
        {9: "nine", 10: "ten"},
        {"x": {2: "two", 11: "eleven"}, "y": [{True: 1, 0.5: "half"}]},
        {"deep": {"list": [{3: "three"}, {"secret": 1}]}},
        {Kind("sub"): Kind("value"), "bool": False, "neg": -0.0},
        {"emoji": "€ ✓", "escaped": "tab\t quote\" backslash \\ end"},
    ]
    store.audit([AuditEntry(f"corr-{i}", "run-1", "ofm", "checked", f"REF-{i}", s) for i, s in enumerate(summaries)])
    trails = store.trails([f"REF-{i}" for i in range(len(summaries))])
    rows = [trails[f"REF-{i}"][0] for i in range(len(summaries))]
    prev = GENESIS
    for row, given in zip(rows, summaries, strict=True):
        stored, digest = _hash_as_before(prev, {**vars(row), "given": given} if hasattr(row, "__dict__") else
                                         {f: getattr(row, f) for f in row.__dataclass_fields__} | {"given": given})
        assert (row.prev_hash, row.hash) == (prev, digest), row.record_ref
        assert json.dumps(row.summary, sort_keys=True) == json.dumps(stored, sort_keys=True)
        prev = digest
    assert store.verify_audit().ok
