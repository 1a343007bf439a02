"""Scale-out on Prefect's own workers: a flow's work in partitions, each a separate flow run on the work pool.

`fan_out` lists the partitions of a source (ofm/tasks/shared/partitions.py), submits one run of the
`partition/scale-out-partition` deployment per partition (`run_deployment(..., timeout=0)`), so whichever worker
of the pool is free takes it, on this machine or another, then waits and sums their outcomes. `partition` runs
the flow on one partition, holding the store's run lock `partition:<flow>:<name>` while it does.

Exactly once rests on the store and Odoo, not on Prefect: every record's Odoo write is an outbox key owned by
one run, and a key taken over from a dead run is settled by its Odoo anchor before anything is sent again
(ofm/tasks/shared/ownership.py). The partition lock adds what the parent needs: the same partition submitted
twice at once runs once (the second run sees the lock held by a live run and leaves it), and a partition whose
run died with its worker is seen dead in the store (its process gone on this host, or its lease over: the lock
is renewed every third of OFM_OUTBOX_LEASE_SECONDS while the run lives) although Prefect still shows it
Running; the parent then marks that flow run Crashed and submits the partition again, and another worker takes
it over.

Two flows need more than a lock per partition. Bank statement files of one account run one after the other in
name order (`chains`), as the folder flow runs them: each is checked for continuity against the account's previous
statement. Ledger deliveries of one company and period post one run at a time (the ledger's own run lock): a
partition refused by the run posting its period waits and runs the flow again, so no delivery is reported done
unposted (`_run_until_accepted`).
"""

from __future__ import annotations

import importlib
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from ofm.store.owners import is_dead
from ofm.tasks.shared.partitions import list_partitions
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import current_run, running
from ofm.tasks.shared.runstate import finish, stamp

PARTITION_DEPLOYMENT = "partition/scale-out-partition"
# flow -> (module, flow function, the parameter a partition's file goes in)
PARTITIONED: dict[str, tuple[str, str, str]] = {
    "supplier-onboarding": ("ofm.flows.supplier_onboarding", "supplier_onboarding", "source"),
    "po-sync": ("ofm.flows.po_sync", "po_sync", "source"),
    "bank-reconciliation": ("ofm.flows.bank_reconciliation", "bank_reconciliation", "file"),
    "ledger-batch": ("ofm.flows.ledger_batch", "ledger_batch", "source"),
}
TAKEN = "taken_by"  # a partition run's result when a live run held the partition already
DONE = "done"
# a flow result's list of work another live run's lock refused (ledger batches: one run per company and period, so
# two deliveries of one period running as two partitions at once meet there): the partition runs the flow again
REFUSED = "refused_runs"
RERUNS = "runs refused, run again"


def lock_name(target: str, path: str | Path) -> str:
    return f"partition:{target}:{Path(path).name}"


def _partition_run_name() -> str:
    params = flow_run.parameters
    return f"part-{params.get('target')}-{Path(str(params.get('path'))).name}-{stamp()}"


@flow(name="partition", flow_run_name=_partition_run_name, log_prints=False)
def partition(target: str, path: str, actor: str = "scale-out") -> dict:
    """Run flow `target` on one partition (`path`: a statement file, a delivery, a batch of an export), unless a
    live run holds it already. Its counts are kept in the store under this flow run's id."""
    if target not in PARTITIONED:
        raise ValueError(f"{target!r} cannot be partitioned (one of: {', '.join(PARTITIONED)})")
    module, function, parameter = PARTITIONED[target]
    store = resources().store
    name = lock_name(target, path)
    with running("partition", actor) as run:
        held = store.acquire_lock(name, run.owner)
        if held.owner != run.owner:
            return finish(run, {"partition": name, TAKEN: held.owner, "counts": {}}, 0)
        stop = threading.Event()
        renewer = threading.Thread(target=_renew, args=(store, name, run.owner, stop), daemon=True)
        renewer.start()
        try:
            result, refused = _run_until_accepted(getattr(importlib.import_module(module), function),
                                                  {parameter: path, "actor": actor}, store.lease_seconds)
        finally:
            stop.set()
            renewer.join()
            store.release_lock(name, run.owner)
        counts = {k: v for k, v in (result.get("counts") or {}).items() if isinstance(v, int | float)}
        if refused:
            counts[RERUNS] = refused
        store.record_metrics(run.run_id, "partition", counts)
        return finish(run, {"partition": name, "flow_run_id": run.flow_run_id, "counts": counts,
                            "child_flow_run_id": result.get("flow_run_id")}, 0, counts=counts)


