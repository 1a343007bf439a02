"""Scale-out on Prefect's workers: partitions of supplier onboarding as separate flow runs of the
`scale-out-partition` deployment, taken by two real `prefect worker start` processes, store on PostgreSQL,
Odoo the sandbox served over HTTP (its writes costed, so a partition lasts seconds). Every test reads back what
Odoo holds afterwards: each supplier once, none lost; and proves its fault happened (the race was a race, the
killed worker had written before it died and its partition was taken over).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flow_world import World, world
from local_servers import serving

from ofm.cli.scale import descendants, kill_worker, supplier_tally, wait_for, workers_of
from ofm.deploy.deployments import deploy_all, ensure_work_pool
from ofm.deploy.secrets import ensure_secret_blocks
from ofm.flows.scale_out import PARTITION_DEPLOYMENT, fan_out, submit
from ofm.sandbox.odoo import Faults
from ofm.sandbox.odoo import create_app as odoo_app
from ofm.sandbox.procurement import generate_suppliers, to_csv
from ofm.settings import Settings
from ofm.tasks.shared.partitions import list_partitions

pytestmark = [pytest.mark.prefect, pytest.mark.postgres, pytest.mark.usefixtures("prefect_harness")]

SUPPLIERS = 48
WORKERS = ("scale-a", "scale-b")


def api_url() -> str:
    from prefect.settings import get_current_settings

    return str(get_current_settings().api.url)


@pytest.fixture(scope="module")
def deployed() -> str:
    from prefect.blocks.system import Secret

    api = api_url()
    ensure_work_pool(api)
    done = deploy_all(api, only={"scale-out-partition"})
    assert done.applied == ["partition/scale-out-partition"], done.line()
    ensure_secret_blocks(api, Settings(_env_file=None))  # the pull step reads every block
    Secret(value="sandbox-key").save("ofm-odoo-api-key", overwrite=True)  # its Odoo key: the sandbox's
    return api


@pytest.fixture(scope="module")
def pg_url(pg_admin) -> Iterator[str]:
    schema = f"ofm_scale_{uuid.uuid4().hex[:12]}"
    with pg_admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield pg_admin.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with pg_admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scale")


@pytest.fixture(scope="module")
def w(folder, pg_url) -> Iterator[World]:
    """One world for the module (its workers are costly to start): each test onboards its own suppliers."""
    with world(folder, database_url=pg_url, batch_size=4) as w:
        w.sandbox.faults = Faults(record_cost_ms=250)  # ~1 s per create of 4: a partition lasts 6-12 s, so two runs
        # started together overlap however fast the machine (at 60 ms a quiet machine finished one before the other)
        yield w


ALL = generate_suppliers(3 * SUPPLIERS, seed=13, dirty=False, id_prefix="SCL")  # one distinct slice per test


@pytest.fixture
def export(tmp_path, request) -> tuple[Path, list[dict]]:
    nth = sorted(n for n in dir(request.module) if n.startswith("test_")).index(request.node.name)
    records = ALL[nth * SUPPLIERS:(nth + 1) * SUPPLIERS]
    path = tmp_path / "inbox" / "suppliers.csv"
    path.parent.mkdir()
    path.write_text(to_csv(records), encoding="utf-8")
    return path, records


@pytest.fixture(scope="module")
def pool(deployed, w: World, folder: Path) -> Iterator[dict[str, subprocess.Popen]]:
    """Two `prefect worker start --pool local-pool --limit 1` in their own sessions, against the sandbox over
    HTTP and the PostgreSQL store: each runs one partition at a time, so the partitions spread over both."""
    with serving(odoo_app(w.sandbox)) as odoo_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OFM_")}
        env.update({"PREFECT_API_URL": deployed, "PREFECT_WORKER_QUERY_SECONDS": "1",
                    "OFM_DATABASE_URL": w.settings.database_url, "OFM_ODOO_URL": odoo_url,
                    "OFM_ACK_DIR": str(folder / "acks"), "OFM_ODOO_BATCH_SIZE": str(w.settings.odoo_batch_size)})
        procs: dict[str, subprocess.Popen] = {}

        def start(name: str) -> None:
            (folder / name).mkdir(exist_ok=True)
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "prefect", "worker", "start", "--pool", "local-pool", "--limit", "1",
                 "--name", name], cwd=folder / name, env=env, stdout=(folder / f"{name}.log").open("ab"),
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

        procs["start"] = start  # type: ignore[assignment]
        for name in WORKERS:
            start(name)
        yield procs
        for name in WORKERS:
            if procs[name].poll() is None:
                kill_worker(procs[name].pid)
                procs[name].wait(10)


@pytest.fixture
def workers(pool) -> dict[str, subprocess.Popen]:
    """Both workers running (one killed by an earlier test is started again)."""
    for name in WORKERS:
        if pool[name].poll() is not None:
            pool["start"](name)
    return {name: pool[name] for name in WORKERS}


def read_back(w: World, records: list[dict]) -> dict[str, int]:
    quarantined = [q.record_ref for q in w.store.list_quarantine(status=None, limit=10_000)]
    return supplier_tally(records, w.partners(), quarantined)


def creates(w: World) -> int:
    return w.sandbox.calls[("res.partner", "create")]


@pytest.fixture
def written(w: World):
    """Creates Odoo received during the test."""
    before = creates(w)
    return lambda: creates(w) - before


def test_the_same_partition_submitted_twice_at_once_is_run_once(w, workers, export, written):
    from prefect.client.orchestration import get_client

    path, records = export
    [part] = list_partitions("supplier-onboarding", path, 1)  # the whole export, one partition
    first, second = (submit(PARTITION_DEPLOYMENT, "supplier-onboarding", str(part), "test") for _ in range(2))

    def final() -> bool:
        with get_client(sync_client=True) as client:
            return all(client.read_flow_run(r).state.is_final() for r in (first, second))

    assert wait_for(final, 300, 0.5)
    with get_client(sync_client=True) as client:
        runs = [client.read_flow_run(r) for r in (first, second)]
    assert all(r.state.is_completed() for r in runs), [r.state for r in runs]
    ran = [r for r in runs if w.store.metrics(str(r.id))]
    # the race happened: both ran at the same time, on both workers, and one found the partition held by the other
    assert len(ran) == 1, "both runs went through the partition (no race, or the partition lock did not hold)"
    assert max(r.start_time for r in runs) < min(r.end_time for r in runs), "the two runs did not overlap"
    assert set(workers_of(api_url(), [first, second]).values()) == set(WORKERS)
    assert read_back(w, records) == {"in": SUPPLIERS, "delivered": SUPPLIERS, "quarantined": 0, "duplicated": 0,
                                     "lost": 0}
    assert written() == SUPPLIERS // w.settings.odoo_batch_size  # nothing written twice, not even retried


def test_a_worker_killed_mid_partition_is_taken_over_and_its_partition_completes_once(w, workers, export, written):
    from prefect.client.orchestration import get_client

    path, records = export
    outcome: dict = {}
    fan = threading.Thread(target=lambda: outcome.update(
        fan_out(target="supplier-onboarding", source=str(path), partitions=2, poll_seconds=0.5)), daemon=True)
    fan.start()
    # both workers are mid-partition once Odoo has received a few creates: then one worker dies with its run
    assert wait_for(lambda: written() >= 3 and all(descendants(p.pid) for p in workers.values()), 300), \
        "the two partitions did not both start"
    victim = WORKERS[0]
    killed = kill_worker(workers[victim].pid)
    killed_at, before_kill = time.monotonic(), written()
    fan.join(400)
    took = time.monotonic() - killed_at
    assert not fan.is_alive() and outcome["failed"] == [], outcome
    assert len(killed) >= 2, "the worker had no flow-run process to kill"
    [takeover] = outcome["takeovers"]
    assert takeover["why"].startswith("died"), takeover
    assert before_kill < SUPPLIERS // w.settings.odoo_batch_size, "everything was written before the kill"
    ran_on = workers_of(api_url(), [takeover["from"], takeover["to"]])
    assert ran_on == {takeover["from"]: victim, takeover["to"]: WORKERS[1]}, ran_on
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(takeover["from"]).state.is_crashed()
    assert read_back(w, records) == {"in": SUPPLIERS, "delivered": SUPPLIERS, "quarantined": 0, "duplicated": 0,
                                     "lost": 0}
    assert w.store.lock_holder(takeover["partition"]) is None
    print(f"kill -> partition taken over and complete: {took:.1f} s")
