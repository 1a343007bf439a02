"""Scale-out on Prefect's workers: partitions of supplier onboarding, PO sync, bank reconciliation and ledger
batches as separate flow runs of the `scale-out-partition` deployment, taken by two real `prefect worker start`
processes, store on PostgreSQL, Odoo the sandbox served over HTTP (its writes costed, so a partition lasts seconds).
Every test reads back what Odoo holds afterwards: each record once (by its anchor), none lost; and proves its fault
happened (the race was a race, the killed worker had written before it died and its partition was taken over, the
ledger's partitions were refused by the run holding their period and ran again).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flow_world import World, world
from local_servers import serving
from scale_inputs import Prepared, admin_client, prepare_bank, prepare_ledger, prepare_orders, reconciled_lines

from ofm.cli.scale import descendants, kill_worker, supplier_tally, wait_for, workers_of
from ofm.deploy.deployments import deploy_all, ensure_work_pool
from ofm.deploy.secrets import ensure_secret_blocks
from ofm.flows.scale_out import PARTITION_DEPLOYMENT, RERUNS, fan_out, submit
from ofm.sandbox.odoo import Faults, OdooSandbox
from ofm.sandbox.odoo import create_app as odoo_app
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
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
    with world(folder, database_url=pg_url, batch_size=4, sandbox=OdooSandbox(company_iban=COMPANY_IBAN)) as w:
        w.sandbox.faults = Faults(record_cost_ms=250)  # ~1 s per create of 4: a partition lasts 6-12 s, so two runs
        # started together overlap however fast the machine (at 60 ms a quiet machine finished one before the other)
        yield w


ALL = generate_suppliers(8 * SUPPLIERS, seed=13, dirty=False, id_prefix="SCL")  # one distinct slice per test


@pytest.fixture
def export(tmp_path, request) -> tuple[Path, list[dict]]:
    nth = sorted(n for n in dir(request.module) if n.startswith("test_")).index(request.node.name)
    records = ALL[nth * SUPPLIERS:(nth + 1) * SUPPLIERS]
    path = tmp_path / "inbox" / "suppliers.csv"
    path.parent.mkdir()
    path.write_text(to_csv(records), encoding="utf-8")
    return path, records


@pytest.fixture(scope="module")
def prepared(w: World, folder: Path) -> dict[str, Prepared]:
    """The bank's and the ledger's inputs, and what their workers must be configured with (the routing of the
    second bank account, the ledger mappings): made before the workers start."""
    admin = admin_client(w.sandbox)
    return {"bank": prepare_bank(w.sandbox, w.odoo, admin, folder / "bank"),
            "ledger": prepare_ledger(w.sandbox, admin, folder / "ledger")}


@pytest.fixture(scope="module")
def pool(deployed, w: World, folder: Path, prepared) -> Iterator[dict[str, subprocess.Popen]]:
    """Two `prefect worker start --pool local-pool --limit 1` in their own sessions, against the sandbox over
    HTTP and the PostgreSQL store: each runs one partition at a time, so the partitions spread over both."""
    with serving(odoo_app(w.sandbox)) as odoo_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OFM_")}
        env.update({"PREFECT_API_URL": deployed, "PREFECT_WORKER_QUERY_SECONDS": "1",
                    "OFM_DATABASE_URL": w.settings.database_url, "OFM_ODOO_URL": odoo_url,
                    "OFM_ACK_DIR": str(folder / "acks"), "OFM_ODOO_BATCH_SIZE": str(w.settings.odoo_batch_size)})
        for p in prepared.values():
            env.update(p.env)
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


def quarantined_refs(w: World) -> list[str]:
    return [q.record_ref for q in w.store.list_quarantine(status=None, limit=10_000)]


def all_once(p: Prepared) -> dict[str, int]:
    n = len(p.keys)
    return {"in": n, "delivered": n, "quarantined": 0, "duplicated": 0, "lost": 0}


def runs_of(outcome: dict) -> list[str]:
    return [r for part in outcome["partitions"] for r in part["runs"]]


def test_bank_statements_of_two_accounts_run_on_both_workers_and_each_line_lands_and_reconciles_once(
        w, workers, prepared):
    """Three statement files: two accounts side by side on the two workers, the first account's next day only once
    its first day has ended (continuity is checked against the account's previous statement)."""
    from prefect.client.orchestration import get_client

    bank = prepared["bank"]
    outcome = fan_out(target="bank-reconciliation", source=str(bank.source), poll_seconds=0.5)
    assert outcome["failed"] == [] and outcome["takeovers"] == [], outcome
    first, next_day, other = ([r] for part in outcome["partitions"] for r in part["runs"])  # one run per file
    assert set(workers_of(api_url(), first + other).values()) == set(WORKERS)
    with get_client(sync_client=True) as client:
        runs = {r: client.read_flow_run(r) for r in first + next_day}
    assert runs[next_day[0]].start_time > runs[first[0]].end_time, "one account's two days ran at the same time"
    assert all(r.state.is_completed() for r in runs.values())
    assert bank.tally(quarantined_refs(w)) == all_once(bank)
    assert reconciled_lines(w.sandbox, bank.keys) == bank.expected["reconciled"]


def test_a_worker_killed_mid_po_sync_partition_is_taken_over_and_every_order_is_confirmed_once(
        w, workers, tmp_path):
    orders = prepare_orders(w.sandbox, w.odoo, tmp_path, n=24, tag="KILL")
    created = lambda: w.sandbox.calls[("purchase.order", "create")]  # noqa: E731
    before = created()
    outcome: dict = {}
    fan = threading.Thread(target=lambda: outcome.update(
        fan_out(target="po-sync", source=str(orders.source), partitions=2, poll_seconds=0.5)), daemon=True)
    fan.start()
    # both workers are mid-partition once Odoo has created some of the orders: then one worker dies with its run
    assert wait_for(lambda: created() - before >= 2 and all(descendants(p.pid) for p in workers.values()), 300), \
        "the two partitions did not both start"
    victim = WORKERS[0]
    killed = kill_worker(workers[victim].pid)
    landed_before_kill = len(orders.readback())
    fan.join(400)
    assert not fan.is_alive() and outcome["failed"] == [], outcome
    assert len(killed) >= 2, "the worker had no flow-run process to kill"
    [takeover] = outcome["takeovers"]
    assert takeover["why"].startswith("died"), takeover
    assert 0 < landed_before_kill < len(orders.keys), "the kill was not mid-run"
    assert workers_of(api_url(), [takeover["from"], takeover["to"]]) == {takeover["from"]: victim,
                                                                         takeover["to"]: WORKERS[1]}
    assert orders.tally(quarantined_refs(w)) == all_once(orders)  # confirmed in Odoo, each once


def test_ledger_partitions_refused_by_the_run_posting_their_period_run_again_and_post_each_entry_once(
        w, workers, prepared):
    """Three deliveries of one company and period: the ledger posts one run per company and period, so partitions
    running at once refuse each other. Here a live run holds the period (this process) while both workers take
    partitions: each is refused, waits, and runs again once the period is free; none is reported done unposted."""
    from scale_inputs import PERIOD

    from ofm.cli.demo import SANDBOX_COMPANY
    from ofm.store import owners
    from ofm.tasks.ledger.post import lock_name

    ledger = prepared["ledger"]
    [company] = w.odoo.search_read("res.company", [["name", "=", SANDBOX_COMPANY]], ["id"])
    period, holder = lock_name(company["id"], PERIOD), f"holder-{uuid.uuid4().hex[:8]}"
    owners.register(holder)
    assert w.store.acquire_lock(period, owners.owner_of(holder)).owner == owners.owner_of(holder)
    # only this test's ledger runs count (earlier tests' runs on the same Prefect server do not)
    since = datetime.now(UTC)
    outcome: dict = {}
    fan = threading.Thread(target=lambda: outcome.update(
        fan_out(target="ledger-batch", source=str(ledger.source), poll_seconds=0.5)), daemon=True)
    fan.start()
    try:
        # every partition's ledger run has been refused at least once (and both workers ran one) before the period
        # is given back
        assert wait_for(lambda: len(_finished_runs("ledger-batch", since)) >= 3 or not fan.is_alive(), 300, 0.5)
        assert not ledger.readback(), "a delivery was posted while another run held its period"
    finally:
        w.store.release_lock(period, owners.owner_of(holder))
        owners.unregister(holder)
    fan.join(400)
    assert not fan.is_alive() and outcome["failed"] == [], outcome
    assert outcome["counts"].get(RERUNS, 0) >= 3, outcome["counts"]
    assert set(workers_of(api_url(), runs_of(outcome)).values()) == set(WORKERS)
    assert ledger.tally(quarantined_refs(w)) == all_once(ledger)
    assert outcome["counts"]["posted"] == len(ledger.keys)


def _finished_runs(flow_name: str, since: datetime) -> list:
    """Runs of the flow started after `since` and finished."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterStartTime

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
                                     flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since)),
                                     limit=200)
    return [r for r in runs if r.state and r.state.is_final()]