def _run_until_accepted(flow_fn, params: dict, lease_seconds: float) -> tuple[dict, int]:
    """Run the flow on the partition, and again while another live run's lock refused part of it (REFUSED in its
    result: nothing of that part was written, it is the holder's to finish, not this delivery's): the last run's
    result, which covers the whole partition (what an earlier run wrote counts as already there), and how many
    runs were refused. Waits at most two leases (a live holder renews its lease; a dead one's lock is taken over
    once its process is gone or its lease ended), then fails the partition run: the fan-out submits it again."""
    deadline, pause, refused = time.monotonic() + 2 * lease_seconds, 1.0, 0
    while True:
        result = flow_fn(**params)
        if not (isinstance(result, dict) and result.get(REFUSED)):
            return result, refused
        refused += 1
        if time.monotonic() + pause > deadline:
            raise RuntimeError(f"{next(iter(params.values()))}: still refused after {refused} run(s): "
                               f"{result[REFUSED][0]}")
        time.sleep(pause)
        pause = min(2 * pause, 10.0)


def _renew(store, name: str, owner: str, stop: threading.Event) -> None:
    """Keep the partition's lease while the run lives: a run on another host takes it only once this stops."""
    while not stop.wait(store.lease_seconds / 3):
        try:
            store.acquire_lock(name, owner)
        except Exception:  # the store is away a moment: the lease is long enough to try again
            continue


def _fan_out_run_name() -> str:
    return f"fan-out-{flow_run.parameters.get('target')}-{stamp()}"


@flow(name="fan-out", flow_run_name=_fan_out_run_name, log_prints=False)
def fan_out(target: str, source: str, partitions: int = 2, attempts: int = 3, actor: str = "scale-out",
            deployment: str = PARTITION_DEPLOYMENT, poll_seconds: float = 1.0) -> dict:
    """Run flow `target` over `source` as one flow run of `deployment` per partition (`partitions`: how many
    batches an export is cut into; a folder gives one per file), then sum their counts. A partition whose run
    failed, crashed, or died with its worker (seen in the store) is submitted again, up to `attempts` runs."""
    from prefect.client.orchestration import get_client

    run = current_run("fan-out", actor)
    store = resources().store
    paths = [str(p) for p in list_partitions(target, source, partitions)]
    parts = {p: {"partition": lock_name(target, p), "runs": [], "state": "waiting"} for p in paths}
    takeovers: list[dict[str, Any]] = []
    after: dict[str, str] = {}  # a partition -> the one submitted once it has ended (files of one bank account)
    for chain in chains(target, paths):
        after.update(zip(chain, chain[1:], strict=False))
        parts[chain[0]].update(state="submitted", runs=[submit(deployment, target, chain[0], actor)])
    with get_client(sync_client=True) as client:
        while open_ := [p for p in paths if parts[p]["state"] == "submitted"]:
            time.sleep(poll_seconds)
            states = _states(client, [parts[p]["runs"][-1] for p in open_])
            for p in open_:
                part, run_id = parts[p], parts[p]["runs"][-1]
                why = _needs_again(store, part["partition"], run_id, states.get(run_id))
                if why == DONE:
                    part.update(state="done", counts=store.metrics(run_id))
                elif why:
                    if why.startswith("died"):
                        _mark_crashed(client, run_id, why)
                    if len(part["runs"]) >= attempts:
                        part.update(state="failed", why=why)
                if part["state"] != "submitted":
                    if (following := after.get(p)) is not None:
                        parts[following].update(state="submitted",
                                                runs=[submit(deployment, target, following, actor)])
                    continue
                if why:
                    part["runs"].append(submit(deployment, target, p, actor))
                    takeovers.append({"partition": part["partition"], "from": run_id, "to": part["runs"][-1],
                                      "why": why, "at": datetime.now(UTC).isoformat()})
    counts: dict[str, float] = {}
    for part in parts.values():
        for k, v in (part.get("counts") or {}).items():
            counts[k] = counts.get(k, 0) + v
    failed = [p["partition"] for p in parts.values() if p["state"] != "done"]
    result = {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "target": target,
              "partitions": list(parts.values()), "takeovers": takeovers, "failed": failed,
              "counts": {k: int(v) for k, v in counts.items()}}
    return finish(run, result, len(failed), counts={"partitions": len(paths), "taken over": len(takeovers),
                                                    "failed": len(failed)})


