"""The infrastructure faults on the Odoo sandbox, one seed each: PostgreSQL restarted, Prefect unreachable for 30 s,
the disk full. Each test proves the fault happened (a new postmaster, refused connections, a real ENOSPC) before it
reads the cell: every supplier delivered or in quarantine, none twice, none lost. And the store's own answer to a
PostgreSQL restart: a transaction that finds the server down waits for it to come back.

They need the PostgreSQL server binaries (initdb, pg_ctl) and a private mount namespace (`unshare -m` as root,
`unshare -Urm` otherwise); without them they skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os

import pytest

from chaos import infra
from chaos.infra_kit import assert_exactly_once, namespace_missing, pg_bin_missing, use_session_prefect

pytestmark = [pytest.mark.usefixtures("prefect_harness")]


def _require(why_not: str | None) -> None:
    if why_not is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why_not} (CI=true: the fault suite must run)")
    pytest.skip(why_not)


@pytest.fixture(autouse=True)
def prefect_api(monkeypatch: pytest.MonkeyPatch) -> None:
    use_session_prefect(monkeypatch)


def _failed_in_one_line(tail: str, cause: str) -> None:
    """A failed `ofm run` ends by saying why in one line: the store's driver's words."""
    last = tail.strip().splitlines()[-1]
    assert last.startswith("error: the store:") and cause in last, tail


def test_postgresql_restarted_mid_run_then_a_rerun_settles_every_supplier_once(tmp_path) -> None:
    _require(pg_bin_missing())
    cell, seen = infra.postgres_restart(0, tmp_path, suppliers=60)
    assert seen["postmaster_before"] != seen["postmaster_after"]  # the cluster really restarted
    assert seen["running_at_restart"]  # while the run was writing
    if seen["first_exit"] != 0:  # the run met the restart: it stopped, saying so in one line
        _failed_in_one_line(seen["first_tail"], "")
    assert seen["rerun_exit"] == 0 and seen["rerun"]["reconciles"]
    assert_exactly_once(cell, 60)


def test_the_disk_full_under_the_store_fails_the_run_clearly_and_a_rerun_delivers_each_once(tmp_path) -> None:
    _require(namespace_missing())
    cell, seen = infra.disk_full(0, tmp_path, suppliers=60, headroom=64 * 1024)
    assert seen["enospc"], seen  # a write to the store's file system really met ENOSPC
    assert seen["first_exit"] == 1
    _failed_in_one_line(seen["first_tail"], "database or disk is full")
    assert seen["rerun_exit"] == 0 and seen["rerun"]["reconciles"]
    assert_exactly_once(cell, 60)


def test_prefect_unreachable_for_30_s_mid_run_loses_no_supplier(tmp_path) -> None:
    cell, seen = infra.prefect_unreachable(0, tmp_path, suppliers=60)
    assert seen["refused"] >= 1 and seen["running_at_cut"], seen  # connections refused while the run ran
    assert seen["prefect"], "Prefect shows no run of the flow"
    assert_exactly_once(cell, 60)


def test_a_store_call_while_its_postgresql_restarts_waits_for_it_and_completes(tmp_path) -> None:
    """The server down when the store needs a connection (every pooled one died with it): the call waits for the
    server to come back instead of failing the run."""
    import threading

    from chaos.infra_kit import PgCluster
    from ofm.store import Store

    _require(pg_bin_missing())
    with PgCluster() as pg:
        store = Store(pg.url)
        try:
            store.migrate()
            assert store.list_quarantine("open") == []  # a pooled connection, which the stop kills
            pg.down("immediate")
            back = threading.Timer(2.0, pg.up)  # the restart completes while the call below waits
            back.start()
            try:
                assert store.list_quarantine("open") == []
            finally:
                back.join()
        finally:
            store.close()
