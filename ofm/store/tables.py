"""The store's tables as SQLModel models (the Alembic migrations create exactly these).

No `from __future__ import annotations` here: SQLModel reads the annotations at class creation.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# BIGINT on PostgreSQL; SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.types.TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _id() -> Any:
    return Field(default=None, sa_column=sa.Column("id", BigId, primary_key=True, autoincrement=True))


def _col(type_: Any, nullable: bool = True, **kw: Any) -> Any:
    return Field(default=None, sa_column=sa.Column(type_, nullable=nullable, **kw))


class InboxRecord(SQLModel, table=True):
    """Raw payloads as received; one row per distinct content of a source record."""

    __tablename__ = "inbox"
    __table_args__ = (sa.UniqueConstraint("source", "object_type", "external_id", "sha256", name="uq_inbox_content"),)

    id: int | None = _id()
    source: str = _col(sa.String(), nullable=False)
    object_type: str = _col(sa.String(), nullable=False)
    external_id: str = _col(sa.String(), nullable=False)
    revision: int | None = _col(sa.BigInteger())
    sha256: str = _col(sa.String(64), nullable=False)
    payload: dict = _col(sa.JSON(), nullable=False)
    received_at: datetime = _col(UTCDateTime(), nullable=False)
    correlation_id: str | None = _col(sa.String())
    flow_run_id: str | None = _col(sa.String())


class OutboxRecord(SQLModel, table=True):
    """Write intents to Odoo; the unique idempotency key is what makes a write happen once."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_owner", "owner"),)

    id: int | None = _id()
    idempotency_key: str = _col(sa.String(), nullable=False, unique=True, index=True)
    object_type: str = _col(sa.String(), nullable=False)
    record_ref: str = _col(sa.String(), nullable=False, index=True)
    target_model: str = _col(sa.String(), nullable=False)
    operation: str = _col(sa.String(), nullable=False)
    payload_hash: str = _col(sa.String(), nullable=False)
    state: str = _col(sa.String(), nullable=False)
    attempts: int = _col(sa.Integer(), nullable=False)
    odoo_id: int | None = _col(sa.BigInteger())
    last_error: str | None = _col(sa.Text())
    correlation_id: str | None = _col(sa.String())
    flow_run_id: str | None = _col(sa.String())
    created_at: datetime = _col(UTCDateTime(), nullable=False)
    updated_at: datetime = _col(UTCDateTime(), nullable=False)
    sent_at: datetime | None = _col(UTCDateTime())
    done_at: datetime | None = _col(UTCDateTime())
    owner: str | None = _col(sa.String())  # `<run id>@<host>/<pid>`: the one run that may send this key
    lease_until: datetime | None = _col(UTCDateTime())  # after this, another run may take the key over


class QuarantineRecord(SQLModel, table=True):
    """Records held or rejected, waiting for a person: open until replayed, resolved or discarded."""

    __tablename__ = "quarantine"
    __table_args__ = (sa.Index("ix_quarantine_record_status", "record_ref", "status"),
                      sa.Index("ix_quarantine_status", "status"))

    id: int | None = _id()
    record_ref: str = _col(sa.String(), nullable=False)
    source: str = _col(sa.String(), nullable=False)
    object_type: str = _col(sa.String(), nullable=False)
    category: str = _col(sa.String(), nullable=False)
    status: str = _col(sa.String(), nullable=False)
    owner_team: str = _col(sa.String(), nullable=False)
    field: str | None = _col(sa.Text())
    reason: str = _col(sa.Text(), nullable=False)
    payload: dict = _col(sa.JSON(), nullable=False)
    payload_hash: str = _col(sa.String(64), nullable=False)
    correlation_id: str | None = _col(sa.String())
    flow_run_id: str | None = _col(sa.String())
    created_at: datetime = _col(UTCDateTime(), nullable=False)
    decided_by: str | None = _col(sa.String())
    decided_at: datetime | None = _col(UTCDateTime())
    decision_note: str | None = _col(sa.Text())


class AuditRecord(SQLModel, table=True):
    """The append-only audit chain: each row's hash covers the previous row's hash and its own content."""

    __tablename__ = "audit_chain"

    id: int | None = _id()
    at: datetime = _col(UTCDateTime(), nullable=False)
    correlation_id: str | None = _col(sa.String())
    flow_run_id: str | None = _col(sa.String())
    actor: str = _col(sa.String(), nullable=False)
    step: str = _col(sa.String(), nullable=False)
    record_ref: str | None = _col(sa.String(), index=True)
    summary: dict = _col(sa.JSON(), nullable=False)
    prev_hash: str = _col(sa.String(64), nullable=False)
    hash: str = _col(sa.String(64), nullable=False)


class AuditHead(SQLModel, table=True):
    """The chain's newest row (id and hash), moved by every append: without it, deleting the tail leaves no trace."""

    __tablename__ = "audit_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),)

    id: int = Field(sa_column=sa.Column(sa.Integer(), primary_key=True, autoincrement=False))
    last_id: int = _col(BigId, nullable=False)
    last_hash: str = _col(sa.String(64), nullable=False)
    updated_at: datetime = _col(UTCDateTime(), nullable=False)


class SyncCursor(SQLModel, table=True):
    """Watermarks of incremental extracts (name -> value)."""

    __tablename__ = "sync_cursor"

    name: str = Field(sa_column=sa.Column(sa.String(), primary_key=True))
    value: str = _col(sa.Text(), nullable=False)
    updated_at: datetime = _col(UTCDateTime(), nullable=False)


class RunMetric(SQLModel, table=True):
    """Numbers a run publishes (counts, write calls), kept beyond Prefect's retention."""

    __tablename__ = "run_metric"
    __table_args__ = (sa.Index("ix_run_metric_run", "run_id"),)

    id: int | None = _id()
    run_id: str = _col(sa.String(), nullable=False)
    flow_name: str = _col(sa.String(), nullable=False)
    name: str = _col(sa.String(), nullable=False)
    value: float = _col(sa.Float(), nullable=False)
    at: datetime = _col(UTCDateTime(), nullable=False)


inbox = InboxRecord.__table__
outbox = OutboxRecord.__table__
quarantine = QuarantineRecord.__table__
audit_chain = AuditRecord.__table__
audit_head = AuditHead.__table__
sync_cursor = SyncCursor.__table__
run_metric = RunMetric.__table__
metadata = SQLModel.metadata


class RunLock(SQLModel, table=True):
    """One run at a time per scope (e.g. `ledger-batch:<company>:<period>`): held by `owner` until released,
    the owner is known dead, or the lease ends."""

    __tablename__ = "run_lock"

    name: str = Field(sa_column=sa.Column(sa.String(), primary_key=True))
    owner: str = _col(sa.String(), nullable=False)
    acquired_at: datetime = _col(UTCDateTime(), nullable=False)
    lease_until: datetime = _col(UTCDateTime(), nullable=False)


run_lock = RunLock.__table__
