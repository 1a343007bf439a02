"""Who and what a run is: its id, its actor, and the correlation ids of its records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RunInfo:
    """Identity of one flow run, carried into every inbox, outbox, quarantine and audit row."""

    run_id: str
    flow_run_id: str | None
    flow_name: str
    actor: str

    def correlation_id(self, record_ref: str) -> str:
        """One id per record per run: every audit row of that record in this run shares it."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ofm:{self.run_id}:{record_ref}"))


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
