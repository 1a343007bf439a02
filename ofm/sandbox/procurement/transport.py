"""An httpx transport that serves a request from an ASGI app in this process (tests, demos).

The connector is synchronous; `httpx.ASGITransport` is asynchronous. This bridges the two by
running each request on a private event loop, so the same client code that talks to a real
platform talks to the sandbox without a port or a thread pool of servers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

import httpx


class InProcessTransport(httpx.BaseTransport):
    """A synchronous transport over an ASGI app (e.g. `create_app(...)`)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def call() -> httpx.Response:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=content)
            response = await self._asgi.handle_async_request(inner)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(call())
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # called from async code
            return pool.submit(asyncio.run, call()).result()
