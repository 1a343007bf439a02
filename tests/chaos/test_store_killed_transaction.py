"""A store transaction in flight when its PostgreSQL goes away, on a private cluster (`chaos.infra_kit.PgCluster`).

- The server restarted (`pg_ctl restart -m fast`: the session ends with SQLSTATE 57P01; `-m immediate`: the
  connection just closes) while the store's audit append waits inside its transaction: the server rolled it back,
  so the store runs the whole unit again once the server is back, and the row is appended once.
- The answer to the COMMIT lost (a proxy between the store and the server drops the connection right after
  forwarding COMMIT): the store asks the server what became of the transaction (`txid_status`): committed, it is
  not run again; the COMMIT dropped before the server saw it: aborted, it is run again (the server's session still
  holding the transaction open, as after a network cut: the store ends that session first). Either way once.

They need the PostgreSQL server binaries (initdb, pg_ctl); without them they skip, except under CI=true.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from chaos.infra_kit import PgCluster, free_port, pg_bin_missing, wait_until
from ofm.store import AuditEntry, Store


@pytest.fixture
def pg() -> Iterator[PgCluster]:
    why_not = pg_bin_missing()
    if why_not is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why_not} (CI=true: the fault suite must run)")
        pytest.skip(why_not)
    with PgCluster() as cluster:
        yield cluster


def entry(ref: str) -> AuditEntry:
    return AuditEntry(correlation_id=ref, flow_run_id=None, actor="test", step="killed", record_ref=ref,
                      summary={"n": 1})


def psql(pg: PgCluster, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres", autocommit=True) as c:
        return c.execute(sql).fetchall()


def advisory_key(name: str) -> int:
    """The key `ofm.store.engine.lock` takes for `name`."""
    return int.from_bytes(hashlib.sha256(f"ofm:{name}".encode()).digest()[:8], "big", signed=True)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_transaction_killed_by_a_restart_is_run_again_once_the_server_is_back(pg, mode):
    import psycopg

    store = Store(pg.url)
    try:
        store.migrate()
        store.audit([entry("before")])
        # another session holds the audit lock: the store's append begins, then waits inside its transaction
        blocker = psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres")
        blocker.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("audit"),))
        outcome: list[BaseException | None] = []

        def append() -> None:
            try:
                store.audit([entry("during")])
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - the test reads it
                outcome.append(exc)

        worker = threading.Thread(target=append)
        worker.start()
        wait_until(lambda: bool(psql(pg, "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND query LIKE '%pg_advisory_xact_lock%'")), 20, "the append to wait")
        before = pg.postmaster_pid()
        pg.restart(mode)  # kills the waiting transaction (and the blocker) mid-statement
        assert pg.postmaster_pid() != before
        worker.join(90)
        blocker.close()
        assert outcome == [None], f"the append failed: {outcome}"
        assert [r.record_ref for r in store.trail("during")] == ["during"], "appended once"
        verdict = store.verify_audit()
        assert verdict.ok, verdict
    finally:
        store.close()


class CommitProxy:
    """A TCP proxy to PostgreSQL that, once armed, ends the connection that sends COMMIT: after forwarding it
    (the server commits, the answer is lost) or instead of forwarding it (the server never sees it), and then
    with the server's side closed too, or left open (the server's session lingers, its transaction open)."""

    def __init__(self, port: int, forward: bool, linger: bool = False) -> None:
        self.target, self.forward, self.armed, self.fired = port, forward, False, 0
        self.linger, self.kept = linger, set()  # linger: the server's side stays open (a network cut)
        self.listener = socket.create_server(("127.0.0.1", free_port()))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            cut = threading.Event()  # this connection's COMMIT was cut: its answer is not delivered
            threading.Thread(target=self._pump, args=(client, server, cut, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, cut, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, cut: threading.Event, upstream: bool) -> None:
        try:
            while data := src.recv(65536):
                if not upstream and cut.is_set():
                    return  # the answer to the COMMIT: never delivered
                if upstream and self.armed and b"COMMIT\x00" in data:
                    self.armed, self.fired = False, self.fired + 1
                    cut.set()
                    if self.forward:
                        dst.sendall(data)
                        time.sleep(0.5)  # the server commits and answers; the answer goes nowhere
                    if self.linger:
                        self.kept.add(dst)
                    return  # both ends shut below (unless it lingers): the server sees its client gone
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                if s in self.kept:
                    continue
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.listener.close()


@pytest.mark.parametrize(("forward", "linger"), [(True, False), (False, False), (False, True)],
                         ids=["commit-applied", "commit-never-arrived", "commit-never-arrived-session-lingers"])
def test_a_commit_whose_answer_is_lost_is_checked_on_the_server_and_done_once(pg, forward, linger):
    proxy = CommitProxy(pg.port, forward, linger)
    store = Store(pg.url.replace(f":{pg.port}/", f":{proxy.port}/"))
    try:
        store.migrate()
        store.audit([entry("before")])
        proxy.armed = True
        store.audit([entry("during")])  # does not raise
        assert proxy.fired == 1, "the COMMIT was never cut"
        assert [r.record_ref for r in store.trail("during")] == ["during"], "appended once"
        assert store.verify_audit().ok
    finally:
        store.close()
        proxy.close()
