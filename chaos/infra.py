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

import contextlib
import json
import random
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from chaos import infra_diskfull, infra_real
from chaos.core import Cell, Scenario, tally
from chaos.infra_kit import (
    PgCluster,
    Proxy,
    Readback,
    Run,
    finish,
    kill_at,
    odoo_sandbox,
    open_quarantine,
    prefect_runs,
    prefect_server,
    real_odoo,
    run,
    run_env,
    start_run,
    supplier_counts,
    supplier_file,
    wait_until,
)

Evidence = dict[str, Any]
REPO = Path(__file__).resolve().parents[1]
SUPPLIERS = 300


def _written(back: Readback, anchors: dict[str, str]) -> Callable[[], bool]:
    return lambda: sum(supplier_counts(back, anchors).values()) > 0


def _target(target: str, scratch: Path, odoo_env: dict[str, str] | None) -> contextlib.AbstractContextManager:
    """The Odoo of a supplier scenario: the sandbox (a process, each record costing it 100 ms so the run is still
    writing when the fault comes), or a real Odoo 19 (its own server, or the fresh database `odoo_env` names)."""
    if target == "sandbox":
        return odoo_sandbox(scratch, latency_ms=20, record_cost_ms=100)
    if odoo_env:
        return contextlib.nullcontext(odoo_env)

    @contextlib.contextmanager
    def own() -> Iterator[dict[str, str]]:
        with real_odoo() as (_server, odoo):
            yield odoo

    return own()


def postgres_restart(seed: int, scratch: Path, suppliers: int = SUPPLIERS, target: str = "sandbox",
                     odoo_env: dict[str, str] | None = None) -> tuple[Cell, Evidence]:
    """Supplier onboarding into the Odoo sandbox or a real Odoo 19 (`target` "odoo19"), the store on a private
    PostgreSQL restarted once the first partners are in Odoo (fast or immediate shutdown, by seed); then the
    operator's re-run."""
    started = time.monotonic()
    source = scratch / "suppliers.json"
    anchors = supplier_file(source, suppliers, seed, f"PG{seed}")
    mode = ("fast", "immediate")[seed % 2]
    with PgCluster() as pg, _target(target, scratch, odoo_env) as odoo, prefect_server(scratch) as api:
        env = run_env(odoo, pg.url, scratch, api, OFM_ODOO_BATCH_SIZE="10")
        back = Readback(odoo)
        try:
            from ofm.store import Store

            store = Store(pg.url)
            store.migrate()
            store.close()
            proc = start_run(["supplier-onboarding", "--source", str(source)], env, scratch)
            wait_until(lambda: proc.poll() is not None or _written(back, anchors)(), 120, "the first partners")
            before, running = pg.postmaster_pid(), proc.poll() is None
            pg.restart(mode)
            after = pg.postmaster_pid()
            first = finish(proc)
            second = run(["supplier-onboarding", "--source", str(source)], env, scratch)
            in_odoo = supplier_counts(back, anchors)
            held = open_quarantine(pg.url)
        finally:
            back.close()
    return _settled("postgres-restart", target, seed, started, (anchors, in_odoo, held), (first, second),
                    {"postmaster_before": before, "postmaster_after": after, "mode": mode,
                     "running_at_restart": running},
                    f"pg_ctl restart -m {mode} (postmaster {before}->{after})")


def _settled(fault: str, target: str, seed: int, started: float, counted: tuple, runs: tuple[Run, Run],
             evidence: Evidence, note: str) -> tuple[Cell, Evidence]:
    """The supplier cell of a fault, a first run and the operator's re-run, with the runs' exits as evidence."""
    anchors, in_odoo, held = counted
    first, second = runs
    evidence |= {"first_exit": first.code, "first_tail": first.tail(), "rerun_exit": second.code,
                 "rerun": second.result}
    note += f"; first run exit {first.code}, re-run exit {second.code}"
    return tally("supplier-onboarding", fault, target, seed, received=anchors, in_odoo=in_odoo, quarantined=held,
                 seconds=time.monotonic() - started, note=note), evidence


