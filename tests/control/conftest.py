"""Store fixtures: every store test runs on a SQLite file and on PostgreSQL (own schema per test).

PostgreSQL comes from OFM_TEST_POSTGRES_URL (default: the CI service on 127.0.0.1:5432). When it
cannot be reached the PostgreSQL variants are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ofm.control.store import Store

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An engine on the PostgreSQL test database, or skip (fail under CI) when it is unreachable."""
    url = os.environ.get("OFM_TEST_POSTGRES_URL", DEFAULT_PG)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except Exception as exc:  # any reason it is not there: refused, auth, unknown database
        engine.dispose()
        message = f"PostgreSQL not reachable at {make_url(url).render_as_string()}: {type(exc).__name__}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL to an empty database: a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin: sa.Engine = request.getfixturevalue("pg_admin")
    schema = f"ofm_t_{uuid.uuid4().hex[:16]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def make_store(store_url: str) -> Iterator[Callable[[], Store]]:
    """Migrated Store instances on the test database (several act like several processes)."""
    stores: list[Store] = []

    def make() -> Store:
        store = Store(store_url)
        store.migrate()
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def store(make_store: Callable[[], Store]) -> Store:
    """One migrated store on an empty database."""
    return make_store()


@pytest.fixture
def backend(store_url: str) -> str:
    """"sqlite" or "postgresql"."""
    return make_url(store_url).get_backend_name()
