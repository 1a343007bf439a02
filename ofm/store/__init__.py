"""The control-plane store: inbox, outbox, quarantine, audit chain, sync cursors, run metrics.

SQLModel tables, Alembic migrations shipped in the package, SQLite by default, PostgreSQL via URL.
"""

from ofm.store.outbox import NotOwnerError
from ofm.store.store import Store
from ofm.store.values import (
    AuditEntry,
    AuditRow,
    AuditVerdict,
    InboxItem,
    InboxRow,
    OutboxIntent,
    OutboxRow,
    QuarantineEntry,
    QuarantineRow,
)

__all__ = [
    "AuditEntry", "AuditRow", "AuditVerdict", "InboxItem", "InboxRow", "NotOwnerError", "OutboxIntent", "OutboxRow",
    "QuarantineEntry", "QuarantineRow", "Store",
]
