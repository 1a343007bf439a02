"""An ASGI app (a sandbox, the webhook intake) under a real uvicorn on a free 127.0.0.1 port, in a thread.

Importable from every test folder (tests/ is on the path through its conftest): `from local_servers import serving`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app: Any, lifespan: str = "auto", timeout: float = 20.0) -> Iterator[str]:
    """The app's base URL while the block runs; the server is stopped after it, also when the block fails."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.05)
        assert server.started, f"the server on 127.0.0.1:{port} did not start within {timeout} s"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
