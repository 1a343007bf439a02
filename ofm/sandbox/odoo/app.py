"""The sandbox over real HTTP: a plain ASGI app on the same synchronous core, served by uvicorn.

A dropped answer is played the way a crashing upstream looks to a client: the status line and a
`Content-Length` larger than the body are sent, then the connection is closed. uvicorn closes it
because the response cannot be completed; the client sees an incomplete response after the
write was committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ofm.sandbox.odoo.faults import delay_seconds
from ofm.sandbox.odoo.rpc import WireRequest
from ofm.sandbox.odoo.sandbox import OdooSandbox

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
_MISSING_BYTES = 64


class ResponseDropped(ConnectionAbortedError):
    """Raised to the server on purpose: the answer of a committed write is lost."""


def create_app(sandbox: OdooSandbox) -> App:
    """An ASGI application serving `sandbox` (HTTP and lifespan scopes)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        delay = delay_seconds(sandbox.faults, scope["path"], body)
        if delay:
            await asyncio.sleep(delay)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        reply = sandbox.handle(WireRequest(scope["method"], scope["path"], headers, body))
        if reply.late:
            await asyncio.sleep(sandbox.faults.hang_seconds)
        length = len(reply.body) + (_MISSING_BYTES if reply.drop else 0)
        raw_headers = [(k.encode(), v.encode()) for k, v in reply.headers]
        raw_headers.append((b"content-length", str(length).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": raw_headers})
        if not reply.drop:
            await send({"type": "http.response.body", "body": reply.body})
            return
        try:
            await send({"type": "http.response.body", "body": reply.body, "more_body": False})
        except Exception as err:  # h11: "Too little data for declared Content-Length"
            raise ResponseDropped("sandbox dropped the answer of a committed write") from err
        raise ResponseDropped("sandbox dropped the answer of a committed write")

    return app


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class _QuietDrops(logging.Filter):
    """uvicorn logs an application error for every dropped answer; they are intended."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ResponseDropped))


def serve(host: str, port: int, sandbox: OdooSandbox) -> None:
    """Run the sandbox with uvicorn until interrupted."""
    import uvicorn

    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    uvicorn.run(create_app(sandbox), host=host, port=port, log_level="info", access_log=False)
