"""`ofm scale demo` / `make scale-demo`: scale-out shown on this machine, everything on PostgreSQL, then stopped.

Starts a Prefect server whose database is a new PostgreSQL database, a store in another new one, the Odoo sandbox
(writes costed per record, as a real Odoo spends them), the work pool with the `scale-out-partition` deployment
and up to two workers (`prefect worker start --limit 1`). Then: supplier onboarding in partitions with ONE worker,
the same-sized export with TWO (the wall-clock ratio, measured in this run), and a third export during which one
worker is SIGKILLed with its flow-run process mid-partition (the take-over). Which worker ran which partition is
read back from the Prefect API (the workers' `submitted-flow-run` events); the final counts from the Odoo sandbox
(partners by vendor code) and the store (quarantine). Everything it started is stopped and both databases are
dropped at the end, also on Ctrl-C. Ports and sizes: OFM_SCALE_PREFECT_PORT (4290), OFM_SCALE_ODOO_PORT (8170),
OFM_SCALE_SUPPLIERS (60 per export), OFM_SCALE_PARTITIONS (2), OFM_SCALE_RECORD_COST_MS (40),
OFM_SCALE_POSTGRES (postgresql://postgres@127.0.0.1:5432/postgres: where the two databases are created).
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import typer

from ofm.cli.scale import descendants, kill_worker, supplier_tally, wait_for, workers_of
from ofm.cli.serve import WorkerService
from ofm.cli.services import VAR, Service

HOME = VAR / "scale-demo"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"OFM_SCALE_{name}") or default


@contextlib.contextmanager
def databases(admin_url: str, *names: str) -> Iterator[list[str]]:
    """New PostgreSQL databases for the block, dropped after it: their SQLAlchemy URLs (psycopg)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    base = make_url(admin_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    created = []
    try:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
                created.append(name)
        yield [base.set(database=n).render_as_string(hide_password=False) for n in names]
    finally:
        with admin.connect() as conn:
            for name in created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run_demo(say: Callable[[str], None] = typer.echo) -> dict:
    from pydantic import SecretStr

    from ofm.connectors.odoo import OdooClient, OdooConfig
    from ofm.sandbox.procurement import generate_suppliers, to_csv
    from ofm.settings import Settings

    prefect_port, odoo_port = int(_env("PREFECT_PORT", "4290")), int(_env("ODOO_PORT", "8170"))
    n, parts = int(_env("SUPPLIERS", "60")), int(_env("PARTITIONS", "2"))
    tag = uuid.uuid4().hex[:8]
    HOME.mkdir(parents=True, exist_ok=True)
    started: list[Service] = []
    with databases(_env("POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
                   f"ofm_scale_prefect_{tag}", f"ofm_scale_store_{tag}") as (prefect_db, store_db):
        try:
            api = f"http://127.0.0.1:{prefect_port}/api"
            server = Service("scale-prefect-server", f"{api}/health",
                             [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                              "--port", str(prefect_port)],
                             {"PREFECT_HOME": str((HOME / "prefect").resolve()), "DO_NOT_TRACK": "1",
                              "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_API_URL": api,
                              "PREFECT_API_DATABASE_CONNECTION_URL":
                                  prefect_db.replace("postgresql+psycopg", "postgresql+asyncpg")}, 300.0)
            odoo = Service("scale-odoo-sandbox", f"http://127.0.0.1:{odoo_port}/web/health",
                           [sys.executable, "-m", "ofm.cli.main", "sandbox", "odoo", "--port", str(odoo_port),
                            "--record-cost-ms", _env("RECORD_COST_MS", "40")], {}, 120.0)
            for service in (server, odoo):
                said = service.ensure()
                if said == "already running":
                    raise RuntimeError(f"{service.health_url} is taken: set OFM_SCALE_PREFECT_PORT / "
                                       "OFM_SCALE_ODOO_PORT to free ports")
                started.append(service)
                say(f"  {service.name}: {said}")
            say(f"  Prefect database: PostgreSQL {prefect_db.rpartition('/')[2]}; store: PostgreSQL "
                f"{store_db.rpartition('/')[2]}")
            os.environ.update({"PREFECT_API_URL": api, "PREFECT_SERVER_EPHEMERAL_ENABLED": "false"})
            settings = Settings(_env_file=None, database_url=store_db, odoo_url=f"http://127.0.0.1:{odoo_port}",
                                odoo_api_key=SecretStr("sandbox-key"), ack_dir=HOME / "acks", odoo_batch_size=10)
            _deploy(api, settings, say)
            worker_env = {"OFM_DATABASE_URL": store_db, "OFM_ODOO_URL": settings.odoo_url,
                          "OFM_ACK_DIR": str(settings.ack_dir.resolve()), "OFM_ODOO_BATCH_SIZE": "10"}
            workers = [_worker(api, f"worker-{i}", worker_env) for i in (1, 2)]
            odoo_client = OdooClient(OdooConfig(url=settings.odoo_url, db="sandbox", login="integration@example.com",
                                                api_key=SecretStr("sandbox-key")))
            records = generate_suppliers(3 * n, seed=21, dirty=False, id_prefix=f"S{tag[:4].upper()}")
            exports = []
            for i, name in enumerate(("one-worker", "two-workers", "killed-worker")):
                path = HOME / tag / f"{name}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(to_csv(records[i * n:(i + 1) * n]), encoding="utf-8")
                exports.append(path)
            from ofm.tasks.shared.resources import build_resources, use_resources

            with use_resources(build_resources(settings)) as res:
                figures = _phases(api, workers, started, exports, parts, odoo_client, say)
                figures["prefect"] = _prefect_counts(api)
                quarantined = [q.record_ref for q in res.store.list_quarantine(status=None, limit=100_000)]
            partners = odoo_client.search_read(
                "res.partner", [["supplier_rank", ">", 0], "|", ["active", "=", True], ["active", "=", False]],
                ["ref"])
            figures["tally"] = supplier_tally(records, partners, quarantined)
            return figures
        finally:
            for service in reversed(started):
                service.stop()
            time.sleep(2.0)  # the server's connections close before its database is dropped


def _deploy(api: str, settings, say: Callable[[str], None]) -> None:
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from ofm.deploy.deployments import deploy_all, ensure_work_pool
    from ofm.deploy.secrets import ensure_secret_blocks

    say(f"  work pool local-pool: {ensure_work_pool(api)}")
    ensure_secret_blocks(api, settings)
    with temporary_settings(updates={PREFECT_API_URL: api}):
        Secret(value="sandbox-key").save("ofm-odoo-api-key", overwrite=True)
    done = deploy_all(api, only={"scale-out-partition"})
    say(f"  deployments: {done.line()}")
    if done.failed:
        raise RuntimeError(done.line())


def _worker(api: str, name: str, env: dict[str, str]) -> WorkerService:
    return WorkerService(f"scale-{name}", "", [sys.executable, "-m", "prefect", "worker", "start", "--pool",
                                               "local-pool", "--limit", "1", "--name", name],
                         {"PREFECT_API_URL": api, "PREFECT_WORKER_QUERY_SECONDS": "1", "DO_NOT_TRACK": "1",
                          "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **env}, 60.0)


def _start_worker(worker: WorkerService, started: list[Service], say: Callable[[str], None]) -> int:
    worker.ensure()
    started.append(worker)
    pid = int(worker.pid_file.read_text())
    say(f"  {worker.name}: started (pid {pid})")
    return pid


def _phases(api, workers, started, exports, parts, odoo, say) -> dict:
    from ofm.flows.scale_out import fan_out

    figures: dict = {"runs": []}
    _start_worker(workers[0], started, say)
    for label, export, start_second in (("1 worker", exports[0], False), ("2 workers", exports[1], True)):
        if start_second:
            _start_worker(workers[1], started, say)
        say(f"supplier onboarding, {parts} partitions, {label}:")
        began = time.monotonic()
        result = fan_out(target="supplier-onboarding", source=str(export), partitions=parts)
        figures[label] = time.monotonic() - began
        _show(api, result, say)
        figures["runs"] += [r for p in result["partitions"] for r in p["runs"]]
        say(f"  wall-clock: {figures[label]:.1f} s")
    say(f"1 worker / 2 workers wall-clock: {figures['1 worker'] / figures['2 workers']:.2f}")

    say("a worker killed mid-partition:")
    outcome: dict = {}
    fan = threading.Thread(target=lambda: outcome.update(fan_out(target="supplier-onboarding", source=str(exports[2]),
                                                                 partitions=parts, poll_seconds=0.5)))
    fan.start()
    pids = [int(w.pid_file.read_text()) for w in workers]
    codes = [r["vendor_ref"] for r in csv.DictReader(exports[2].open(encoding="utf-8"))]
    # both workers are running a partition and Odoo has some of this export's suppliers: mid-partition
    wait_for(lambda: all(descendants(p) for p in pids) and len(
        odoo.search_read("res.partner", [["ref", "in", codes]], ["id"])) >= 5, 900, 0.5)
    killed = kill_worker(pids[0])
    killed_at, killed_when = time.monotonic(), datetime.now(UTC)
    say(f"  SIGKILL {workers[0].name} and its flow-run process(es): pids {', '.join(map(str, killed))}")
    fan.join()
    figures["takeover seconds"] = time.monotonic() - killed_at
    _show(api, outcome, say)
    figures["runs"] += [r for p in outcome["partitions"] for r in p["runs"]]
    figures["takeovers"] = outcome["takeovers"]
    figures["detected seconds"] = max(
        (datetime.fromisoformat(t["at"]) - killed_when).total_seconds() for t in outcome["takeovers"]) \
        if outcome["takeovers"] else None
    say(f"  kill -> take-over submitted: {figures['detected seconds']:.1f} s" if outcome["takeovers"]
        else "  no take-over: the killed worker's partition had ended before the kill")
    say(f"  kill -> every partition complete: {figures['takeover seconds']:.1f} s")
    return figures


def _prefect_counts(api: str) -> dict[str, int]:
    """Flow runs and task runs the Prefect server holds (this demo's server: all of them are the demo's)."""
    import httpx

    time.sleep(5.0)  # task runs are recorded from events, a moment after the runs end
    return {kind: httpx.post(f"{api}/{kind}/count", json={}, timeout=30.0).json() for kind in ("flow_runs",
                                                                                                "task_runs")}


def _show(api: str, result: dict, say: Callable[[str], None]) -> None:
    ran = workers_of(api, [r for p in result["partitions"] for r in p["runs"]])
    for part in result["partitions"]:
        say(f"  {part['partition'].rpartition(':')[2]}: {part['state']}; " + ", ".join(
            f"run {r[:8]} on {ran.get(r, '?')}" for r in part["runs"]))
    for t in result["takeovers"]:
        say(f"  taken over: run {t['from'][:8]} -> run {t['to'][:8]} ({t['why']})")
