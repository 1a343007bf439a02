"""Webhook fixtures: a migrated store (SQLite and PostgreSQL), settings with real secrets, the app under a test
client with a recording Prefect events client and a movable clock, and a sender that signs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from webhook_world import OTHER_SECRET, SECRET, Clock, Recorder, Signed, TestClient, signed

from ofm.settings import Settings
from ofm.store import Store
from ofm.webhooks.app import create_app


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def settings(store_url: str) -> Settings:
    return Settings(_env_file=None, database_url=store_url, webhook_relay_seconds=3600,
                    webhook_secrets={"procurement": SecretStr(SECRET), "treasury": SecretStr(OTHER_SECRET)})


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings, store, recorder, clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=store, client=recorder, clock=clock)) as c:
        yield c


@pytest.fixture
def post(client: TestClient, clock: Clock) -> Callable[..., Any]:
    """POST an event (signed now with the procurement secret unless a Signed request is given)."""

    def send(event: dict[str, Any] | Signed, source: str = "procurement", **extra: str) -> Any:
        request = event if isinstance(event, Signed) else signed(event, clock.now)
        return client.post(f"/webhooks/{source}", content=request.body, headers={**request.headers, **extra})

    return send
