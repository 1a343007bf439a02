"""Helpers for the Odoo sandbox tests: the real client on the in-process transport, raw HTTP
calls for what the client hides (statuses, bodies), and the location of the captured contract."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
from ofm.sandbox.odoo import INTEGRATION_LOGIN, INTEGRATION_UID, OdooSandbox, SandboxTransport

URL = "http://odoo.sandbox"
KEY = "sandbox-key"
PROTOCOLS = ["json2", "jsonrpc"]


def contract_dir() -> Path | None:
    """The captured Odoo 19 contract (env OFM_CONTRACT_DIR, default ../shared/odoo-contract)."""
    default = Path(__file__).resolve().parents[3].parent / "shared" / "odoo-contract"
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


def make_client(sandbox: OdooSandbox, protocol: str = "auto", max_attempts: int = 5, api_key: str = KEY,
                sleeps: list[float] | None = None, url: str = URL, transport: httpx.BaseTransport | None = None
                ) -> OdooClient:
    """The project's real client against `sandbox`; its sleeps are recorded, never slept."""
    config = OdooConfig(url=url, db="sandbox", login=INTEGRATION_LOGIN, api_key=SecretStr(api_key),
                        protocol=protocol, timeout_seconds=5.0,  # type: ignore[arg-type]
                        retry=RetryPolicy(max_attempts=max_attempts, base_delay=0.5, max_delay=30.0))
    record = sleeps.append if sleeps is not None else (lambda _s: None)
    return OdooClient(config, transport=transport or SandboxTransport(sandbox), sleep=record, jitter=lambda: 1.0)


def http(sandbox: OdooSandbox) -> httpx.Client:
    """A bare HTTP client on the sandbox, for what the Odoo client does not show."""
    return httpx.Client(base_url=URL, transport=SandboxTransport(sandbox))


def rpc(client: httpx.Client, service: str, method: str, args: list[Any]) -> httpx.Response:
    body = {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args},
            "id": 7}
    return client.post("/jsonrpc", json=body)


def execute_kw(client: httpx.Client, model: str, method: str, args: list[Any], kwargs: dict | None = None,
               uid: int = INTEGRATION_UID, password: str = KEY, db: str = "sandbox") -> httpx.Response:
    return rpc(client, "object", "execute_kw", [db, uid, password, model, method, args, kwargs or {}])


def json2(client: httpx.Client, model: str, method: str, body: dict[str, Any], key: str | None = KEY,
          db: str | None = "sandbox") -> httpx.Response:
    headers = {}
    if key is not None:
        headers["Authorization"] = f"bearer {key}"
    if db is not None:
        headers["X-Odoo-Database"] = db
    return client.post(f"/json/2/{model}/{method}", json=body, headers=headers)


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The error payload {name, message, arguments, ...} of either protocol's answer."""
    payload = response.json()
    if isinstance(payload, dict) and "jsonrpc" in payload:
        assert "result" not in payload, payload
        return payload["error"]["data"]
    return payload


def supplier(i: int, **extra: Any) -> dict[str, Any]:
    """Partner values like the onboarding writes (a company supplier with an IBAN)."""
    return {"name": f"Supplier {i:04d} GmbH", "vat": f"DE{100000000 + i}", "ref": f"V-{i:05d}",
            "is_company": True, "supplier_rank": 1, **extra}
