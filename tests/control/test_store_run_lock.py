"""Run locks in the store: one run per scope; a second is refused at once; a dead or expired holder is replaced."""

from __future__ import annotations

import time

from ofm.store import Store, owners


def test_a_second_owner_is_refused_until_the_first_releases(store_url):
    store = Store(store_url)
    store.migrate()
    owners.register("run-a")
    owners.register("run-b")
    try:
        a, b = owners.owner_of("run-a"), owners.owner_of("run-b")
        assert store.acquire_lock("ledger-batch:1:2026-11", a).owner == a
        held = store.acquire_lock("ledger-batch:1:2026-11", b)
        assert held.owner == a  # refused: the row names who holds it
        assert store.acquire_lock("ledger-batch:1:2026-12", b).owner == b  # another period is free
        assert store.acquire_lock("ledger-batch:1:2026-11", a).owner == a  # the holder renews it
        assert not store.release_lock("ledger-batch:1:2026-11", b)  # only the holder releases
        assert store.release_lock("ledger-batch:1:2026-11", a)
        assert store.acquire_lock("ledger-batch:1:2026-11", b).owner == b
    finally:
        owners.unregister("run-a")
        owners.unregister("run-b")


def test_a_dead_holder_or_an_ended_lease_frees_the_lock(store_url):
    store = Store(store_url, lease_seconds=0.2)
    store.migrate()
    owners.register("live")
    try:
        gone = owners.owner_of("a-run-that-died")  # this process, not registered: known dead
        assert store.acquire_lock("x", gone).owner == gone
        assert store.acquire_lock("x", owners.owner_of("live")).owner == owners.owner_of("live")
        other_host = "r@elsewhere.example/1"
        store.release_lock("x", owners.owner_of("live"))
        assert store.acquire_lock("x", other_host).owner == other_host  # its liveness cannot be known here
        assert store.acquire_lock("x", owners.owner_of("live")).owner == other_host
        time.sleep(0.3)
        assert store.acquire_lock("x", owners.owner_of("live")).owner == owners.owner_of("live")  # lease ended
    finally:
        owners.unregister("live")