def chains(target: str, paths: list[str]) -> list[list[str]]:
    """The partitions in chains run one after the other, each chain beside the others: every partition its own
    chain, except bank statement files of one account (or set of accounts), which run in name order as the folder
    flow runs them: a statement is checked for continuity against the account's previous one, so two days of one
    account at once would hold one of them. A file that cannot be parsed here is a chain of its own (its partition
    run holds it and says why)."""
    if target != "bank-reconciliation":
        return [[p] for p in paths]
    from ofm.connectors.bank import parse_bytes

    by_accounts: dict[Any, list[str]] = {}
    for p in paths:
        try:
            key: Any = tuple(sorted({"".join(str(s.account).split()).upper()
                                     for s in parse_bytes(Path(p).read_bytes(), Path(p).name)}))
        except Exception:  # unreadable, or a CSV that needs its mapping: the partition run says why
            key = p
        by_accounts.setdefault(key or p, []).append(p)
    return list(by_accounts.values())


def submit(deployment: str, target: str, path: str, actor: str) -> str:
    """One flow run of the partition deployment, returned at once (a worker of the pool picks it up)."""
    from prefect.deployments import run_deployment

    run = run_deployment(deployment, parameters={"target": target, "path": path, "actor": actor}, timeout=0,
                         tags=[f"flow:{target}", "scale-out"])
    return str(run.id)


def _states(client, run_ids: list[str]) -> dict[str, Any]:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=run_ids)), limit=len(run_ids))
    return {str(r.id): r.state for r in runs}


def _needs_again(store, name: str, run_id: str, state) -> str | None:
    """DONE, why the partition must be submitted again, or None (still going, or left to a live run)."""
    if state is None:
        return None
    if state.is_completed():
        if store.metrics(run_id):
            return DONE
        holder = store.lock_holder(name)  # the run found the partition held: wait until that run has ended
        ended = holder is None or is_dead(holder.owner) or _expired(holder)
        return f"left to {holder.owner if holder else 'another run'}, which has ended: confirm" if ended else None
    if state.is_final():
        return f"{state.type.value.lower()}: {state.message or state.name}"
    holder = store.lock_holder(name) if state.is_running() else None
    if holder is not None and holder.owner.startswith(f"{run_id}@") and (is_dead(holder.owner) or _expired(holder)):
        return f"died: its process {holder.owner.partition('@')[2]} is gone or its lease ended"
    return None


def _expired(holder) -> bool:
    return holder.lease_until.replace(tzinfo=UTC) < datetime.now(UTC)


def _mark_crashed(client, run_id: str, why: str) -> None:
    """What Prefect cannot know without the worker: the run is gone (so the UI and automations see it)."""
    from prefect.states import Crashed

    client.set_flow_run_state(run_id, Crashed(message=f"taken over by the fan-out: {why}"), force=True)
