"""The sandbox as an httpx transport: the real client, no sockets, no event loop.

The fast path for tests and the bench: each request goes straight to the synchronous core. A
dropped answer (see `Faults.drop_after_commit_rate`) surfaces as the error httpx raises when a
server closes the connection without answering: `httpx.RemoteProtocolError`; a late one (see
`Faults.timeout_rate`) as the client's own read timeout, `httpx.ReadTimeout`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from ofm.sandbox.odoo.faults import delay_seconds
from ofm.sandbox.odoo.rpc import WireRequest
from ofm.sandbox.odoo.sandbox import OdooSandbox


class SandboxTransport(httpx.BaseTransport):
    """Serves `sandbox` in-process; `sleep` plays the configured latency (a parameter for tests)."""

    def __init__(self, sandbox: OdooSandbox, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sandbox = sandbox
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        delay = delay_seconds(self.sandbox.faults, request.url.path, body)
        if delay:
            self._sleep(delay)
        headers = {name.lower(): value for name, value in request.headers.items()}
        reply = self.sandbox.handle(WireRequest(request.method, request.url.path, headers, body))
        if reply.drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        if reply.late:
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        return httpx.Response(reply.status, headers=list(reply.headers), content=reply.body, request=request)
