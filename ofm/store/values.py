"""What goes into the store and what comes back: frozen, plain objects, usable after the session closed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

QUARANTINE_STATUSES = ("open", "replayed", "resolved", "discarded")
OUTBOX_STATES = ("pending", "sent", "done", "failed")
KNOWN_CATEGORIES = ("business", "technical", "approval")  # later flows add more (e.g. "match")
_CATEGORY = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def _require(value: str | None, name: str) -> None:
    if not value or not value.strip():
        raise ValueError(f"{name} must not be empty")


# ---- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    """A raw record as received from a source, before anything interprets it."""

    source: str
    object_type: str
    external_id: str
    revision: int | None
    payload: dict[str, Any]
    correlation_id: str | None = None
    flow_run_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("source", "object_type", "external_id"):
            _require(getattr(self, name), name)


@dataclass(frozen=True)
class AuditEntry:
    """One step of one record (or of the run, record_ref=None) for the hash-linked audit chain."""

    correlation_id: str | None
    flow_run_id: str | None
    actor: str
    step: str
    record_ref: str | None
    summary: dict[str, Any]

    def __post_init__(self) -> None:
        _require(self.actor, "actor")
        _require(self.step, "step")


@dataclass(frozen=True)
class QuarantineEntry:
    """A record held or rejected, with the reason, the failing field and the team that owns the fix."""

    record_ref: str
    source: str
    object_type: str
    category: str
    reason: str
    field: str | None
    owner_team: str
    payload: dict[str, Any]
    correlation_id: str | None = None
    flow_run_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("record_ref", "source", "object_type", "reason", "owner_team"):
            _require(getattr(self, name), name)
        if not _CATEGORY.fullmatch(self.category or ""):
            raise ValueError(f"quarantine category {self.category!r} is not a lowercase word "
                             f"(known: {', '.join(KNOWN_CATEGORIES)})")


@dataclass(frozen=True)
class OutboxIntent:
    """The intent to write one record to Odoo, keyed so that it happens at most once."""

    idempotency_key: str
    object_type: str
    record_ref: str
    target_model: str
    operation: str
    payload_hash: str
    correlation_id: str | None = None
    flow_run_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("idempotency_key", "target_model", "operation"):
            _require(getattr(self, name), name)


# ---- output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    """A stored inbox record; `duplicate` is True when the identical payload was already there."""

    id: int
    source: str
    object_type: str
    external_id: str
    revision: int | None
    sha256: str
    received_at: datetime
    correlation_id: str | None
    flow_run_id: str | None
    duplicate: bool


@dataclass(frozen=True)
class OutboxRow:
    """The state of one idempotency key."""

    id: int
    idempotency_key: str
    object_type: str
    record_ref: str
    target_model: str
    operation: str
    payload_hash: str
    state: str
    attempts: int
    odoo_id: int | None
    last_error: str | None
    correlation_id: str | None
    flow_run_id: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    done_at: datetime | None
    owner: str | None = None
    lease_until: datetime | None = None

    def held_by(self, owner: str) -> bool:
        """Not done yet and owned by `owner`: that run, and only that run, may send it."""
        return self.state != "done" and self.owner == owner


@dataclass(frozen=True)
class QuarantineRow:
    """A quarantine entry and, once closed, who decided what and why."""

    id: int
    record_ref: str
    source: str
    object_type: str
    category: str
    status: str
    owner_team: str
    field: str | None
    reason: str
    payload: dict[str, Any]
    payload_hash: str
    correlation_id: str | None
    flow_run_id: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True)
class AuditRow:
    """One link of the audit chain."""

    id: int
    at: datetime
    flow_run_id: str | None
    actor: str
    step: str
    record_ref: str | None
    correlation_id: str | None
    summary: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditVerdict:
    """The result of walking the chain: ok, or the first row that does not hold."""

    ok: bool
    rows_checked: int
    first_bad_id: int | None = None
    reason: str | None = None
