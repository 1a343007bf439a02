"""Helpers for the Odoo sandbox tests: the real client on the in-process transport, raw HTTP
calls for what the client hides (statuses, bodies), and the location of the captured contract."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ofm.connectors.odoo import OdooClient, OdooConfig, OdooError, RetryPolicy
from ofm.sandbox.odoo import INTEGRATION_LOGIN, INTEGRATION_UID, OdooSandbox, SandboxTransport

URL = "http://odoo.sandbox"
KEY = "sandbox-key"
PROTOCOLS = ["json2", "jsonrpc"]


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


def capture(folder: str, name: str) -> Any:
    """One file of the captured contract (`traces`, `errors_jsonrpc`, `json2`, or "" for the top level)."""
    root = require_contract()
    return json.loads(((root / folder) if folder else root).joinpath(name).read_text())


def captured_error(folder: str, name: str) -> tuple[dict[str, Any], int]:
    """(error payload {name, message, arguments, ...}, HTTP status) of a captured error answer."""
    exchange = capture(folder, name)
    raw = exchange["raw_body"]
    try:
        body = json.loads(raw)
    except ValueError:  # the capture's redaction of paths broke some `debug` strings: drop it
        body = json.loads(raw[:raw.index(', "debug"')] + ("}}}" if folder == "errors_jsonrpc" else "}"))
    return (body["error"]["data"] if folder == "errors_jsonrpc" else body), exchange["http_status"]


def trace(name: str) -> list[dict[str, Any]]:
    """The steps of a captured call sequence (`flow_trace.json`, `traces/trace_f_journal_entry.json`, ...)."""
    folder, _, file = name.rpartition("/")
    return list(capture(folder, file))


class Replay:
    """Replays captured steps on a sandbox through the real client and compares every answer.

    The captured server's ids become the sandbox's as they appear (a create's result, the ids in
    a read answer); a captured id met again must map to the same sandbox id, so the replay also
    checks that the sandbox links records the way Odoo did. `normalize` adapts captured text that
    depends on that database's history (e.g. the code of the n-th bank account).
    """

    def __init__(self, client: OdooClient, normalize: Any = None, skip_fields: tuple[str, ...] = ()) -> None:
        from ofm.sandbox.odoo.schema import load_schema

        self.client = client
        self.schema = load_schema()
        self.ids: dict[tuple[str, int], int] = {}
        self.normalize = normalize or (lambda text: text)
        self.skip = set(skip_fields)

    def bind(self, model: str, theirs: int, ours: int) -> None:
        known = self.ids.setdefault((model, theirs), ours)
        assert known == ours, f"captured {model} {theirs} was sandbox id {known}, now {ours}"

    def ours(self, model: str, theirs: Any) -> Any:
        if isinstance(theirs, list):
            return [self.ours(model, t) for t in theirs]
        return self.ids[(model, theirs)]

    def vals(self, model: str, vals: dict[str, Any]) -> dict[str, Any]:
        """Captured create/write values with the sandbox's ids."""
        out = {}
        for name, value in vals.items():
            field = self.schema[model].fields[name]
            if field.type == "many2one" and value:
                value = self.ours(field.relation or "", value)
            elif field.type in ("one2many", "many2many") and isinstance(value, list):
                value = [self._command(field.relation or "", c) for c in value]
            out[name] = value
        return out

    def _command(self, comodel: str, command: list[Any]) -> list[Any]:
        if command[0] in (0, 1) and isinstance(command[2], dict):
            return [command[0], command[1] and self.ours(comodel, command[1]), self.vals(comodel, command[2])]
        if command[0] == 6:
            return [6, 0, self.ours(comodel, command[2])]
        return [command[0], *[self.ours(comodel, c) for c in command[1:]]]

    def step(self, step: dict[str, Any]) -> Any:
        """Send one captured step; compare its answer (or its error) with the captured one."""
        if "error" in step:
            with pytest.raises(OdooError) as caught:
                self._send(step)
            assert (caught.value.server_name, caught.value.server_message) == \
                (step["error"]["name"], step["error"]["message"]), step["step"]
            return None
        result = self._send(step)
        self.same(step, result)
        return result

    def _send(self, step: dict[str, Any]) -> Any:
        model, method, args, kwargs = step["model"], step["method"], list(step["args"]), dict(step["kwargs"])
        kwargs.pop("context", None)
        if method == "create":
            return self.client.create(model, [self.vals(model, vals) for vals in
                                              (args[0] if isinstance(args[0], list) else [args[0]])])
        if method in ("read", "search_read"):
            kwargs["fields"] = [f for f in kwargs["fields"] if f not in self.skip]
            if method == "read":
                return self.client.read(model, self.ours(model, args[0]), kwargs["fields"])
            return self.client.call(model, method, args=args, kwargs=kwargs)
        if method == "write":
            return self.client.write(model, self.ours(model, args[0]), self.vals(model, args[1]))
        if method == "search_count":
            return self.client.search_count(model, args[0])
        return self.client.call(model, method, ids=self.ours(model, args[0]), args=args[1:], kwargs=kwargs)

    def same(self, step: dict[str, Any], got: Any) -> None:
        expected, model, method = step["result"], step["model"], step["method"]
        if method == "create":
            theirs = expected if isinstance(expected, list) else [expected]
            assert len(got) == len(theirs), step["step"]
            for t, o in zip(theirs, got, strict=True):
                self.bind(model, t, o)
        elif method in ("read", "search_read"):
            assert len(got) == len(expected), (step["step"], got)
            for theirs, ours in zip(expected, got, strict=True):
                self.same_record(model, {k: v for k, v in theirs.items() if k not in self.skip}, ours, step["step"])
        else:
            assert got == expected, (step["step"], got, expected)

    def same_record(self, model: str, theirs: dict[str, Any], ours: dict[str, Any], where: str = "") -> None:
        assert set(ours) == set(theirs), (where, sorted(set(ours) ^ set(theirs)))
        self.bind(model, theirs["id"], ours["id"])
        for name, value in theirs.items():
            if name == "id":
                continue
            field = self.schema[model].fields[name]
            got = ours[name]
            if field.type == "many2one" and value:
                assert isinstance(got, list), (where, name, got)
                self.bind(field.relation or "", value[0], got[0])
                assert self.normalize(got[1]) == self.normalize(value[1]), (where, name, got, value)
            elif field.type in ("one2many", "many2many"):
                assert len(got) == len(value), (where, name, got, value)
                for t, o in zip(value, got, strict=True):
                    self.bind(field.relation or "", t, o)
            elif isinstance(value, str):
                assert isinstance(got, str) and self.normalize(got) == self.normalize(value), (where, name, got, value)
            else:
                assert got == value, (where, name, got, value)
