"""A run's side of outbox ownership: claim intents as this run, and sort what came back.

Every key a run claims comes back in one of four situations: this run holds it (send it), another
live run holds it (leave it: `in progress elsewhere`; that run writes and acknowledges it), it is
done, either before this run started or by a concurrent run since (then Odoo has it even if this
run's earlier read did not show it), or taken over from a dead or expired owner while `sent` (the
flow settles it by anchor lookup before sending again, as after a crash).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

if TYPE_CHECKING:
    from ofm.store import OutboxIntent, OutboxRow

ELSEWHERE = "in progress elsewhere"


def claim(intents: Sequence[OutboxIntent], run: RunInfo, redo_done: bool = False) -> dict[str, OutboxRow]:
    """Claim the intents for this run; every key's row as it now stands.

    `redo_done`: an idempotent write (same values again) may be sent again when its key was done before
    this run started (someone changed Odoo since); never one done by a concurrent run.
    """
    rows = resources().store.claim(intents, run.owner, redo_done_before=run.started_at if redo_done else None)
    return {row.idempotency_key: row for row in rows}


def mine(row: OutboxRow, run: RunInfo) -> bool:
    """This run holds the key: it, and only it, sends it."""
    return row.held_by(run.owner)


def elsewhere(row: OutboxRow, run: RunInfo) -> bool:
    """Another live run holds the key: leave it to that run."""
    return row.state != "done" and row.owner != run.owner


def done_meanwhile(row: OutboxRow, run: RunInfo) -> bool:
    """Done by a run that overlapped this one (after this run started): this run's read was just earlier."""
    return row.state == "done" and row.done_at is not None and row.done_at >= run.started_at


def elsewhere_reason(row: OutboxRow) -> str:
    """Why a record was left alone, naming the run that owns it."""
    return f"{ELSEWHERE}: owned by run {row.owner} until {row.lease_until:%Y-%m-%d %H:%M:%S} UTC, " \
           "which writes and acknowledges it" if row.lease_until else f"{ELSEWHERE}: owned by run {row.owner}"


def mark_sent(keys: Sequence[str], run: RunInfo) -> None:
    """About to call Odoo for these keys; NotOwnerError (nothing marked) when this run lost any of them."""
    resources().store.mark_sent(keys, run.owner)
