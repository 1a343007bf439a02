"""Helpers for the procurement connector tests: a client on a mock transport or on the in-process
sandbox, with a recorded (never real) sleep and pinned jitter. Plain functions, no network."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from pydantic import SecretStr

from ofm.connectors.procurement import ProcurementClient, ProcurementConfig
from ofm.sandbox.procurement import InProcessTransport, create_app

TOKEN = "tok-SECRET-0123456789abcdef"
URL = "http://procurement.test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Handler = Callable[[httpx.Request], httpx.Response]


def make_client(transport: httpx.BaseTransport, pagination: str = "cursor", page_size: int = 50,
                max_attempts: int = 4) -> tuple[ProcurementClient, list[float]]:
    """A client whose sleeps are recorded instead of slept (jitter pinned to 1.0)."""
    sleeps: list[float] = []
    config = ProcurementConfig(url=URL, token=SecretStr(TOKEN), pagination=pagination, page_size=page_size,
                               max_attempts=max_attempts, base_delay=0.5, max_delay=8.0, max_retry_after=30.0)
    return ProcurementClient(config, transport=transport, sleep=sleeps.append, jitter=lambda: 1.0), sleeps


def sandbox(n: int = 137, seed: int = 7):
    """A fresh sandbox app and a transport into it."""
    app = create_app(n, seed, TOKEN)
    return app, InProcessTransport(app)


def admin(transport: httpx.BaseTransport, method: str, path: str, **kwargs) -> httpx.Response:
    """Call the sandbox's admin endpoints directly."""
    with httpx.Client(transport=transport, base_url=URL, headers=AUTH) as http:
        response = http.request(method, path, **kwargs)
    response.raise_for_status()
    return response


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


def ok_page(items: list[dict] | None = None, next_cursor: str | None = None) -> httpx.Response:
    return httpx.Response(200, json={"items": items or [], "next_cursor": next_cursor})
