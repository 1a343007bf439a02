"""How every flow run ends in Prefect: its state, tags, log lines and project events, in one place.

A run that leaves records held or quarantined is not an ordinary green run: it ends in a `Completed`
state named "Completed with exceptions" (the caller still gets the flow's dict back). The run is
tagged `flow:<name>`, `source:<system>` and `company:<legal entity>` so the run list filters by them;
its Logs tab gets the counts and every hold (the flow-run logger `prefect.flow_runs.ofm` is kept at
INFO whatever PREFECT_LOGGING_LEVEL says, and writes to the API only, not the console); and it emits
`ofm.run.exceptions` plus one aggregated `ofm.record.quarantined` (counts per owner team and category)
for automations to match on. Outside a Prefect flow run, `finish` returns the result untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from ofm.tasks.shared.runinfo import RunInfo

EXCEPTIONS_STATE = "Completed with exceptions"
RUN_EXCEPTIONS = "ofm.run.exceptions"
RECORDS_QUARANTINED = "ofm.record.quarantined"
LOGGER = "prefect.flow_runs.ofm"


def run_logger() -> logging.LoggerAdapter:
    """The flow run's logger for the project's own lines: INFO reaches the run's Logs tab."""
    from prefect.logging.handlers import APILogHandler
    from prefect.logging.loggers import PrefectLogAdapter, get_run_logger

    base = logging.getLogger(LOGGER)
    if not base.handlers:  # once per process: API only (the CLI prints its own summary)
        base.setLevel(logging.INFO)
        base.addHandler(APILogHandler())
        base.propagate = False
    return PrefectLogAdapter(base, extra=dict(get_run_logger().extra))


def stamp() -> str:
    """The time in a run's name, to the second: two runs of a day are told apart in the run list."""
    from datetime import UTC, datetime

    return f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"


def tags_of(flow_name: str, sources: Iterable[str | None] = (), companies: Iterable[str | None] = ()) -> list[str]:
    """`flow:…`, `source:…` and `company:…` tags, each once, in that order."""
    tags = [f"flow:{flow_name}", *(f"source:{s}" for s in sources if s), *(f"company:{c}" for c in companies if c)]
    return list(dict.fromkeys(tags))


def exception_count(counts: dict[str, Any], keys: Sequence[str]) -> int:
    """The records of a run that wait for someone: the sum of the counts named by `keys`."""
    return sum(int(counts.get(k) or 0) for k in keys)


def finish(run: RunInfo, result: Any, exceptions: int | Sequence[str], *, counts: dict[str, Any] | None = None,
           sources: Iterable[str | None] = (), companies: Iterable[str | None] = (),
           warnings: Sequence[str] = ()) -> Any:
    """End a flow run: tag it, log its counts and holds, emit its events; its return value.

    `exceptions`: how many records wait (held, quarantined, unmatched…), or the keys of `counts` (default
    `result["counts"]`) that add up to it. Returns `result` (a dict gets `result["state"]`), or, when something waits, a
    `Completed` state named "Completed with exceptions" that carries `result` as its data: Prefect records
    that state and a caller of the flow receives `result` all the same.
    """
    from prefect.context import FlowRunContext
    from prefect.states import Completed

    if counts is None:
        counts = (result.get("counts") if isinstance(result, dict) else None) or {}
    held = exceptions if isinstance(exceptions, int) else exception_count(counts, exceptions)
    if isinstance(result, dict):
        result["state"] = EXCEPTIONS_STATE if held else "Completed"
    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        return result
    flow_run = ctx.flow_run
    tags = tags_of(run.flow_name, sources, companies)
    _tag(flow_run.id, [*flow_run.tags, *tags])
    by_owner = _held_in_run(str(flow_run.id))
    _log(run, counts, held, by_owner, warnings)
    if held or by_owner:
        _emit(run, flow_run, tags, counts, held, by_owner)
    return Completed(name=EXCEPTIONS_STATE, data=result,
                     message=f"{held} exception(s) wait for someone") if held else result


def _tag(flow_run_id, tags: list[str]) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.update_flow_run(flow_run_id, tags=list(dict.fromkeys(tags)))


def _held_in_run(flow_run_id: str) -> dict[tuple[str, str], int]:
    from ofm.tasks.shared.resources import resources

    try:
        return resources().store.held_in_run(flow_run_id)
    except Exception:  # the summary must not fail a run that did its work; the count is in the logs anyway
        logging.getLogger(__name__).warning("could not read the quarantine of run %s", flow_run_id)
        return {}


def _log(run: RunInfo, counts: dict[str, Any], held: int, by_owner: dict[tuple[str, str], int],
         warnings: Sequence[str]) -> None:
    log = run_logger()
    shown = ", ".join(f"{k} {v}" for k, v in counts.items() if v or k == "received") or "nothing counted"
    log.info("%s: %s", run.flow_name, shown)
    for warning in warnings:
        log.warning("%s", warning)
    for (owner, category), n in sorted(by_owner.items()):
        log.warning("held for %s: %d record(s) in quarantine, category %s", owner, n, category)
    if held:
        log.warning("%d exception(s) wait for someone: `ofm quarantine list`", held)


def _emit(run: RunInfo, flow_run, tags: list[str], counts: dict[str, Any], held: int,
          by_owner: dict[tuple[str, str], int]) -> None:
    from prefect.events import emit_event

    resource = {"prefect.resource.id": f"ofm.flow-run.{flow_run.id}", "prefect.resource.name": flow_run.name,
                "ofm.flow": run.flow_name}
    related = [{"prefect.resource.id": f"prefect.flow-run.{flow_run.id}", "prefect.resource.role": "flow-run",
                "prefect.resource.name": flow_run.name},
               {"prefect.resource.id": f"prefect.flow.{flow_run.flow_id}", "prefect.resource.role": "flow",
                "prefect.resource.name": run.flow_name},
               *({"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"} for tag in tags)]
    if by_owner:
        teams = sorted({owner for owner, _ in by_owner})
        emit_event(event=RECORDS_QUARANTINED, resource=resource,
                   related=[*related, *({"prefect.resource.id": f"ofm.team.{t}", "prefect.resource.role": "owner-team"}
                                        for t in teams)],
                   payload={"flow": run.flow_name, "actor": run.actor, "total": sum(by_owner.values()),
                            "by_owner": [{"owner_team": o, "category": c, "count": n}
                                         for (o, c), n in sorted(by_owner.items())]})
    if held:
        emit_event(event=RUN_EXCEPTIONS, resource=resource, related=related,
                   payload={"flow": run.flow_name, "actor": run.actor, "exceptions": held,
                            "counts": {k: v for k, v in counts.items() if isinstance(v, int | float)}})
