"""Prefect artifacts of a run, hung on the flow run whichever task publishes them, and readable when empty.

Prefect attaches an artifact made inside a task to that task run as well; the UI then lists it under the
task, two clicks from the run. Every artifact here is created with the flow run's id only, so it is in the
run's Artifacts tab. An exceptions table with no rows reads "no exceptions" in its first column (an empty
table would show a blank row); a load with nothing to write shows its progress complete, saying so.
Outside a flow run (a plain call in a test) nothing is published.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

NO_EXCEPTIONS = "no exceptions"
NOTHING_TO_WRITE = "nothing to write"
REASON_CHARS = 300  # a reason in a table cell: long enough to read, short enough for a row


def _flow_run_id() -> UUID | None:
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return ctx.flow_run.id if ctx and ctx.flow_run else None


def _create(kind: str, key: str, data: Any, description: str) -> UUID | None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate

    flow_run_id = _flow_run_id()
    if flow_run_id is None:
        return None
    with get_client(sync_client=True) as client:
        made = client.create_artifact(ArtifactCreate(type=kind, key=key, description=description, data=data,
                                                     flow_run_id=flow_run_id, task_run_id=None))
    return made.id


def reason_text(reasons: Sequence[str] | str) -> str:
    """Reasons joined for a table cell, cut (with an ellipsis) only past REASON_CHARS."""
    text = reasons if isinstance(reasons, str) else "; ".join(reasons)
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 1] + "…"


def publish_markdown(key: str, markdown: str, description: str) -> UUID | None:
    """A markdown artifact on the flow run."""
    return _create("markdown", key, markdown, description)


def publish_table(key: str, rows: list[dict[str, Any]], columns: Sequence[str], description: str) -> UUID | None:
    """A table artifact on the flow run; no rows: one row whose first column says "no exceptions"."""
    table = rows or [{c: (NO_EXCEPTIONS if i == 0 else "") for i, c in enumerate(columns)}]
    return _create("table", key, json.dumps(table, default=str), description)


class Progress:
    """A progress artifact on the flow run, advanced as work lands; nothing to do reads 100 % "nothing to write"."""

    def __init__(self, key: str, total: int, description: str) -> None:
        self.total, self.done, self.description = total, 0, description
        nothing = total == 0
        self.id = _create("progress", key, 100.0 if nothing else 0.0,
                          f"{description}: {NOTHING_TO_WRITE}" if nothing else description)

    def advance(self, n: int) -> None:
        from prefect.artifacts import update_progress_artifact

        self.done += n
        if self.id is not None and self.total:
            update_progress_artifact(self.id, progress=round(100.0 * min(self.done, self.total) / self.total, 1))
