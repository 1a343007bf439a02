"""Outbox ownership: exactly one run owns a key at a time, whoever claims it at the same moment, on both
databases; a key is taken over when its owner's lease ended or its owner is known dead; only the owner
may mark a key sent."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ofm.store import NotOwnerError, OutboxIntent, Store, owners

KEYS = [f"res.partner:create:SUP-{i:04d}" for i in range(240)]


def intent(key: str) -> OutboxIntent:
    return OutboxIntent(idempotency_key=key, object_type="supplier", record_ref=key, target_model="res.partner",
                        operation="create", payload_hash="h")


def remote(n: int) -> str:
    """An owner on another host: nothing can be known about it but its lease."""
    return f"run-{n}@another-host/4242"


def held(store: Store, owner: str, keys: list[str] = KEYS) -> set[str]:
    return {r.idempotency_key for r in store.claim([intent(k) for k in keys], owner) if r.held_by(owner)}


def test_eight_claimers_at_once_own_each_key_exactly_once(make_store):
    stores = [make_store() for _ in range(8)]
    barrier = threading.Barrier(8)

    def claimer(n: int) -> set[str]:
        mine = KEYS if n % 2 == 0 else KEYS[::-1]  # opposite orders: must not deadlock
        got: set[str] = set()
        try:
            for start in range(0, len(KEYS), 80):
                barrier.wait(timeout=30)
                got |= held(stores[n], remote(n), mine[start:start + 120])
        except BaseException:
            barrier.abort()
            raise
        return got

    with ThreadPoolExecutor(8) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(claimer, n) for n in range(8)]]
    assert sum(len(r) for r in results) == len(KEYS), "a key was owned by two runs"
    assert set().union(*results) == set(KEYS)
    rows = stores[0].outbox_rows(KEYS)
    for n, got in enumerate(results):
        assert {k for k, r in rows.items() if r.owner == remote(n)} == got


CHILD = """
import json, os, sys, time
from ofm.store import OutboxIntent, Store
url, owner, go = sys.argv[1:4]
keys = json.loads(sys.stdin.read())
store = Store(url)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
rows = store.claim([OutboxIntent(k, "supplier", k, "res.partner", "create", "h") for k in keys], owner)
print(json.dumps(sorted(r.idempotency_key for r in rows if r.held_by(owner))), flush=True)
"""


def test_claimers_in_separate_processes_own_each_key_exactly_once(make_store, store_url, tmp_path):
    import json

    make_store()  # migrated
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, store_url, remote(n), str(go)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for n in range(2)]
    for n, p in enumerate(procs):
        p.stdin.write(json.dumps(KEYS if n % 2 == 0 else KEYS[::-1]))
        p.stdin.close()
    assert [p.stdout.readline().strip() for p in procs] == ["ready"] * 2
    go.touch()  # both claim at the same moment
    got = [set(json.loads(p.stdout.readline())) for p in procs]
    for p in procs:
        assert p.wait(30) == 0
    assert sum(len(g) for g in got) == len(KEYS), "a key was owned by two processes"
    assert set().union(*got) == set(KEYS)


def test_a_live_owner_keeps_its_keys_and_only_it_may_send_them(make_store):
    a, b = make_store(), make_store()
    assert held(a, remote(1)) == set(KEYS)
    assert held(b, remote(2)) == set()
    with pytest.raises(NotOwnerError, match="owned by another run"):
        b.mark_sent(KEYS[:3], remote(2))
    rows = a.outbox_rows(KEYS[:3])
    assert {(r.state, r.attempts, r.owner) for r in rows.values()} == {("pending", 0, remote(1))}
    a.mark_sent(KEYS[:3], remote(1))
    assert held(a, remote(1), KEYS[:3]) == set(KEYS[:3])  # its own keys come back to it, sent
    assert {r.state for r in a.outbox_rows(KEYS[:3]).values()} == {"sent"}


def test_an_expired_lease_is_taken_over_and_the_old_owner_may_no_longer_send(make_store, store_url):
    make_store()
    a, b = Store(store_url, lease_seconds=0.5), Store(store_url, lease_seconds=0.5)
    try:
        assert held(a, remote(1), KEYS[:5]) == set(KEYS[:5])
        a.mark_sent(KEYS[:2], remote(1))  # killed after sending two
        assert held(b, remote(2), KEYS[:5]) == set()
        time.sleep(0.7)
        taken = b.claim([intent(k) for k in KEYS[:5]], remote(2))
        assert {r.owner for r in taken} == {remote(2)}
        assert [r.state for r in taken] == ["sent", "sent", "pending", "pending", "pending"]  # settle, then send
        with pytest.raises(NotOwnerError):
            a.mark_sent(KEYS[2:3], remote(1))
    finally:
        a.close()
        b.close()


def test_an_owner_whose_process_is_gone_on_this_host_is_taken_over_at_once(store):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead_owner, live_owner = f"run-1@{owners.HOST}/{gone.pid}", f"run-2@{owners.HOST}/{alive.pid}"
        assert held(store, dead_owner, KEYS[:2]) == set(KEYS[:2])
        assert held(store, live_owner, KEYS[2:4]) == set(KEYS[2:4])
        me = remote(3)
        assert held(store, me, KEYS[:4]) == set(KEYS[:2])  # the dead one's keys only
    finally:
        alive.kill()
        alive.wait()


def test_an_owner_in_this_process_is_alive_only_while_its_run_is_registered(store):
    mine, other = owners.owner_of("run-here"), remote(9)
    owners.register("run-here")
    try:
        assert held(store, mine, KEYS[:3]) == set(KEYS[:3])
        assert held(store, other, KEYS[:3]) == set()
    finally:
        owners.unregister("run-here")  # the run raised (a kill, simulated in-process)
    assert held(store, other, KEYS[:3]) == set(KEYS[:3])
    assert owners.is_dead(f"x@{owners.HOST}/{os.getpid()}") and not owners.is_dead("x@elsewhere/1")
    assert not owners.is_dead("not an owner")


def test_done_keys_stay_done_failed_and_released_ones_are_free(store):
    a, b = remote(1), remote(2)
    held(store, a, KEYS[:4])
    store.mark_sent(KEYS[:4], a)
    store.mark_done({KEYS[0]: 10})
    store.mark_failed(KEYS[1], "Odoo refused", permanent=True)
    store.mark_failed(KEYS[2], "timeout", permanent=False)
    assert held(store, b, KEYS[:4]) == set(KEYS[1:3])  # failed and pending again are free; done is never taken
    assert store.outbox_rows(KEYS[:1])[KEYS[0]].owner == a  # who did it
    assert store.release(b) == 2 and store.release(a) == 1
    assert held(store, b, KEYS[:4]) == set(KEYS[1:4])


def test_a_key_done_before_a_run_started_may_be_taken_again_for_an_idempotent_write(store):
    from datetime import UTC, datetime

    a, b = remote(1), remote(2)
    held(store, a, KEYS[:1])
    store.mark_sent(KEYS[:1], a)
    store.mark_done({KEYS[0]: 5})
    started = datetime.now(UTC)
    row = store.claim([intent(KEYS[0])], b, redo_done_before=started)[0]
    assert (row.state, row.owner) == ("pending", b) and row.held_by(b)
    store.mark_sent(KEYS[:1], b)
    store.mark_done({KEYS[0]: 5})
    assert not store.claim([intent(KEYS[0])], a, redo_done_before=started)[0].held_by(a)  # done since then
