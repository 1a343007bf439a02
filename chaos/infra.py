"""The infrastructure faults: what production's own machinery does to a run, produced for real.

- `postgres-restart`: the store's PostgreSQL (a private cluster) restarted while a run writes to it;
- `prefect-unreachable-30s`: the Prefect API behind a proxy that refuses every connection for 30 s mid-run;
- `disk-full`: the store and the acknowledgements on a tiny tmpfs (a private mount namespace) that fills mid-run;
- `odoo-restart` (a real Odoo 19): the server stopped and started again in the middle of the batches;
- `killed` (a real Odoo 19): `ofm run` SIGKILLed at a seeded moment.

Each runs the flow as an operator does (`ofm run ... --json` processes), then, after the fault, the operator's
re-run; the cell is read back from the target (Odoo by anchor, the store's open quarantine). Each function returns
the cell and the evidence that the fault happened (pids before and after, refused connections, the error seen), so
a test can prove it was not vacuous; `SCENARIOS` wraps them for the runner.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chaos.core import Cell, Scenario, tally
from chaos.infra_kit import (
    PgCluster,
    Readback,
    finish,
    odoo_sandbox,
    open_quarantine,
    prefect_server,
    run,
    run_env,
    start_run,
    supplier_counts,
    supplier_file,
    wait_until,
)

Evidence = dict[str, Any]
SUPPLIERS = 300


def _written(back: Readback, anchors: dict[str, str]) -> Callable[[], bool]:
    return lambda: sum(supplier_counts(back, anchors).values()) > 0


def postgres_restart(seed: int, scratch: Path, suppliers: int = SUPPLIERS) -> tuple[Cell, Evidence]:
    """Supplier onboarding into the Odoo sandbox, the store on a private PostgreSQL restarted once the first
    partners are in Odoo (fast or immediate shutdown, by seed); then the operator's re-run."""
    started = time.monotonic()
    source = scratch / "suppliers.json"
    anchors = supplier_file(source, suppliers, seed, f"PG{seed}")
    mode = ("fast", "immediate")[seed % 2]
    with PgCluster() as pg, odoo_sandbox(scratch, latency_ms=20, record_cost_ms=5) as odoo, \
            prefect_server(scratch) as api:
        env = run_env(odoo, pg.url, scratch, api, OFM_ODOO_BATCH_SIZE="10")
        back = Readback(odoo)
        try:
            from ofm.store import Store

            store = Store(pg.url)
            store.migrate()
            store.close()
            proc = start_run(["supplier-onboarding", "--source", str(source)], env, scratch)
            wait_until(lambda: proc.poll() is not None or _written(back, anchors)(), 120, "the first partners")
            before = pg.postmaster_pid()
            pg.restart(mode)
            after = pg.postmaster_pid()
            first = finish(proc)
            second = run(["supplier-onboarding", "--source", str(source)], env, scratch)
            in_odoo = supplier_counts(back, anchors)
            held = open_quarantine(pg.url)
        finally:
            back.close()
    evidence = {"postmaster_before": before, "postmaster_after": after, "mode": mode, "first_exit": first.code,
                "first_tail": first.tail(), "rerun_exit": second.code, "rerun": second.result}
    note = f"pg_ctl restart -m {mode} (postmaster {before}->{after}); first run exit {first.code}, " \
           f"re-run exit {second.code}"
    return tally("supplier-onboarding", "postgres-restart", "sandbox", seed, received=anchors, in_odoo=in_odoo,
                 quarantined=held, seconds=time.monotonic() - started, note=note), evidence


def _cell(scenario: Callable[..., tuple[Cell, Evidence]]) -> Callable[[int, Path], Cell]:
    return lambda seed, scratch: scenario(seed, scratch)[0]


SCENARIOS = [
    Scenario("supplier-onboarding", "postgres-restart", "sandbox", _cell(postgres_restart), needs="postgres-bin"),
]