def disk_full(seed: int, scratch: Path, suppliers: int = SUPPLIERS,
              headroom: int | None = None) -> tuple[Cell, Evidence]:
    """Supplier onboarding into the Odoo sandbox with the store (SQLite) and the acknowledgements on a tmpfs of
    8 MiB filled to leave `headroom` bytes (seeded: 256 KiB to 2.25 MiB; a whole run of 300 needs ~2.6 MiB): the
    run meets ENOSPC early or late; the space is freed and the operator re-runs."""
    started = time.monotonic()
    source = scratch / "suppliers.json"
    anchors = supplier_file(source, suppliers, seed, f"DF{seed}")
    headroom = headroom or random.Random(seed).choice([256, 1024, 1536, 2048, 2304]) * 1024
    with odoo_sandbox(scratch, latency_ms=5) as odoo, prefect_server(scratch) as api:
        env = run_env(odoo, "sqlite://", scratch, api, OFM_ODOO_BATCH_SIZE="25")
        spec = {"inbox": str(scratch / "inbox"), "scratch": str(scratch), "size": 8 * 1024 * 1024,
                "headroom": headroom, "source": str(source), "env": env}
        done = subprocess.run(infra_diskfull.command(spec), capture_output=True, text=True, cwd=REPO, check=False,
                              timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"the disk-full namespace failed ({done.returncode}): {done.stderr[-2000:]}")
        evidence = json.loads(done.stdout.strip().splitlines()[-1])
        back = Readback(odoo)
        try:
            in_odoo = supplier_counts(back, anchors)
        finally:
            back.close()
    evidence["headroom"] = headroom
    note = f"ENOSPC with {headroom // 1024} KiB free (probe errno {evidence['probe_errno']}); first run exit " \
           f"{evidence['first_exit']}, re-run exit {evidence['rerun_exit']}"
    return tally("supplier-onboarding", "disk-full", "sandbox", seed, received=anchors, in_odoo=in_odoo,
                 quarantined=evidence["quarantined"], seconds=time.monotonic() - started, note=note), evidence


OUTAGE = 30.0


def prefect_unreachable(seed: int, scratch: Path, suppliers: int = SUPPLIERS,
                        outage: float = OUTAGE) -> tuple[Cell, Evidence]:
    """Supplier onboarding into the Odoo sandbox with its Prefect API behind a proxy that, once the first partners
    are in Odoo (plus a seeded 0-0.5 s; each batch of 10 costs the sandbox ~1.5 s, so the run is still
    writing, however fast the machine), resets every connection and refuses every new one for `outage` seconds."""
    from datetime import UTC, datetime
    from urllib.parse import urlsplit

    started = time.monotonic()
    since = datetime.now(UTC).isoformat()
    source = scratch / "suppliers.json"
    anchors = supplier_file(source, suppliers, seed, f"PF{seed}")
    delay = random.Random(seed).uniform(0, 0.5)
    with odoo_sandbox(scratch, latency_ms=60, record_cost_ms=150) as odoo, prefect_server(scratch) as api:
        upstream = urlsplit(api)
        proxy = Proxy(upstream.hostname or "127.0.0.1", upstream.port or 80)
        store_url = f"sqlite:///{scratch / 'ofm.db'}"
        env = run_env(odoo, store_url, scratch, f"http://127.0.0.1:{proxy.port}{upstream.path}",
                      OFM_ODOO_BATCH_SIZE="10")
        back = Readback(odoo)
        try:
            proc = start_run(["supplier-onboarding", "--source", str(source)], env, scratch)
            wait_until(lambda: proc.poll() is not None or _written(back, anchors)(), 120, "the first partners")
            time.sleep(delay)
            at_cut = sum(supplier_counts(back, anchors).values())
            running_at_cut = proc.poll() is None
            proxy.cut()
            time.sleep(outage)
            at_restore = sum(supplier_counts(back, anchors).values())
            running_at_restore = proc.poll() is None
            proxy.restore()
            restored = time.monotonic()
            first = finish(proc)
            first_ended = time.monotonic() - restored
            shown_first = prefect_runs(api, "supplier-onboarding", since)
            second = run(["supplier-onboarding", "--source", str(source)], env, scratch)
            in_odoo = supplier_counts(back, anchors)
            held = open_quarantine(store_url)
            shown = prefect_runs(api, "supplier-onboarding", since)
        finally:
            back.close()
            proxy.close()
    evidence = {"refused": proxy.refused, "passed": proxy.passed, "partners_at_cut": at_cut,
                "partners_at_restore": at_restore, "running_at_cut": running_at_cut,
                "running_at_restore": running_at_restore,
                "first_ended_after_restore_s": round(first_ended, 1),
                "first_exit": first.code, "first_tail": first.tail(), "rerun_exit": second.code,
                "prefect_after_first": shown_first, "prefect": shown}
    states = ", ".join(str(r["state"]) for r in shown)
    note = f"proxy refused {proxy.refused} connections in {outage:.0f} s; partners {at_cut}->{at_restore} during " \
           f"the outage; first run exit {first.code}, re-run exit {second.code}; Prefect shows: {states}"
    return tally("supplier-onboarding", "prefect-unreachable-30s", "sandbox", seed, received=anchors,
                 in_odoo=in_odoo, quarantined=held, seconds=time.monotonic() - started, note=note), evidence


