"""`python -m chaos`: the fault suite's scenarios over many seeds, one table, exit 1 on any duplicate or loss.

    python -m chaos [--seeds N] [--first-seed S] [--flow F ...] [--fault X ...] [--target sandbox|odoo19|all]
                    [--json PATH] [--workers W] [--minutes M] [--infra-seeds N]

Each cell (scenario x seed) runs in a scratch folder of its own, removed afterwards (under /dev/shm when there is
one: the cells' stores and the Prefect server's database then cost no disk syncs). The flows run on a temporary
Prefect server of their own (`prefect_test_harness`: SQLite, history gone at exit), so nothing is written to the
project's server; that server keeps flow runs and their states, not the event history (no cell reads it). With
`--workers W` the cells of `chaos.sandbox`'s scenarios run in W worker processes, all on that server; the other
scenarios (real processes and servers) run in this one, only for the first N seeds with `--infra-seeds N` (0: left
out). Seeds run one after the other, each in every scenario; with `--minutes M` no seed starts after M minutes, so
a large run fits a time slot and still has whole seeds. A scenario that needs what this machine lacks (a real Odoo
source, root) is left out with one line saying why. Prints the table (`chaos.core.table`) and the seconds taken;
exits 1 naming every cell with a duplicate or a loss, or that failed to run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from chaos.core import Cell, Scenario, quiet, run_named, run_one, scenarios, table


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def missing(needs: str) -> str | None:
    """Why this machine cannot run a scenario that needs `needs` (one need, or several joined by `+`), or None."""
    if not needs:
        return None
    if "+" in needs:
        return next((why for why in map(missing, needs.split("+")) if why), None)
    if needs == "real_odoo":
        if os.environ.get("OFM_TEST_ODOO_URL"):
            return None
        from ofm.testbed.realodoo import RealOdooUnavailable, find_source

        try:
            find_source(19)
        except RealOdooUnavailable as exc:
            return f"no real Odoo source ({exc})"
        return None
    if needs == "postgres-bin":
        from chaos.infra_kit import pg_bin_missing

        return pg_bin_missing()
    if needs == "mount-namespace":
        from chaos.infra_kit import namespace_missing

        return namespace_missing()
    if needs == "root":
        return None if os.geteuid() == 0 else "not root"
    return f"needs {needs!r}, which this runner does not know how to provide"


def select(args: argparse.Namespace) -> list[Scenario]:
    chosen = [s for s in scenarios() if (not args.flow or s.flow in args.flow) and (not args.fault or s.fault in
              args.fault) and (args.target == "all" or s.target == args.target)]
    runnable = []
    skipped: dict[str, list[str]] = {}
    for s in chosen:
        why = missing(s.needs)
        if why is None:
            runnable.append(s)
        else:
            skipped.setdefault(why, []).append(f"{s.flow}/{s.fault}/{s.target}")
    for why, names in skipped.items():
        say(f"left out {len(names)} scenario(s) ({', '.join(names)}): {why}")
    return runnable


class Progress:
    """A line each time a seed has run in every scenario (the seeds done, the cells, the bad ones, the time), and one
    at once for each bad cell or cell that could not run."""

    def __init__(self, plan: dict[int, list[Scenario]]) -> None:
        self.left = {seed: len(chosen) for seed, chosen in plan.items()}
        self.per_seed = dict(self.left)
        self.cells: list[Cell] = []
        self.errors: list[str] = []
        self.bad = 0
        self.started = time.perf_counter()

    def add(self, seed: int, result: Cell | str) -> None:
        if isinstance(result, Cell):
            self.cells.append(result)
            self.bad += not result.ok
            if not result.ok:
                say(f"BAD {result.flow} / {result.fault} / {result.target} seed {result.seed}: duplicated "
                    f"{result.duplicated}, lost {result.lost} ({result.note})")
        else:
            self.errors.append(result)
            self.bad += 1
            say(f"COULD NOT RUN {result.splitlines()[0]}")
        self.left[seed] -= 1
        if not self.left[seed]:
            done = sum(1 for n in self.left.values() if not n)
            say(f"seed {seed} done in its {self.per_seed[seed]} scenario(s): {done} seed(s) of {len(self.left)}, "
                f"{len(self.cells)} cell(s), {self.bad} bad, {time.perf_counter() - self.started:.0f} s")


def run(chosen: list[Scenario], seeds: list[int], root: Path, workers: int = 1, minutes: float | None = None,
        infra_seeds: int | None = None) -> tuple[list[Cell], list[str], list[int]]:
    """Every scenario for every seed, seed after seed (so a run cut short has whole seeds). The scenarios of
    `chaos.sandbox` (in-process worlds, nothing shared but the Prefect server) run in `workers` worker processes
    when it is more than 1; the others (real processes, servers, ports) one after the other in this one, and only
    for the first `infra_seeds` seeds when given. With `minutes`, no seed starts after that time.
    Returns the cells, the cells that could not run, and the seeds started."""
    from chaos.sandbox import SCENARIOS

    light = [s for s in chosen if s in SCENARIOS]
    plan = {seed: [s for s in chosen if s in light or infra_seeds is None or i < infra_seeds]
            for i, seed in enumerate(seeds)}
    plan = {seed: todo for seed, todo in plan.items() if todo}
    progress = Progress(plan)
    deadline = None if minutes is None else time.monotonic() + minutes * 60
    remote = light if workers > 1 else []
    pool, pending = None, {}
    if remote:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from prefect.settings import PREFECT_API_URL

        os.environ["PREFECT_API_URL"] = str(PREFECT_API_URL.value())  # the workers' flows: this run's server
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=quiet)
    started: list[int] = []

    def collect(block: bool) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait

        if not pending:
            return
        done, _ = wait(list(pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            s, seed = pending.pop(future)
            try:
                result = future.result()
            except Exception:  # noqa: BLE001 - a worker that died is reported, the suite goes on
                result = f"{s.flow}/{s.fault}/{s.target} seed {seed}: {traceback.format_exc(limit=3)}"
            progress.add(seed, result)

    try:
        for seed, todo in plan.items():
            if started and deadline is not None and time.monotonic() > deadline:  # the first seed always runs
                say(f"time is up ({minutes:g} min): seeds {seed}.. not run")
                break
            started.append(seed)
            for s in (s for s in todo if s in remote):
                while len(pending) >= 2 * workers:  # a short queue: the deadline stays close
                    collect(block=True)
                pending[pool.submit(run_named, s.flow, s.fault, s.target, seed, str(root))] = (s, seed)
            for s in (s for s in todo if s not in remote):
                progress.add(seed, run_one(s, seed, root))
                collect(block=False)
        while pending:
            collect(block=True)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    order = {(s.flow, s.fault, s.target): i for i, s in enumerate(chosen)}
    cells = sorted(progress.cells, key=lambda c: (order[(c.flow, c.fault, c.target)], c.seed))
    return cells, progress.errors, started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2, help="seeds per scenario (default 2)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first seed (default 1)")
    parser.add_argument("--flow", action="append", help="only this flow (repeatable)")
    parser.add_argument("--fault", action="append", help="only this fault (repeatable)")
    parser.add_argument("--target", default="all", choices=["sandbox", "odoo19", "all"])
    parser.add_argument("--json", type=Path, help="write every cell to this file as JSON")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes for the sandbox scenarios (default 1: all in this process)")
    parser.add_argument("--minutes", type=float, help="start no seed after this many minutes (whole seeds only)")
    parser.add_argument("--infra-seeds", type=int,
                        help="seeds for the scenarios outside chaos.sandbox (real processes restarted, servers; "
                             "each takes half a minute or more): only the first N, 0 leaves them out "
                             "(default: --seeds)")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.seeds < 1 or (args.infra_seeds or 0) < 0:
        parser.error("--seeds and --workers must be at least 1, --infra-seeds at least 0")
    if os.access("/dev/shm", os.W_OK):  # scratch stores and the Prefect server's database in memory: no fsync
        os.environ.setdefault("TMPDIR", "/dev/shm")
    quiet()
    # the run's Prefect server keeps flow runs and their states, not the event history (task runs recorded from
    # events, events stored, automations): no cell reads it, it is gone at exit, and it cost the server about a
    # seventh of a run's CPU
    for service in ("TASK_RUN_RECORDER", "EVENT_PERSISTER", "TRIGGERS", "EVENT_LOGGER"):
        os.environ.setdefault(f"PREFECT_SERVER_SERVICES_{service}_ENABLED", "false")
    root = Path(tempfile.mkdtemp(prefix="ofm-chaos-"))
    os.environ.setdefault("PREFECT_HOME", str(root / "prefect-home"))  # before Prefect is imported
    started = time.perf_counter()
    chosen = select(args)
    if not chosen:
        shutil.rmtree(root, ignore_errors=True)
        say("no scenario to run")
        return 1
    from prefect.testing.utilities import prefect_test_harness

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    try:
        with prefect_test_harness(server_startup_timeout=120):
            cells, errors, seeds = run(chosen, seeds, root, args.workers, args.minutes, args.infra_seeds)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    say("")
    say(table(cells))
    ran = len({f"{c.flow}/{c.fault}/{c.target}" for c in cells} | {e.split(" seed ", 1)[0] for e in errors})
    say(f"\n{len(cells)} cell(s), {ran} scenario(s) x {len(seeds)} seed(s) in "
        f"{time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(c) for c in cells], indent=1), encoding="utf-8")
    bad = [c for c in cells if not c.ok]
    for c in bad:
        say(f"FAIL {c.flow} / {c.fault} / {c.target} seed {c.seed}: duplicated {c.duplicated}, lost {c.lost} "
            f"({c.note})")
    for e in errors:
        say(f"ERROR {e}")
    return 1 if bad or errors else 0


if __name__ == "__main__":
    sys.exit(main())
