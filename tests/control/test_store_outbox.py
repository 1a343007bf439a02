"""Outbox: one row per idempotency key (the database enforces it), even with concurrent claimers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from ofm.store import OutboxIntent
from ofm.store import tables as t

OWNER = "run-1@another-host/1"


def intent(key: str, record: str = "procurement:SUP-1", payload_hash: str = "h1") -> OutboxIntent:
    return OutboxIntent(idempotency_key=key, object_type="supplier", record_ref=record, target_model="res.partner",
                        operation="create", payload_hash=payload_hash, correlation_id="c", flow_run_id="run-1")


def outbox_count(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.outbox)).scalar()


def test_claim_inserts_pending_rows_aligned_with_intents(store):
    rows = store.claim([intent("k2"), intent("k1"), intent("k2")], OWNER)
    assert [r.idempotency_key for r in rows] == ["k2", "k1", "k2"]
    assert rows[0].id == rows[2].id
    assert {(r.state, r.attempts, r.odoo_id, r.last_error) for r in rows} == {("pending", 0, None, None)}
    assert rows[0].target_model == "res.partner" and rows[0].created_at.tzinfo is not None
    assert outbox_count(store) == 2


def test_an_existing_key_comes_back_as_it_is(store):
    store.claim([intent("k1")], OWNER)
    store.mark_sent(["k1"], OWNER)
    store.mark_done({"k1": 42})
    again = store.claim([intent("k1", payload_hash="other")], OWNER)[0]
    assert (again.state, again.odoo_id, again.attempts, again.payload_hash) == ("done", 42, 1, "h1")


def test_the_database_refuses_a_second_row_for_a_key(store):
    existing = store.claim([intent("k1")], OWNER)[0]
    twin = {c.name: getattr(existing, c.name) for c in t.outbox.c if c.name != "id"}
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(sa.insert(t.outbox), twin)


def test_state_transitions_sent_failed_pending_done(store):
    store.claim([intent("k1"), intent("k2")], OWNER)
    store.mark_sent(["k1", "k2"], OWNER)
    store.mark_failed("k1", "timeout " + "x" * 2000, permanent=False)
    store.mark_failed("k2", "Odoo refused: VAT invalid (sent with Bearer s3cr3t)", permanent=True)
    k1, k2 = store.claim([intent("k1"), intent("k2")], OWNER)
    assert (k1.state, k1.attempts, len(k1.last_error)) == ("pending", 1, 1000)
    assert (k2.state, k2.last_error) == ("failed", "Odoo refused: VAT invalid (sent with Bearer ***)")
    assert k1.sent_at is not None and k1.done_at is None
    store.mark_sent(["k1"], OWNER)
    store.mark_done({"k1": 7})
    k1 = store.claim([intent("k1")], OWNER)[0]
    assert (k1.state, k1.attempts, k1.odoo_id) == ("done", 2, 7)
    assert k1.done_at >= k1.sent_at >= k1.created_at


def test_marking_an_unclaimed_key_is_an_error_and_changes_nothing(store):
    store.claim([intent("k1")], OWNER)
    with pytest.raises(LookupError, match="never claimed"):
        store.mark_sent(["k1", "nope"], OWNER)
    with pytest.raises(LookupError):
        store.mark_done({"nope": 1})
    with pytest.raises(LookupError):
        store.mark_failed("nope", "x", permanent=True)
    assert store.claim([intent("k1")], OWNER)[0].attempts == 0  # the failed mark_sent was rolled back
    store.mark_sent([], OWNER)
    store.mark_done({})


def test_concurrent_claimers_of_the_same_keys_get_the_same_rows(make_store):
    stores = [make_store(), make_store()]
    keys = [f"res.partner:create:SUP-{i:04d}" for i in range(300)]
    barrier = threading.Barrier(2)

    def claimer(n: int) -> list[list[tuple[str, int]]]:
        mine = keys if n == 0 else keys[::-1]  # opposite orders: must not deadlock
        seen = []
        try:
            for start in range(0, 300, 60):
                barrier.wait(timeout=30)
                rows = stores[n].claim([intent(k) for k in mine[start:start + 120]], OWNER)
                seen.append([(r.idempotency_key, r.id) for r in rows])
        except BaseException:
            barrier.abort()  # the other claimer stops waiting at once
            raise
        return seen

    with ThreadPoolExecutor(2) as pool:
        results = [f.result(timeout=60) for f in [pool.submit(claimer, 0), pool.submit(claimer, 1)]]
    ids: dict[str, int] = {}
    for per_thread in results:
        for batch in per_thread:
            for key, row_id in batch:
                assert ids.setdefault(key, row_id) == row_id, f"{key} was claimed as two rows"
    assert set(ids) == set(keys)
    assert outbox_count(stores[0]) == 300


def test_settle_marks_known_unfinished_keys_done_and_ignores_the_rest(store):
    store.claim([intent(k) for k in ("sent", "pending", "done", "failed")], OWNER)
    store.mark_sent(["sent", "done", "failed"], OWNER)
    store.mark_done({"done": 30})
    store.mark_failed("failed", "Odoo refused", permanent=True)
    changed = store.settle({"sent": 10, "pending": 20, "done": 99, "failed": 40, "never-claimed": 50})
    assert changed == 3
    rows = {r.idempotency_key: r
            for r in store.claim([intent(k) for k in ("sent", "pending", "done", "failed")], OWNER)}
    assert {k: (r.state, r.odoo_id) for k, r in rows.items()} == {
        "sent": ("done", 10), "pending": ("done", 20), "done": ("done", 30), "failed": ("done", 40)}
    assert rows["sent"].attempts == 1 and rows["sent"].done_at >= rows["sent"].sent_at
    assert outbox_count(store) == 4  # the unknown key was not inserted
    assert store.settle({"sent": 11, "never-claimed": 50}) == 0  # settling twice changes nothing
    assert store.settle({}) == 0
    assert store.claim([intent("sent")], OWNER)[0].odoo_id == 10


def test_settle_in_bulk_counts_every_row(store):
    keys = [f"res.partner:create:SUP-{i:05d}" for i in range(1200)]
    store.claim([intent(k) for k in keys], OWNER)
    store.mark_sent(keys[:800], OWNER)
    store.mark_done({k: 1 for k in keys[:100]})
    assert store.settle({k: i for i, k in enumerate(keys)} | {"ghost": 1}) == 1100
    with store.engine.connect() as conn:
        states = dict(conn.execute(sa.select(t.outbox.c.state, sa.func.count()).group_by(t.outbox.c.state)).all())
        odoo_ids = conn.execute(sa.select(t.outbox.c.idempotency_key, t.outbox.c.odoo_id)).all()
    assert states == {"done": 1200}
    assert dict(odoo_ids) == {k: (1 if i < 100 else i) for i, k in enumerate(keys)}


def test_concurrent_settlers_change_each_row_once(make_store):
    stores = [make_store(), make_store()]
    keys = [f"res.partner:create:SUP-{i:04d}" for i in range(300)]
    stores[0].claim([intent(k) for k in keys], OWNER)
    stores[0].mark_sent(keys, OWNER)
    barrier = threading.Barrier(2)

    def settler(n: int) -> int:
        try:
            barrier.wait(timeout=30)
        except BaseException:
            barrier.abort()
            raise
        return stores[n].settle({k: 1000 + n for k in keys})

    with ThreadPoolExecutor(2) as pool:
        counts = [f.result(timeout=60) for f in [pool.submit(settler, 0), pool.submit(settler, 1)]]
    assert sum(counts) == 300
    rows = stores[0].claim([intent(k) for k in keys], OWNER)
    assert {r.state for r in rows} == {"done"} and {r.odoo_id for r in rows} <= {1000, 1001}
