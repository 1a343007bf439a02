"""`ofm scale run` by hand for each partitioned flow, against real processes: run as a script, not by pytest.

    .venv/bin/python tests/flows/scale_by_hand.py [flow ...] [--partitions N] [--record-cost-ms MS]

Starts a Prefect server on a new PostgreSQL database, a store on another, the Odoo sandbox over HTTP (in this
process, writes costed per record), the work pool with the `scale-out-partition` deployment and two workers
(`prefect worker start --limit 1`); prepares each flow's input (tests/flows/scale_inputs.py) and runs, in a
subprocess, exactly what a user types: `ofm scale run <flow> <source> --partitions N`, with the settings in its
environment. Prints its output, the wall time, and what Odoo holds afterwards (records in / delivered /
quarantined / duplicated / lost); stops everything and drops both databases at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT / "tests"), str(ROOT)]

FLOWS = ("supplier-onboarding", "po-sync", "bank-reconciliation", "ledger-batch")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("flows", nargs="*", default=list(FLOWS))
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--record-cost-ms", type=float, default=40.0)
    parser.add_argument("--prefect-port", type=int, default=4391)
    args = parser.parse_args()

    from local_servers import serving
    from pydantic import SecretStr
    from scale_inputs import admin_client, prepare_bank, prepare_ledger, prepare_orders, prepare_suppliers

    from chaos.world import odoo_client
    from ofm.cli.scale_demo import _deploy, _worker, databases
    from ofm.cli.services import Service
    from ofm.sandbox.odoo import Faults, OdooSandbox
    from ofm.sandbox.odoo import create_app as odoo_app
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
    from ofm.settings import Settings
    from ofm.store import Store

    tag = uuid.uuid4().hex[:8]
    folder = Path(tempfile.mkdtemp(prefix="ofm-scale-by-hand-"))
    api = f"http://127.0.0.1:{args.prefect_port}/api"
    sandbox = OdooSandbox(company_iban=COMPANY_IBAN)
    odoo, admin = odoo_client(sandbox), admin_client(sandbox)
    preps = {"supplier-onboarding": lambda: prepare_suppliers(sandbox, folder / "suppliers"),
             "po-sync": lambda: prepare_orders(sandbox, odoo, folder / "orders"),
             "bank-reconciliation": lambda: prepare_bank(sandbox, odoo, admin, folder / "bank"),
             "ledger-batch": lambda: prepare_ledger(sandbox, admin, folder / "ledger")}
    prepared = {f: preps[f]() for f in args.flows}
    sandbox.faults = Faults(record_cost_ms=args.record_cost_ms)
    started: list[Service] = []
    with databases("postgresql://postgres@127.0.0.1:5432/postgres", f"scale_byhand_prefect_{tag}",
                   f"scale_byhand_store_{tag}") as (prefect_db, store_db), serving(odoo_app(sandbox)) as odoo_url:
        try:
            server = Service("scale-byhand-prefect", f"{api}/health",
                             [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
                              str(args.prefect_port)],
                             {"PREFECT_HOME": str(folder / "prefect"), "DO_NOT_TRACK": "1",
                              "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                              "PREFECT_API_DATABASE_CONNECTION_URL":
                                  prefect_db.replace("postgresql+psycopg", "postgresql+asyncpg")}, 300.0)
            print(f"prefect server: {server.ensure()}", flush=True)
            started.append(server)
            os.environ.update({"PREFECT_API_URL": api, "PREFECT_SERVER_EPHEMERAL_ENABLED": "false"})
            settings = Settings(_env_file=None, database_url=store_db, odoo_url=odoo_url,
                                odoo_api_key=SecretStr("sandbox-key"), ack_dir=folder / "acks", odoo_batch_size=4)
            Store(store_db).migrate()
            _deploy(api, settings, lambda line: print(line, flush=True))
            env = {"OFM_DATABASE_URL": store_db, "OFM_ODOO_URL": odoo_url, "OFM_ACK_DIR": str(folder / "acks"),
                   "OFM_ODOO_BATCH_SIZE": "4"}
            for p in prepared.values():
                env.update(p.env)
            for i in (1, 2):
                worker = _worker(api, f"worker-{i}", env)
                worker.ensure()
                started.append(worker)
            store = Store(store_db)
            for name, p in prepared.items():
                command = [str(ROOT / ".venv/bin/ofm"), "scale", "run", name, str(p.source), "--partitions",
                           str(args.partitions)]
                print(f"\n$ {' '.join(command)}", flush=True)
                load = os.getloadavg()[0]
                began = time.monotonic()
                done = subprocess.run(command, env={**os.environ, **env, "PREFECT_API_URL": api}, cwd=ROOT,
                                      capture_output=True, text=True, timeout=1800)
                took = time.monotonic() - began
                print(done.stdout + done.stderr, flush=True)
                refs = [q.record_ref for q in store.list_quarantine(status=None, limit=100_000)]
                print(f"exit {done.returncode}; wall {took:.1f} s; load {load:.2f} -> {os.getloadavg()[0]:.2f}; "
                      f"read back from Odoo: {p.tally(refs)}", flush=True)
            store.close()
        finally:
            for service in reversed(started):
                service.stop()
            time.sleep(2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
