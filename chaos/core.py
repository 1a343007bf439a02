"""The shared vocabulary of the fault suite: scenarios, cells and how a cell is counted.

A cell's counts come from what the target shows afterwards (read back from Odoo or the sandbox, and from the store's
quarantine), never from what the middleware reports:

- `records_in`: distinct source records the scenario sent into the flow;
- `delivered`: of those, the ones Odoo holds at least one record for (found by their anchor);
- `quarantined`: of those not delivered, the ones waiting in quarantine with a reason;
- `duplicated`: Odoo records beyond the first per source record, plus Odoo records carrying an anchor nobody sent;
- `lost`: source records neither delivered nor quarantined.

`duplicated` and `lost` must be 0 in every cell.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import tempfile
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Cell:
    """One scenario run for one seed."""

    flow: str
    fault: str
    target: str
    seed: int
    records_in: int
    delivered: int
    quarantined: int
    duplicated: int
    lost: int
    seconds: float
    note: str = ""
    injected: tuple[tuple[str, int], ...] = ()  # what the fault really did (faults injected, runs killed), by kind
    held: int = 0  # delivered records also waiting in quarantine with a reason (a bill held in Odoo as a draft)

    @property
    def ok(self) -> bool:
        return self.duplicated == 0 and self.lost == 0


def tally(
    flow: str,
    fault: str,
    target: str,
    seed: int,
    *,
    received: Iterable[str],
    in_odoo: Mapping[str, int],
    quarantined: Iterable[str],
    seconds: float,
    note: str = "",
) -> Cell:
    """Count a cell from what was read back.

    `received`: the source keys sent into the flow; `in_odoo`: anchor (source key) -> number of Odoo records carrying
    it, read back from the target; `quarantined`: source keys with an open quarantine entry in the store.
    """
    sent = set(received)
    held = set(quarantined) & sent
    delivered = {key for key in sent if in_odoo.get(key, 0) >= 1}
    duplicated = sum(n - 1 for key, n in in_odoo.items() if key in sent and n > 1)
    duplicated += sum(n for key, n in in_odoo.items() if key not in sent and n > 0)
    lost = len(sent - delivered - held)
    return Cell(flow, fault, target, seed, len(sent), len(delivered), len(held - delivered), duplicated, lost,
                seconds, note)


@dataclass(frozen=True)
class Scenario:
    """One flow under one fault on one target; `run(seed, scratch_dir)` sets it up, runs it and counts the cell."""

    flow: str
    fault: str
    target: str  # "sandbox", "odoo19", ...
    run: Callable[[int, Path], Cell]
    needs: str = ""  # what it needs beyond the checkout: "", "real_odoo", "root", ...


MODULES = ("chaos.sandbox", "chaos.infra")


def scenarios() -> list[Scenario]:
    """Every scenario the suite knows: each module in MODULES exports a list `SCENARIOS`."""
    found: list[Scenario] = []
    for name in MODULES:
        found += importlib.import_module(name).SCENARIOS
    return found


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


def run_named(flow: str, fault: str, target: str, seed: int, root: str) -> Cell | str:
    """`run_one` in a worker process, the scenario found again by name (a scenario's `run` does not pickle)."""
    [s] = [s for s in scenarios() if (s.flow, s.fault, s.target) == (flow, fault, target)]
    return run_one(s, seed, Path(root))


def quiet() -> None:
    """The suite's process (or a worker of it): no telemetry, Prefect and the flows' logs at CRITICAL only."""
    for name, value in (("DO_NOT_TRACK", "1"), ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
                        ("PREFECT_LOGGING_LEVEL", "CRITICAL")):
        os.environ.setdefault(name, value)
    logging.getLogger("ofm").setLevel(logging.CRITICAL)  # every injected fault and killed run logs: the table says it
    if os.environ.get("TMPDIR"):
        tempfile.tempdir = os.environ["TMPDIR"]


HEAD = ("flow", "fault", "target", "seeds", "records in", "delivered", "quarantined", "duplicated", "lost")


def table(cells: Iterable[Cell]) -> str:
    """One markdown row per (flow, fault, target), summed over seeds."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for c in cells:
        row = rows.setdefault((c.flow, c.fault, c.target), [0] * 6)
        for i, n in enumerate((1, c.records_in, c.delivered, c.quarantined, c.duplicated, c.lost)):
            row[i] += n
    lines = ["| " + " | ".join(HEAD) + " |", "|---|---|---|" + "---:|" * 6]
    lines += [f"| {f} | {fault} | {t} | " + " | ".join(f"{n:,}" for n in counts) + " |"
              for (f, fault, t), counts in rows.items()]
    return "\n".join(lines)
