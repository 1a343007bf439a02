"""Helpers for the ledger-source connector tests: a client on the in-process sandbox API or on a scripted
transport, with a recorded (never real) sleep and pinned jitter. Plain functions, no network."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from ofm.connectors.ledger import LedgerApiClient, LedgerApiConfig
from ofm.sandbox.ledger.api import LedgerApiTransport, create_app

TOKEN = "tok-LEDGER-SECRET-9f8e7d6c5b4a"
URL = "http://ledger.test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_client(transport: httpx.BaseTransport, page_size: int = 3, max_attempts: int = 4, token: str = TOKEN,
                **extra) -> tuple[LedgerApiClient, list[float]]:
    """A client whose sleeps are recorded instead of slept (jitter pinned to 1.0)."""
    sleeps: list[float] = []
    config = LedgerApiConfig(url=URL, token=SecretStr(token), page_size=page_size, max_attempts=max_attempts,
                             base_delay=0.5, max_delay=8.0, max_retry_after=30.0, **extra)
    return LedgerApiClient(config, transport=transport, sleep=sleeps.append, jitter=lambda: 1.0), sleeps


def sandbox(deliveries=()):
    """A fresh sandbox API and a transport into it."""
    app = create_app(TOKEN, deliveries)
    return app, LedgerApiTransport(app)


def admin(transport: httpx.BaseTransport, path: str, body: dict) -> dict:
    with httpx.Client(transport=transport, base_url=URL, headers=AUTH) as http:
        response = http.post(path, json=body)
    response.raise_for_status()
    return response.json()


def scripted(*steps: httpx.Response | Exception) -> tuple[list[httpx.Request], httpx.MockTransport]:
    """A transport playing `steps` in order (the last one repeats); returns (requests seen, transport)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = steps[min(len(seen), len(steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    return seen, httpx.MockTransport(handler)
