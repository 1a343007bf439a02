"""Store fixtures: every store test runs on a SQLite file and on PostgreSQL (`store_url`, in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import make_url

from ofm.store import Store


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
