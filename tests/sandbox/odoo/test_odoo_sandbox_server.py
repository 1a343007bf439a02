"""The ASGI app under a real uvicorn on a free port: same answers, and a dropped answer really drops."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from odoo_sandbox_testkit import make_client, supplier

from ofm.connectors.odoo import OdooAmbiguousError, OdooValidationError
from ofm.sandbox.odoo import Faults, OdooSandbox, create_app


@pytest.fixture
def served() -> Iterator[tuple[OdooSandbox, str]]:
    """A sandbox behind uvicorn, on a socket bound before the server starts (no port race)."""
    sandbox = OdooSandbox()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(sandbox), log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield sandbox, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
def test_a_dropped_answer_over_real_http_is_ambiguous_and_create_idempotent_makes_one(
        served: tuple[OdooSandbox, str], protocol: str) -> None:
    sandbox, url = served
    client = make_client(sandbox, protocol, url=url, transport=httpx.HTTPTransport())
    assert client.search_count("res.currency", []) == 7
    with pytest.raises(OdooValidationError, match="Contacts require a name"):
        client.create("res.partner", [{"vat": "X"}])

    sandbox.faults = Faults(drop_after_commit_rate=1.0)
    with pytest.raises(OdooAmbiguousError) as caught:
        client.create("res.partner", [supplier(1)])
    assert "RemoteProtocolError" in str(caught.value)  # headers came, the body never completed
    assert len(sandbox.records("res.partner", [["vat", "=", "DE100000001"]])) == 1

    ids = client.create_idempotent("res.partner", [supplier(2)], anchors=["vat", "ref"], fields=["id"])
    assert [r["id"] for r in sandbox.records("res.partner", [["vat", "=", "DE100000002"]])] == ids
    sandbox.faults = Faults()
    assert client.search_count("res.partner", [["vat", "like", "DE10000000"]]) == 2


def test_http_statuses_and_headers_over_the_wire(served: tuple[OdooSandbox, str]) -> None:
    _, url = served
    with httpx.Client(base_url=url) as raw:
        unauthorized = raw.post("/json/2/res.partner/search_count", json={"domain": []})
        assert (unauthorized.status_code, unauthorized.headers["www-authenticate"]) == (401, "Bearer")
        assert raw.get("/json/version").json()["version_info"][0] == 19
        assert raw.post("/jsonrpc", content=b"nope").text == "Invalid JSON data"
        assert raw.get("/no/such/page").status_code == 404
