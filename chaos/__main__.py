"""`python -m chaos`: the fault suite's scenarios over many seeds, one table, exit 1 on any duplicate or loss.

    python -m chaos [--seeds N] [--first-seed S] [--flow F ...] [--fault X ...] [--target sandbox|odoo19|all]
                    [--json PATH] [--workers W]

Each cell (scenario x seed) runs in a scratch folder of its own, removed afterwards (under /dev/shm when there is
one: the cells' stores and the Prefect server's database then cost no disk syncs). With `--workers W` the sandbox
scenarios' cells run in W worker processes, all on this run's Prefect server. The flows run on a temporary
Prefect server of their own (`prefect_test_harness`: SQLite, history gone at exit), so nothing is written to the
project's server. A scenario that needs what this machine lacks (a real Odoo source, root) is left out with one line
saying why. Prints the table (`chaos.core.table`) and the seconds taken; exits 1 naming every cell with a duplicate
or a loss, or that failed to run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from chaos.core import Cell, Scenario, scenarios, table


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def missing(needs: str) -> str | None:
    """Why this machine cannot run a scenario that needs `needs`, or None when it can."""
    if not needs:
        return None
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


def run_one(s: Scenario, seed: int, root: Path) -> Cell | str:
    """One cell in a scratch folder of its own (removed afterwards): the cell, or why it could not run."""
    scratch = root / f"{s.flow}-{s.fault}-{s.target}-{seed}"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        return s.run(seed, scratch)
    except Exception:  # noqa: BLE001 - a cell that cannot run is reported, the suite goes on
        return f"{s.flow}/{s.fault}/{s.target} seed {seed}: {traceback.format_exc(limit=3)}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _in_worker(flow: str, fault: str, target: str, seed: int, root: str) -> Cell | str:
    """`run_one` in a worker process, the scenario found again by name (a scenario's `run` does not pickle)."""
    [s] = [s for s in scenarios() if (s.flow, s.fault, s.target) == (flow, fault, target)]
    return run_one(s, seed, Path(root))


def _quiet() -> None:
    for name, value in (("DO_NOT_TRACK", "1"), ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
                        ("PREFECT_LOGGING_LEVEL", "CRITICAL")):
        os.environ.setdefault(name, value)
    logging.getLogger("ofm").setLevel(logging.CRITICAL)  # every injected fault and killed run logs: the table says it
    if os.environ.get("TMPDIR"):
        tempfile.tempdir = os.environ["TMPDIR"]


class Progress:
    """One line per scenario once all its seeds ran: the seeds, the seconds its cells took, the bad ones."""

    def __init__(self, chosen: list[Scenario], seeds: list[int]) -> None:
        self.left = {(s.flow, s.fault, s.target): len(seeds) for s in chosen}
        self.seconds = dict.fromkeys(self.left, 0.0)
        self.bad = dict.fromkeys(self.left, 0)
        self.cells: list[Cell] = []
        self.errors: list[str] = []
        self.n = len(seeds)

    def add(self, s: Scenario, result: Cell | str, seconds: float) -> None:
        key = (s.flow, s.fault, s.target)
        if isinstance(result, Cell):
            self.cells.append(result)
            self.bad[key] += not result.ok
        else:
            self.errors.append(result)
            self.bad[key] += 1
        self.seconds[key] += seconds
        self.left[key] -= 1
        if not self.left[key]:
            say(f"{' / '.join(key)}: {self.n} seed(s), {self.seconds[key]:.1f} s of cells"
                + (f", {self.bad[key]} bad" if self.bad[key] else ""))


def run(chosen: list[Scenario], seeds: list[int], root: Path, workers: int = 1) -> tuple[list[Cell], list[str]]:
    """Every scenario for every seed. With `workers` > 1 the sandbox scenarios (in-process worlds, nothing shared
    but the Prefect server) run in that many worker processes; the others one after the other in this one."""
    progress = Progress(chosen, seeds)
    parallel = [s for s in chosen if s.target == "sandbox"] if workers > 1 else []
    pool = None
    if parallel:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from prefect.settings import PREFECT_API_URL

        os.environ["PREFECT_API_URL"] = str(PREFECT_API_URL.value())  # the workers' flows: this run's server
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet)
    try:
        futures = {pool.submit(_in_worker, s.flow, s.fault, s.target, seed, str(root)): s
                   for s in parallel for seed in seeds} if pool else {}
        for s in chosen:
            if s in parallel:
                continue
            for seed in seeds:
                started = time.perf_counter()
                progress.add(s, run_one(s, seed, root), time.perf_counter() - started)
        if pool:
            from concurrent.futures import as_completed

            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception:  # noqa: BLE001 - a worker that died is reported, the suite goes on
                    result = f"{futures[future].flow}/{futures[future].fault}: {traceback.format_exc(limit=3)}"
                progress.add(futures[future], result, result.seconds if isinstance(result, Cell) else 0.0)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    order = {(s.flow, s.fault, s.target): i for i, s in enumerate(chosen)}
    cells = sorted(progress.cells, key=lambda c: (order[(c.flow, c.fault, c.target)], c.seed))
    return cells, progress.errors


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
    args = parser.parse_args(argv)
    if args.workers < 1 or args.seeds < 1:
        parser.error("--seeds and --workers must be at least 1")
    if os.access("/dev/shm", os.W_OK):  # scratch stores and the Prefect server's database in memory: no fsync
        os.environ.setdefault("TMPDIR", "/dev/shm")
    _quiet()
    root = Path(tempfile.mkdtemp(prefix="ofm-chaos-"))
    os.environ.setdefault("PREFECT_HOME", str(root / "prefect-home"))
    started = time.perf_counter()
    chosen = select(args)
    if not chosen:
        say("no scenario to run")
        return 1
    from prefect.testing.utilities import prefect_test_harness

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    try:
        with prefect_test_harness(server_startup_timeout=120):
            cells, errors = run(chosen, seeds, root, args.workers)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    say("")
    say(table(cells))
    say(f"\n{len(cells)} cell(s), {len(chosen)} scenario(s) x {len(seeds)} seed(s) in "
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
