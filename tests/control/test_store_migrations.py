"""Migrations (packaged Alembic scripts, idempotent, match the models, upgrade in place), cursors, metrics, URLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ofm.store import AuditEntry, Store
from ofm.store import migrate as migrate_module
from ofm.store import tables as t
from ofm.store.audit import GENESIS, row_hash
from ofm.store.engine import transaction
from ofm.store.tables import metadata

HEAD = "0004"
TABLES = {"inbox", "outbox", "quarantine", "audit_chain", "audit_head", "sync_cursor", "run_metric", "run_lock",
          "alembic_version"}


def revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_migrate_creates_every_table_at_head(store):
    assert revision(store) == migrate_module.head_revision() == HEAD
    assert set(sa.inspect(store.engine).get_table_names()) >= TABLES


def test_migrations_create_exactly_the_models(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_migrate_is_idempotent_and_cheap_at_head(store_url, monkeypatch, tmp_path):
    calls: list[str] = []
    real = migrate_module.command.upgrade
    monkeypatch.setattr(migrate_module.command, "upgrade", lambda cfg, rev: calls.append(rev) or real(cfg, rev))
    first = Store(store_url)
    first.migrate()
    first.migrate()
    assert calls == ["head"]
    monkeypatch.setattr(migrate_module, "_at_head", set())  # as a new process would start
    monkeypatch.chdir(tmp_path)  # the scripts are found from any working directory
    second = Store(store_url)
    second.migrate()
    assert calls == ["head"] and revision(second) == HEAD
    first.close()
    second.close()


def test_migrate_creates_the_sqlite_folder(tmp_path):
    path = tmp_path / "not" / "yet" / "there" / "ofm.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    assert path.exists() and revision(store) == HEAD
    store.close()


def migrate_to(store: Store, target: str, down: bool = False) -> None:
    """Run the packaged scripts up (or down) to one revision, as an older release would have left the store."""
    cfg = migrate_module.alembic_config()
    with transaction(store.engine) as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


RAW_INSERT = sa.text(
    "INSERT INTO audit_chain (at, correlation_id, flow_run_id, actor, step, record_ref, summary, prev_hash, hash) "
    "VALUES (:at, 'corr', 'run-0', 'ofm', :step, 'procurement:SUP-1', :summary, :prev, :hash)",
).bindparams(sa.bindparam("at", type_=t.UTCDateTime()), sa.bindparam("summary", type_=sa.JSON()))


def append_as_0001(store: Store, steps: list[str]) -> None:
    """The 0001-era append: link to the last row, insert, and no head to move."""
    now = datetime.now(UTC)
    with transaction(store.engine) as conn:
        prev = conn.execute(sa.text("SELECT hash FROM audit_chain ORDER BY id DESC LIMIT 1")).scalar() or GENESIS
        for step in steps:
            summary = {"step": step, "amount": 12.5}
            digest = row_hash(prev, now, "corr", "run-0", "ofm", step, "procurement:SUP-1", summary)
            conn.execute(RAW_INSERT, {"at": now, "step": step, "summary": summary, "prev": prev, "hash": digest})
            prev = digest


def head_row(store: Store) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(t.audit_head.c.id, t.audit_head.c.last_id,
                                                         t.audit_head.c.last_hash))]


def test_a_0001_store_with_a_chain_upgrades_in_place_and_verifies(store_url):
    store = Store(store_url)
    migrate_to(store, "0001")
    append_as_0001(store, ["received", "mapped"])
    append_as_0001(store, ["loaded"])
    assert "audit_head" not in sa.inspect(store.engine).get_table_names()
    store.migrate()
    assert revision(store) == HEAD
    last = store.trail("procurement:SUP-1")[-1]
    assert head_row(store) == [(1, last.id, last.hash)]  # backfilled from the last row
    verdict = store.verify_audit()
    assert (verdict.ok, verdict.rows_checked) == (True, 3)
    store.audit([AuditEntry("corr", "run-1", "ofm", "acknowledged", "procurement:SUP-1", {})])
    assert store.trail("procurement:SUP-1")[-1].prev_hash == last.hash  # the chain goes on across the upgrade
    assert store.verify_audit().rows_checked == 4
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_chain WHERE id = (SELECT max(id) FROM audit_chain)"))
    assert store.verify_audit().ok is False  # and its tail is now guarded
    store.close()


def test_an_empty_0001_store_upgrades_without_a_head(store_url):
    store = Store(store_url)
    migrate_to(store, "0001")
    store.migrate()
    assert revision(store) == HEAD and head_row(store) == []
    assert store.verify_audit().ok is True
    store.audit([AuditEntry(None, None, "cli", "first", None, {})])
    assert store.verify_audit().rows_checked == 1 and len(head_row(store)) == 1
    store.close()


def test_0002_downgrades_and_backfills_again(store, monkeypatch):
    store.audit([AuditEntry(None, None, "cli", "first", None, {})])
    before = head_row(store)
    migrate_to(store, "0001", down=True)
    assert revision(store) == "0001" and "audit_head" not in sa.inspect(store.engine).get_table_names()
    monkeypatch.setattr(migrate_module, "_at_head", set())  # as a new process would start
    store.migrate()
    assert head_row(store) == before and store.verify_audit().ok is True


def test_audit_head_holds_one_row_only(store):
    store.audit([AuditEntry(None, None, "cli", "first", None, {})])
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_head (id, last_id, last_hash, updated_at) "
                             "SELECT 2, last_id, last_hash, updated_at FROM audit_head"))


def test_in_memory_sqlite_works():
    store = Store("sqlite://")
    store.migrate()
    store.set_cursor("c", "v")
    assert store.get_cursor("c") == "v"


def test_cursors_are_saved_and_replaced(store):
    assert store.get_cursor("procurement.suppliers.updated_since") is None
    store.set_cursor("procurement.suppliers.updated_since", "2026-11-01T08:00:00Z")
    store.set_cursor("procurement.suppliers.updated_since", "2026-11-02T08:00:00Z")
    store.set_cursor("other", "x")
    assert store.get_cursor("procurement.suppliers.updated_since") == "2026-11-02T08:00:00Z"
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sync_cursor")).scalar() == 2


def test_run_metrics_are_kept_per_run(store):
    store.record_metrics("run-1", "supplier-onboarding", {"received": 60, "created": 41.0})
    store.record_metrics("run-2", "supplier-onboarding", {"received": 5})
    store.record_metrics("run-3", "supplier-onboarding", {})
    assert store.metrics("run-1") == {"received": 60.0, "created": 41.0}
    assert store.metrics("run-2") == {"received": 5.0}
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT flow_name, at FROM run_metric")).all()
    assert len(rows) == 3 and {r.flow_name for r in rows} == {"supplier-onboarding"}


def test_unsupported_url_and_no_password_in_repr():
    with pytest.raises(ValueError, match="unsupported store database 'mysql'"):
        Store("mysql://u:pw@host/db")
    with pytest.raises(ValueError, match="not a SQLAlchemy URL") as err:
        Store("s3cret-password")
    assert "s3cret" not in str(err.value)
    assert "s3cret" not in repr(Store("postgresql+psycopg://ofm:s3cret@db.example/ofm"))
