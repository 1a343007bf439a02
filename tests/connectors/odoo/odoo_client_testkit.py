"""Helpers for the Odoo connector tests: a client on a mock transport, a tiny in-memory Odoo,
and the location of the captured contract. Plain functions, no fixtures, no network."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
from ofm.connectors.odoo.wire import json2_body

API_KEY = "sk-test-SECRET-0123456789abcdef"
URL = "http://odoo.test:8069"
Handler = Callable[[httpx.Request], httpx.Response]


def contract_dir() -> Path | None:
    """The captured Odoo 19 contract (env OFM_CONTRACT_DIR, default the project's copy in tests/data)."""
    default = Path(__file__).resolve().parents[2] / "data" / "odoo-contract"
    path = Path(os.environ.get("OFM_CONTRACT_DIR", default))
    return path if path.is_dir() else None


def require_contract() -> Path:
    """The contract dir, or skip (fail under CI=true: a missing contract must not pass silently)."""
    path = contract_dir()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("odoo contract dir not found; set OFM_CONTRACT_DIR")
        pytest.skip("odoo contract dir not found (set OFM_CONTRACT_DIR)")
    return path


def make_client(handler: Handler, protocol: str = "json2", sleeps: list[float] | None = None,
                max_attempts: int = 5, api_key: str = API_KEY) -> OdooClient:
    """A client whose network is `handler`, whose sleeps land in `sleeps` and whose jitter is 1."""
    cfg = OdooConfig(url=URL, db="acme", login="integration@acme.test", api_key=SecretStr(api_key),
                     protocol=protocol, timeout_seconds=5.0,  # type: ignore[arg-type]
                     retry=RetryPolicy(max_attempts=max_attempts, base_delay=0.5, max_delay=30.0))
    record = sleeps.append if sleeps is not None else (lambda _s: None)
    return OdooClient(cfg, transport=httpx.MockTransport(handler), sleep=record, jitter=lambda: 1.0)


def rpc_result(result: Any, req_id: int = 1) -> httpx.Response:
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": req_id, "result": result})


def rpc_error(name: str, message: str) -> httpx.Response:
    data = {"name": name, "message": message, "arguments": [message], "context": {}, "debug": "Traceback …"}
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1,
                                     "error": {"code": 200, "message": "Odoo Server Error", "data": data}})


def json2_error(status: int, name: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"name": name, "message": message, "arguments": [message],
                                        "context": {}, "debug": "Traceback …"})


def logical_call(request: httpx.Request) -> tuple[str, str, dict[str, Any]]:
    """(model, method, named params incl. ids) of a JSON-2 or JSON-RPC execute_kw request."""
    body = json.loads(request.content) if request.content else {}
    if request.url.path.startswith("/json/2/"):
        _, _, _, model, method = request.url.path.split("/")
        return model, method, body
    params = body["params"]
    if params["service"] != "object":
        return params["service"], params["method"], {"args": params["args"]}
    _db, _uid, _key, model, method, args, kwargs = params["args"]
    return model, method, json2_body(method, args, kwargs, None)


class FakeOdoo:
    """Just enough of Odoo for anchor tests: create and search_read with `in`/`=` domains.

    `faults[(model, method)]` holds callables run instead of answering; each may apply the call
    first (`fake.apply(...)`) and then raise, to play a lost answer."""

    def __init__(self, major: int = 19) -> None:
        self.major = major
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.faults: dict[tuple[str, str], list[Callable[[str, dict[str, Any]], None]]] = {}
        self._next_id = 100

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/json/version":
            return httpx.Response(200, json={"version_info": [self.major, 0, 0, "final", 0, ""]})
        model, method, params = logical_call(request)
        jsonrpc = request.url.path == "/jsonrpc"
        if model == "common":
            return rpc_result(2)
        self.requests.append((model, method, params))
        faults = self.faults.get((model, method))
        if faults:
            faults.pop(0)(model, params)
        result = self.apply(model, method, params)
        return rpc_result(result) if jsonrpc else httpx.Response(200, json=result)

    def apply(self, model: str, method: str, params: dict[str, Any]) -> Any:
        table = self.records.setdefault(model, [])
        if method == "create":
            ids = []
            for vals in params["vals_list"]:
                self._next_id += 1
                table.append({"id": self._next_id, **vals})
                ids.append(self._next_id)
            return ids
        if method == "search_read":
            rows = [r for r in table if all(_match(r, cond) for cond in params.get("domain", []))]
            rows.sort(key=lambda r: r["id"])
            return [{"id": r["id"], **{f: r.get(f, False) for f in params["fields"]}} for r in rows]
        if method == "context_get":
            return {"lang": "en_US", "tz": "Europe/Brussels", "uid": 2}
        raise AssertionError(f"FakeOdoo does not implement {model}.{method}")

    def count(self, model: str, method: str) -> int:
        return sum(1 for m, meth, _ in self.requests if (m, meth) == (model, method))


def _match(row: dict[str, Any], cond: list[Any]) -> bool:
    field, op, value = cond
    if op == "in":
        return row.get(field) in value
    if op == "=":
        return row.get(field) == value
    raise AssertionError(f"FakeOdoo does not implement operator {op!r}")

