"""Audit head checkpoint: one row naming the newest audit row, so that deleting the tail is detectable.

Backfilled from the current last audit row (its `at` is when the head last moved), so a store that
already holds a chain upgrades in place and still verifies. An empty chain gets no row: the first
append creates it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ofm.store.engine import lock

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept literal (not imported from tables.py): a migration describes the schema as it was then.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_id", BIG_ID, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )
    lock(op.get_bind(), "audit")  # no append may land between the backfill and the commit
    op.execute("INSERT INTO audit_head (id, last_id, last_hash, updated_at) "
               "SELECT 1, id, hash, at FROM audit_chain ORDER BY id DESC LIMIT 1")


def downgrade() -> None:
    op.drop_table("audit_head")
