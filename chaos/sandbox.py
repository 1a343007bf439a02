"""Every flow that writes to Odoo under the faults the Odoo sandbox can inject, and under a killed or doubled run.

Faults (each drawn from the cell's seed, so a cell is reproducible):
- `commit-then-drop`: 30 % of the writes Odoo committed lose their answer (the connection drops);
- `429-storm`: every few requests a burst of three 429s with `Retry-After`;
- `5xx-20pct`: about 20 % of requests answered 503 or 502 by the proxy, or applied and answered too late (the
  client's read timeout);
- `killed`: the process dies right after the Nth Odoo write committed (N drawn from the seed), before the answer
  is recorded; then the run is started again, as an operator would;
- `overlap`: two runs of the flow on the same input at once (threads, each with its own store connection and Odoo
  client, the worst overlap forced: both have read Odoo and decided before either writes).

A run that fails under a fault is run again once the fault is gone (the outage over, the operator re-runs it).
The cell is then counted from what Odoo (the sandbox) holds under each record's anchor and from the store's open
quarantine (`chaos.core.tally`); `Cell.injected` says what really happened (faults injected, runs killed), so a
cell cannot pass without its fault.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from chaos.core import Cell, Scenario, tally
from chaos.flows import FLOWS, Case, FlowSpec, base_sandbox
from chaos.world import Crash, World, at_once, world
from ofm.connectors.odoo import READ_ONLY_METHODS
from ofm.sandbox.odoo import Faults, SandboxTransport

TARGET = "sandbox"
KILL_WITHIN = 4  # the Nth write after which the process dies: N in 1..KILL_WITHIN (every flow writes more)


def _with_fault(faults: Callable[[int], Faults]) -> Callable[[World, Case, int], dict[str, int]]:
    """A fault the sandbox injects: the run under it, then a clean re-run if it failed."""
    def play(w: World, case: Case, seed: int) -> dict[str, int]:
        w.sandbox.faults = faults(seed)
        try:
            case.run()
            failed = 0
        except Exception:  # noqa: BLE001 - a run the fault made fail is re-run, as an operator would
            failed = 1
        injected = dict(w.sandbox.injected)
        w.sandbox.faults = Faults()
        if failed:
            case.run()
        return {**injected, "failed runs": failed, "requests": w.sandbox.requests}

    return play


def _killed(w: World, case: Case, seed: int) -> dict[str, int]:
    """The process dies right after its Nth write committed in Odoo; then the operator starts it again."""
    nth = random.Random(seed).randint(1, KILL_WITHIN)
    inner, writes = SandboxTransport(w.sandbox), Counter[str]()

    class DiesAfterCommit(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = inner.handle_request(request)
            if response.status_code == 200 and request.url.path.rsplit("/", 1)[-1] not in READ_ONLY_METHODS:
                writes["n"] += 1
                if writes["n"] == nth:
                    raise Crash(f"killed after Odoo write {nth} committed")
            return response

    transport = w.odoo._http._transport
    w.odoo._http._transport = DiesAfterCommit()
    killed = 0
    try:
        case.run()
    except Crash:
        killed = 1
    finally:
        w.odoo._http._transport = transport
    case.run()
    return {"killed": killed, "kill after write": nth}


def _overlap(w: World, case: Case, _seed: int) -> dict[str, int]:
    """Two runs of the flow on the same input at once; a run that failed is started again afterwards."""
    def share(_i: int, res: Any) -> None:
        res.procurement_factory = w.resources.procurement_factory

    results = at_once(2, w.settings, w.sandbox, lambda _i: case.run(), prepare=share)
    failed = sum(1 for r in results if isinstance(r, BaseException))
    if failed:
        case.run()
    return {"runs at once": 2, "failed runs": failed}


FAULTS: dict[str, Callable[[World, Case, int], dict[str, int]]] = {
    "commit-then-drop": _with_fault(lambda seed: Faults(drop_after_commit_rate=0.3, seed=seed)),
    "429-storm": _with_fault(lambda seed: Faults(rate_limit_every=4 + seed % 4, rate_limit_burst=3, seed=seed)),
    "5xx-20pct": _with_fault(lambda seed: Faults(transient_error_rate=0.08, bad_gateway_rate=0.07, timeout_rate=0.06,
                                                 seed=seed)),
    "killed": _killed,
    "overlap": _overlap,
}
# what proves each fault happened (a key of Cell.injected that must be > 0)
EVIDENCE = {"commit-then-drop": ("drop",), "429-storm": ("429",), "5xx-20pct": ("502", "503", "timeout"),
            "killed": ("killed",), "overlap": ("runs at once",)}


_NO_HEARTBEATS: list[Any] = []  # (the settings in force, the same without heartbeats), the last pair made


@contextmanager
def no_heartbeats() -> Iterator[None]:
    """The current Prefect settings without flow-run heartbeats: they tell the server a run is still alive (for
    crash detection, which no cell relies on) and joining their thread cost about 1 s per flow run."""
    from prefect.context import SettingsContext, get_settings_context
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY

    context = get_settings_context()
    if not _NO_HEARTBEATS or _NO_HEARTBEATS[0] is not context.settings:  # copying settings costs ~0.3 s: once
        _NO_HEARTBEATS[:] = [context.settings, context.settings.copy_with_update(
            updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})]
    with SettingsContext(profile=context.profile, settings=_NO_HEARTBEATS[1]):
        yield


def run_cell(spec: FlowSpec, fault: str, seed: int, scratch: Path, database_url: str | None = None) -> Cell:
    """One flow under one fault for one seed, in its own world under `scratch`, counted from what Odoo holds."""
    started = time.perf_counter()
    scratch.mkdir(parents=True, exist_ok=True)
    sandbox = base_sandbox(spec.base, spec.company_iban)
    settings = spec.settings(scratch) if spec.settings else {}
    with no_heartbeats(), world(scratch, suppliers=spec.suppliers, database_url=database_url, sandbox=sandbox,
                                batch_size=5, **settings) as w:
        case = spec.prepare(w, scratch)
        injected = FAULTS[fault](w, case, seed)
        in_odoo = case.readback()
        quarantined = [k for q in w.store.list_quarantine(limit=100_000) if (k := case.key(q.record_ref))]
        w.store.close()
    cell = tally(spec.name, fault, TARGET, seed, received=case.received, in_odoo=in_odoo, quarantined=quarantined,
                 seconds=time.perf_counter() - started,
                 note=", ".join(f"{k} {v}" for k, v in sorted(injected.items()) if v))
    held = len({k for k in quarantined if in_odoo.get(k, 0)} & set(case.received))
    return replace(cell, injected=tuple(sorted(injected.items())), held=held)


def scenario(flow: str, fault: str) -> Scenario:
    spec = FLOWS[flow]
    return Scenario(flow, fault, TARGET, lambda seed, scratch: run_cell(spec, fault, seed, scratch))


SCENARIOS = [scenario(flow, fault) for flow in FLOWS for fault in FAULTS]
