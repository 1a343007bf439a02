"""`ofm scale run` and `ofm scale demo`: a flow's partitions as separate Prefect flow runs on several workers.

`ofm scale run <flow> <source> --partitions N` runs the fan-out (ofm/flows/scale_out.py) in this process against
PREFECT_API_URL: the partitions go to the `scale-out-partition` deployment, whichever workers serve its pool take
them (this machine or others), and the result names each partition's runs and any take-over. `ofm scale demo`
(`make scale-demo`) shows it on this machine with everything on PostgreSQL and two workers, then stops it all.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from ofm.cli.main import app, fail

scale_app = typer.Typer(help="Scale-out: a flow's partitions as separate Prefect flow runs on several workers.",
                        no_args_is_help=True)
app.add_typer(scale_app, name="scale")

WORKER_EVENT = "prefect.worker.submitted-flow-run"


@scale_app.command("run")
def scale_run(
    flow: Annotated[str, typer.Argument(help="supplier-onboarding, po-sync, bank-reconciliation or ledger-batch.")],
    source: Annotated[Path, typer.Argument(help="An export file (cut into --partitions batches) or a folder of "
                                                "statement files / deliveries (one partition each).")],
    partitions: Annotated[int, typer.Option(help="Batches an export is cut into.")] = 2,
    attempts: Annotated[int, typer.Option(help="Runs per partition at most (take-overs included).")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
) -> None:
    """Run FLOW over SOURCE as one Prefect flow run per partition on the work pool's workers (start them with
    `prefect worker start --pool local-pool`, on this machine or others), then sum their counts."""
    from ofm.cli.runner import use_prefect
    from ofm.flows.scale_out import PARTITIONED, fan_out
    from ofm.settings import get_settings

    if flow not in PARTITIONED:
        raise typer.BadParameter(f"one of {', '.join(PARTITIONED)}", param_hint="FLOW")
    use_prefect(get_settings().prefect_port)
    result = fan_out(target=flow, source=str(source.resolve()), partitions=partitions, attempts=attempts)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
    else:
        ran = workers_of(os.environ["PREFECT_API_URL"], [r for p in result["partitions"] for r in p["runs"]])
        for part in result["partitions"]:
            typer.echo(f"{part['partition']}: {part['state']}; runs " + ", ".join(
                f"{r[:8]} on {ran.get(r, '?')}" for r in part["runs"]))
        for t in result["takeovers"]:
            typer.echo(f"taken over: {t['partition']} {t['from'][:8]} -> {t['to'][:8]} ({t['why']})")
        typer.echo(f"counts: {result['counts']}")
    if result["failed"]:
        fail(f"{len(result['failed'])} partition(s) not done: {', '.join(result['failed'])}")


@scale_app.command("demo")
def scale_demo() -> None:
    """Two workers on this machine, Prefect and the store on PostgreSQL: a partitioned run with 1 and 2 workers,
    a worker killed mid-partition, the final counts read back from Odoo and the store; then everything stopped."""
    from ofm.cli.scale_demo import run_demo

    typer.secho("Scale-out demo (Prefect server and store on PostgreSQL, two process workers)", bold=True)
    try:
        figures = run_demo()
    except RuntimeError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    tally = figures["tally"]
    typer.echo("\n| records in | delivered | quarantined | duplicated | lost |\n|---:|---:|---:|---:|---:|")
    typer.echo(f"| {tally['in']} | {tally['delivered']} | {tally['quarantined']} | {tally['duplicated']} "
               f"| {tally['lost']} |")
    typer.echo(f"\n1 worker {figures['1 worker']:.1f} s, 2 workers {figures['2 workers']:.1f} s: ratio "
               f"{figures['1 worker'] / figures['2 workers']:.2f}; take-over (kill -> all complete) "
               f"{figures['takeover seconds']:.1f} s (detected, re-submitted after "
               f"{figures['detected seconds'] or 0:.1f} s); "
               f"partition flow runs submitted {len(figures['runs'])}; "
               f"the Prefect server holds {figures['prefect']['flow_runs']} flow runs and "
               f"{figures['prefect']['task_runs']} task runs")
    if tally["duplicated"] or tally["lost"]:
        raise typer.Exit(1)


def workers_of(api_url: str, flow_run_ids: Iterable[str]) -> dict[str, str]:
    """flow run id -> the name of the worker that submitted it, read back from the Prefect API's events."""
    import httpx

    wanted = {str(i) for i in flow_run_ids}
    found: dict[str, str] = {}
    body = {"filter": {"event": {"name": [WORKER_EVENT]}, "occurred": {"since": "2000-01-01T00:00:00Z"},
                       "order": "DESC"}, "limit": 50}
    answer = httpx.post(f"{api_url}/events/filter", json=body, timeout=30.0)
    answer.raise_for_status()
    page = answer.json()
    while True:
        for event in page.get("events", []):
            for related in event.get("related", []):
                run_id = related.get("prefect.resource.id", "").removeprefix("prefect.flow-run.")
                if run_id in wanted and related.get("prefect.resource.role") == "flow-run":
                    found.setdefault(run_id, event["resource"].get("prefect.resource.name", "?"))
        if wanted <= found.keys() or not page.get("next_page"):
            return found
        answer = httpx.get(page["next_page"], timeout=30.0)
        answer.raise_for_status()
        page = answer.json()


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, theirs, ...), from /proc: a worker's flow runs run in their own
    process group, so killing the worker's group leaves them running."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_worker(pid: int) -> list[int]:
    """SIGKILL a worker and every process it started (its flow runs): a machine lost mid-run. The pids killed."""
    victims = [pid, *descendants(pid)]
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    return victims


def supplier_tally(records: list[dict], partners: list[dict], quarantined_refs: Iterable[str]) -> dict[str, int]:
    """Records in / delivered / quarantined / duplicated / lost, read back: a record is delivered when Odoo holds
    a partner with its vendor code as `ref`, duplicated when it holds more than one, quarantined when the store's
    quarantine names it, lost when neither."""
    per_ref = Counter(p.get("ref") for p in partners if p.get("ref"))
    held = {ref.rpartition(":")[2] for ref in quarantined_refs}
    delivered = [r for r in records if per_ref[r["vendor_code"]] >= 1]
    return {"in": len(records), "delivered": len(delivered),
            "quarantined": sum(1 for r in records if r["id"] in held and not per_ref[r["vendor_code"]]),
            "duplicated": sum(1 for r in records if per_ref[r["vendor_code"]] > 1),
            "lost": sum(1 for r in records if not per_ref[r["vendor_code"]] and r["id"] not in held)}


def wait_for(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
