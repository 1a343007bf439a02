"""`python -m chaos`: the fault suite's scenarios over many seeds, one table, exit 1 on any duplicate or loss.

    python -m chaos [--seeds N] [--first-seed S] [--flow F ...] [--fault X ...] [--target sandbox|odoo19|all]
                    [--json PATH]

Each cell (scenario x seed) runs in a scratch folder of its own, removed afterwards. The flows run on a temporary
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


def run(chosen: list[Scenario], seeds: list[int], root: Path) -> tuple[list[Cell], list[str]]:
    cells, errors = [], []
    for s in chosen:
        started = time.perf_counter()
        bad = 0
        for seed in seeds:
            scratch = root / f"{s.flow}-{s.fault}-{s.target}-{seed}"
            scratch.mkdir(parents=True, exist_ok=True)
            try:
                cell = s.run(seed, scratch)
                cells.append(cell)
                bad += not cell.ok
            except Exception:  # noqa: BLE001 - a cell that cannot run is reported, the suite goes on
                errors.append(f"{s.flow}/{s.fault}/{s.target} seed {seed}: {traceback.format_exc(limit=3)}")
                bad += 1
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        say(f"{s.flow} / {s.fault} / {s.target}: {len(seeds)} seed(s) in {time.perf_counter() - started:.1f} s"
            + (f", {bad} bad" if bad else ""))
    return cells, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2, help="seeds per scenario (default 2)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first seed (default 1)")
    parser.add_argument("--flow", action="append", help="only this flow (repeatable)")
    parser.add_argument("--fault", action="append", help="only this fault (repeatable)")
    parser.add_argument("--target", default="all", choices=["sandbox", "odoo19", "all"])
    parser.add_argument("--json", type=Path, help="write every cell to this file as JSON")
    args = parser.parse_args(argv)
    for name, value in (("DO_NOT_TRACK", "1"), ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
                        ("PREFECT_LOGGING_LEVEL", "CRITICAL")):
        os.environ.setdefault(name, value)
    root = Path(tempfile.mkdtemp(prefix="ofm-chaos-"))
    os.environ.setdefault("PREFECT_HOME", str(root / "prefect-home"))
    logging.getLogger("ofm").setLevel(logging.CRITICAL)  # every injected fault and killed run logs: the table says it
    started = time.perf_counter()
    chosen = select(args)
    if not chosen:
        say("no scenario to run")
        return 1
    from prefect.testing.utilities import prefect_test_harness

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    try:
        with prefect_test_harness(server_startup_timeout=120):
            cells, errors = run(chosen, seeds, root)
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
