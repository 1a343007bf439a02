"""Odoo's HTTP surface: routes, envelopes and statuses, as the captured Odoo 19 server answers.

- `POST /jsonrpc`: JSON-RPC 2.0; every error is HTTP 200 with `error.code` 0, `message`
  "Odoo Server Error" and `data` = {name, message, arguments, context, debug}; a method returning
  None sends no `result` key; a body that is not JSON is a bare 400 "Invalid JSON data".
- `POST /json/2/<model>/<method>` (Odoo >= 19): bearer API key, optional `X-Odoo-Database`; named
  arguments (`ids` for record methods); the bare result on 200, the error payload with the
  status of its class otherwise (401, 403, 404, 422, 500, 400).
- `GET /json/version` (Odoo >= 19), `POST /web/webclient/version_info`, `GET /web/health`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.exceptions import OdooException

if TYPE_CHECKING:
    from ofm.sandbox.odoo.sandbox import OdooSandbox

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
NOT_FOUND_PAGE = (b'<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The '
                  b'requested URL was not found on the server. If you entered the URL manually please check your '
                  b'spelling and try again.</p>\n')
# Captured: json2/err_unknown_db_header.json
NO_DATABASE_PAGE = (b"<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected "
                    b"and the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the "
                    b"hostname, <a href=/web/login>login</a> and try again.</p>\n\n<!-- Alternatively, use the "
                    b"X-Odoo-Database header. -->\n")
_JSON2_404 = "Did you mean POST /json/2/<model>/<method>?"


@dataclass(frozen=True)
class WireRequest:
    """One HTTP request, as both front-ends (httpx transport, ASGI) hand it to the core."""

    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes = b""


@dataclass(frozen=True)
class WireReply:
    """One HTTP answer; `wrote` marks a committed write (the only kind of answer that may be dropped)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    wrote: bool = False
    drop: bool = False
    late: bool = False  # applied, but answered after the client gave up (Faults.timeout_rate)


def reply_json(status: int, payload: Any, wrote: bool = False, extra: tuple[tuple[str, str], ...] = ()) -> WireReply:
    return WireReply(status, (("content-type", JSON), *extra), json.dumps(payload).encode(), wrote)


def route(sandbox: OdooSandbox, request: WireRequest) -> WireReply:
    """Answer one request (faults aside)."""
    path, verb = request.path.rstrip("/") or "/", request.method.upper()
    json2 = sandbox.major >= 19
    if path == "/jsonrpc" and verb == "POST":
        return _jsonrpc(sandbox, request)
    if path == "/web/webclient/version_info" and verb == "POST":
        return _envelope(request, lambda _params: (sandbox.version_info(), False))
    if path == "/json/version" and verb == "GET" and json2:
        info = sandbox.version_info()
        return reply_json(200, {"version_info": info["server_version_info"], "version": info["server_version"]})
    if path == "/web/health" and verb == "GET":
        return reply_json(200, {"status": "pass"})
    if json2 and (path == "/json/2" or path.startswith("/json/2/")):
        parts = path.split("/")
        if verb == "POST" and len(parts) == 5 and all(parts[3:]):
            return _json2(sandbox, request, parts[3], parts[4])
        return _json2_error(exc.werkzeug("NotFound", 404, _JSON2_404))
    return WireReply(404, (("content-type", HTML),), NOT_FOUND_PAGE)


# -- JSON-RPC -----------------------------------------------------------------------------------
def _jsonrpc(sandbox: OdooSandbox, request: WireRequest) -> WireReply:
    def dispatch(params: dict[str, Any]) -> tuple[Any, bool]:
        service, method, args = params.get("service"), params.get("method"), params.get("args") or []
        if not isinstance(args, list):
            raise exc.builtin("TypeError", "args must be a list")
        return sandbox.dispatch_rpc(str(service), str(method), args)
    return _envelope(request, dispatch)


def _envelope(request: WireRequest, call: Callable[[dict[str, Any]], tuple[Any, bool]]) -> WireReply:
    try:
        payload = json.loads(request.body or b"null")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return WireReply(400, (("content-type", HTML),), b"Invalid JSON data")
    out: dict[str, Any] = {"jsonrpc": "2.0", "id": payload.get("id")}
    wrote = False
    try:
        params = payload.get("params") or {}
        result, wrote = call(params if isinstance(params, dict) else {})
        if result is not None:
            out["result"] = result
    except Exception as err:  # Odoo serializes any exception into its answer, so does the sandbox
        out["error"] = {"code": 0, "message": "Odoo Server Error", "data": exc.as_odoo(err).payload()}
    return reply_json(200, out, wrote)


# -- JSON-2 -------------------------------------------------------------------------------------
def _json2(sandbox: OdooSandbox, request: WireRequest, model: str, method: str) -> WireReply:
    db = request.headers.get("x-odoo-database")
    if db is not None and db != sandbox.db_name:
        return WireReply(404, (("content-type", HTML),), NO_DATABASE_PAGE)
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return _json2_error(exc.werkzeug("Unauthorized", 401, "User not authenticated, use an API Key with a "
                                                             "Bearer Authorization header."))
    uid = sandbox.uid_for_key(key.strip())
    if uid is None:
        return _json2_error(exc.werkzeug("Unauthorized", 401, "Invalid apikey"))
    try:
        body = json.loads(request.body)
    except ValueError as err:
        return _json2_error(exc.werkzeug("BadRequest", 400, f"could not parse the body as json: {err}"))
    try:
        if not isinstance(body, dict):
            raise exc.builtin("TypeError", "the body must be a JSON object of named arguments")
        result, wrote = sandbox.execute_json2(uid, model, method, body)
    except Exception as err:  # Odoo serializes any exception into its answer, so does the sandbox
        return _json2_error(exc.as_odoo(err))
    return reply_json(200, result, wrote)


def _json2_error(err: OdooException) -> WireReply:
    extra = (("www-authenticate", "Bearer"),) if err.status == 401 else ()
    return reply_json(err.status, err.payload(), extra=extra)
