"""Capture what a real Odoo calls its fields: `fields_get` (name -> type) of every model the flows use.

`python -m ofm.testbed capture-fields --version 18` writes tests/data/real-captures/fields_get_18.json from a
fresh database of the cached build. The calls go raw over JSON-RPC, not through the connector, so the
capture holds the server's own names (the connector would translate them into Odoo 19's). The tests check
the version tables (ofm/connectors/odoo/versions/) and the flows' usage table against these captures.
Never imported by flows.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from ofm.connectors.odoo.usage import load_usage
from ofm.testbed.realodoo import REPO, Build, Server

EXTRA_MODELS = ("res.users", "uom.uom", "product.template", "account.analytic.plan")


def capture(build: Build) -> dict:
    """{"server": version info, "models": {model: {field: type}}} read from a fresh database."""
    state = build.ensure()
    db = build.new_database("fields")
    models = sorted({m for flow in load_usage().flows.values() for m in flow} | set(EXTRA_MODELS))
    try:
        with Server(build) as server, httpx.Client(base_url=server.url, timeout=120) as http:
            def rpc(service: str, method: str, *args: object) -> object:
                answer = http.post("/jsonrpc", json={"jsonrpc": "2.0", "id": 1, "method": "call", "params": {
                    "service": service, "method": method, "args": list(args)}}).json()
                if "error" in answer:
                    raise RuntimeError(answer["error"]["data"]["message"])
                return answer["result"]

            uid = rpc("common", "authenticate", db, state["login"], state["api_key"], {})
            info = rpc("common", "version")
            out = {}
            for model in models:
                fields = rpc("object", "execute_kw", db, uid, state["api_key"], model, "fields_get", [],
                             {"attributes": ["type"]})
                out[model] = {name: spec["type"] for name, spec in sorted(fields.items())}
    finally:
        build.drop_database(db)
    return {"server": info["server_version_info"], "models": out}


def capture_path(version: int) -> Path:
    return REPO / "tests" / "data" / "real-captures" / f"fields_get_{version}.json"


def write_capture(build: Build) -> Path:
    path = capture_path(build.source.version)
    path.write_text(json.dumps(capture(build), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path
