"""Alembic, run programmatically: the scripts ship inside the package, so it works from any cwd."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ofm.store.engine import is_memory, lock, parse_url, run_unit

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_at_head: set[str] = set()  # URLs this process already brought to head
_guard = threading.Lock()


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged scripts (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision of the packaged scripts."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine, url: str) -> None:
    """Bring the database to head once per process; later calls cost nothing."""
    if url in _at_head:
        return
    with _guard:
        if url in _at_head:
            return
        parsed = parse_url(url)
        if parsed.get_backend_name() == "sqlite" and not is_memory(parsed):
            Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)

        def work(conn: sa.Connection) -> None:  # PostgreSQL's DDL is transactional: killed, it is run again whole
            lock(conn, "migrate")  # two processes starting at once must not both create tables
            if MigrationContext.configure(conn).get_current_revision() != head_revision():
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")

        run_unit(engine, work)
        _at_head.add(url)