def odoo_restart(seed: int, scratch: Path, suppliers: int = SUPPLIERS) -> tuple[Cell, Evidence]:
    """Supplier onboarding into a real Odoo 19 of its own, in batches of 10; once the first partners are in Odoo
    (plus a seeded 0-1 s) the server is stopped and started again; then the operator's re-run."""
    started = time.monotonic()
    source = scratch / "suppliers.json"
    anchors = supplier_file(source, suppliers, seed, f"OR{seed}")
    delay = random.Random(seed).uniform(0, 1)
    with real_odoo() as (server, odoo), prefect_server(scratch) as api:
        store_url = f"sqlite:///{scratch / 'ofm.db'}"
        env = run_env(odoo, store_url, scratch, api, OFM_ODOO_BATCH_SIZE="10")
        back = Readback(odoo)
        try:
            proc = start_run(["supplier-onboarding", "--source", str(source)], env, scratch)
            wait_until(lambda: proc.poll() is not None or _written(back, anchors)(), 180, "the first partners")
            time.sleep(delay)
            before = server.pid
            at_stop = sum(supplier_counts(back, anchors).values())
            server.stop()
            server.start()
            after = server.pid
            first = finish(proc)
            second = run(["supplier-onboarding", "--source", str(source)], env, scratch)
            back.close()
            back = Readback(odoo)
            in_odoo = supplier_counts(back, anchors)
            held = open_quarantine(store_url)
        finally:
            back.close()
    return _settled("odoo-restart", "odoo19", seed, started, (anchors, in_odoo, held), (first, second),
                    {"pid_before": before, "pid_after": after, "partners_at_stop": at_stop},
                    f"Odoo pid {before}->{after} with {at_stop} partners in")


KILLED_FLOWS = ("supplier-onboarding", "ledger-batch")


def _ledger_input(back: Readback, scratch: Path, seed: int, entries: int = 60) -> tuple[Path, dict[str, str], str]:
    """A payroll delivery of `entries` entries (the analytic accounts its cost centres name created first)."""
    from datetime import date

    from ofm.sandbox.ledger import payroll_csv

    client = back.client()
    [plan] = client.search_read("account.analytic.plan", [], ["name"], limit=1)
    client.create("account.analytic.account", [{"name": n, "plan_id": plan["id"]} for n in ("Administration", "Sales")])
    batch = f"PAY-K{seed}"
    source = scratch / f"payroll-{batch}.csv"
    source.write_text(payroll_csv(batch, "2026-11", date(2026, 11, 30), entries=entries))
    return source, {str(n): str(n) for n in range(1, entries + 1)}, f"ofm:payroll:{batch}:"


