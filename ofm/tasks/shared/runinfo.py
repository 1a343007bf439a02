"""Who and what a run is: its id, its actor, the correlation ids of its records, and what it owns.

A run owns the outbox keys it claimed (`owner`) while it is live: `running` registers it in this
process for the duration of the flow and, when the flow ends, frees the keys it did not finish.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ofm.store import owners


@dataclass(frozen=True)
class RunInfo:
    """Identity of one flow run, carried into every inbox, outbox, quarantine and audit row."""

    run_id: str
    flow_run_id: str | None
    flow_name: str
    actor: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def correlation_id(self, record_ref: str) -> str:
        """One id per record per run: every audit row of that record in this run shares it."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ofm:{self.run_id}:{record_ref}"))

    @property
    def owner(self) -> str:
        """This run as the owner of outbox keys: `<run id>@<host>/<pid>`."""
        return owners.owner_of(self.run_id)


def current_run(flow_name: str, actor: str) -> RunInfo:
    """RunInfo of the Prefect flow run in progress (or of a plain call, outside Prefect)."""
    try:
        from prefect.runtime import flow_run

        flow_run_id = flow_run.id
    except Exception:  # outside a flow run there is no id to record
        flow_run_id = None
    flow_run_id = str(flow_run_id) if flow_run_id else None
    return RunInfo(run_id=flow_run_id or str(uuid.uuid4()), flow_run_id=flow_run_id,
                   flow_name=flow_name, actor=actor)


@contextmanager
def running(flow_name: str, actor: str, skip_rights: Iterable[tuple[str, str]] = ()) -> Iterator[RunInfo]:
    """The run, live for the block: its outbox keys are not taken over by another run meanwhile.

    First, before the run reads or writes anything, the preflight: the integration user's rights on every
    model and operation its flow's row of the usage table lists (`skip_rights`: those this run will not use),
    asked of Odoo; one missing raises OdooRightsMissing naming flow, model, operation and the groups granting it.

    At the end (normal, or an ordinary exception) its keys not done are released for the next run.
    A process that dies releases nothing: a run on the same host takes its keys over once the pid is
    gone (in this process: once the run is no longer registered), a run elsewhere once the lease ends.
    """
    from ofm.tasks.shared.resources import resources

    run = current_run(flow_name, actor)
    preflight(flow_name, skip_rights)
    owners.register(run.run_id)
    try:
        yield run
    except Exception:
        _release(resources().store, run)
        raise
    else:
        _release(resources().store, run)
    finally:
        owners.unregister(run.run_id)


def preflight(flow_name: str, skip_rights: Iterable[tuple[str, str]] = ()) -> None:
    """Fail fast when the integration user lacks a right the flow needs (a flow the table has no row for passes;
    a run chaining flows, procure-to-pay, checks all of theirs).

    Costs one call per distinct right of the flow the first time in a process, none once seen granted."""
    from ofm.connectors.odoo.access import require
    from ofm.connectors.odoo.usage import load_usage
    from ofm.tasks.shared.resources import resources

    usage = load_usage()
    if flow_name in usage.names():
        require(resources().odoo, flow_name, usage, skip_rights)


def _release(store, run: RunInfo) -> None:
    try:
        store.release(run.owner)
    except Exception:  # the store is down: the keys stay ours until the lease ends, nothing is lost
        import logging

        logging.getLogger(__name__).warning("could not release the outbox keys of run %s", run.run_id)
