"""Migrations (packaged Alembic scripts, idempotent, match the models), cursors, run metrics, URLs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ofm.control.store import Store
from ofm.control.store import migrate as migrate_module
from ofm.control.store.tables import metadata

TABLES = {"inbox", "outbox", "quarantine", "audit_chain", "sync_cursor", "run_metric", "alembic_version"}


def revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_migrate_creates_every_table_at_head(store):
    assert revision(store) == migrate_module.head_revision() == "0001"
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
    assert calls == ["head"] and revision(second) == "0001"
    first.close()
    second.close()


def test_migrate_creates_the_sqlite_folder(tmp_path):
    path = tmp_path / "not" / "yet" / "there" / "ofm.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    assert path.exists() and revision(store) == "0001"
    store.close()


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