def killed(seed: int, scratch: Path, flow: str = "supplier-onboarding", suppliers: int = SUPPLIERS,
           odoo_env: dict[str, str] | None = None) -> tuple[Cell, Evidence]:
    """`ofm run <flow>` against a real Odoo 19 SIGKILLed at a seeded moment (0-1.5 s after its first record is in
    Odoo), then the operator's re-run; read back by anchor (partner ref, journal entry ref). The Odoo is a server
    of its own on a fresh database, or `odoo_env` (the OFM_ODOO_* settings of a fresh database one already runs)."""
    started = time.monotonic()
    moment = random.Random(seed).uniform(0, 1.5)
    own = contextlib.nullcontext((None, odoo_env)) if odoo_env else real_odoo()
    with own as (_server, odoo), prefect_server(scratch) as api:
        store_url = f"sqlite:///{scratch / 'ofm.db'}"
        env = run_env(odoo, store_url, scratch, api, OFM_ODOO_BATCH_SIZE="5" if flow == "ledger-batch" else "10")
        back = Readback(odoo)
        try:
            if flow == "ledger-batch":
                source, anchors, prefix = _ledger_input(back, scratch, seed)

                def in_odoo() -> dict[str, int]:
                    return dict(back.moves_by_entry(prefix))
            else:
                source = scratch / "suppliers.json"
                anchors = supplier_file(source, suppliers, seed, f"KL{seed}")

                def in_odoo() -> dict[str, int]:
                    return supplier_counts(back, anchors)
            args = [flow, "--source", str(source)]
            proc = start_run(args, env, scratch)
            wait_until(lambda: proc.poll() is not None or sum(in_odoo().values()) > 0, 180, "the first record")
            was_killed = kill_at(proc, moment)
            at_kill = sum(in_odoo().values())
            first = finish(proc)
            second = run(args, env, scratch)
            seen = in_odoo()
            held = open_quarantine(store_url)
        finally:
            back.close()
    evidence = {"killed": was_killed, "first_exit": first.code, "records_at_kill": at_kill,
                "rerun_exit": second.code, "rerun_tail": second.tail(4)}
    note = f"SIGKILL {moment:.2f} s after the first record ({at_kill} in Odoo)" if was_killed else \
        f"the run ended before the kill at {moment:.2f} s"
    note += f"; re-run exit {second.code}"
    return tally(flow, "killed", "odoo19", seed, received=anchors, in_odoo=seen, quarantined=held,
                 seconds=time.monotonic() - started, note=note), evidence


def _cell(scenario: Callable[..., tuple[Cell, Evidence]]) -> Callable[[int, Path], Cell]:
    return lambda seed, scratch: scenario(seed, scratch)[0]


SCENARIOS = [
    Scenario("supplier-onboarding", "postgres-restart", "sandbox", _cell(postgres_restart), needs="postgres-bin"),
    Scenario("supplier-onboarding", "prefect-unreachable-30s", "sandbox", _cell(prefect_unreachable)),
    Scenario("supplier-onboarding", "disk-full", "sandbox", _cell(disk_full), needs="mount-namespace"),
    Scenario("supplier-onboarding", "odoo-restart", "odoo19", _cell(odoo_restart), needs="real_odoo"),
    *(Scenario(flow, "killed", "odoo19", lambda seed, scratch, flow=flow: killed(seed, scratch, flow)[0],
               needs="real_odoo") for flow in KILLED_FLOWS),
    *(Scenario(flow, "killed", "odoo19", lambda seed, scratch, flow=flow: infra_real.killed(seed, scratch, flow)[0],
               needs="real_odoo") for flow in infra_real.KILLED_FLOWS),
    *(Scenario(flow, "overlap", "odoo19", lambda seed, scratch, flow=flow: infra_real.overlap(seed, scratch, flow)[0],
               needs="real_odoo+postgres-bin") for flow in infra_real.OVERLAP_FLOWS),
    Scenario("supplier-onboarding", "postgres-restart", "odoo19",
             lambda seed, scratch: postgres_restart(seed, scratch, target="odoo19")[0],
             needs="real_odoo+postgres-bin"),
    Scenario("supplier-onboarding", "approval-replay", "odoo19", _cell(infra_real.approval_replay), needs="real_odoo"),
]
