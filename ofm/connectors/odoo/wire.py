"""The two wire formats of one logical call, and how their answers are read.

A logical call is `(model, method, ids, args, kwargs)`, in the execute_kw convention: a record
method's ids come first. JSON-RPC sends it positionally inside `execute_kw`; JSON-2 has no
positional arguments, so the well-known methods' arguments are named here (`vals_list` for
create, `vals` for write, `domain`, `fields`, ...). Shapes follow the captures of a real Odoo 19
server in `odoo-contract/`; notably a JSON-RPC method that returns None sends no `result` key.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from ofm.connectors.odoo.classify import CallContext, classify
from ofm.connectors.odoo.config import OdooVersion
from ofm.connectors.odoo.retry import parse_retry_after

# Names of the positional arguments (after ids) of the methods callers use positionally.
JSON2_POSITIONAL: dict[str, tuple[str, ...]] = {
    "create": ("vals_list",),
    "write": ("vals",),
    "read": ("fields",),
    "search": ("domain", "offset", "limit", "order"),
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "fields_get": ("allfields", "attributes"),
    "name_search": ("name", "domain", "operator", "limit"),
    "name_create": ("name",),
    "default_get": ("fields_list",),
    "check_object_reference": ("module", "xml_id"),
    "check_access_rights": ("operation", "raise_exception"),
    "has_group": ("group_ext_id",),
}
# @api.model methods: their first positional argument is *not* a list of ids.
MODEL_METHODS: frozenset[str] = frozenset({
    "create", "search", "search_read", "search_count", "fields_get", "name_search", "name_create",
    "default_get", "check_object_reference", "check_access_rights", "context_get",
})

_SNIPPET = 300


def execute_kw_args(db: str, uid: int, key: str, model: str, method: str, args: list[Any] | None,
                    kwargs: dict[str, Any] | None, ids: list[int] | None) -> list[Any]:
    """`params.args` of an `object.execute_kw` request."""
    positional = ([ids] if ids is not None else []) + list(args or [])
    return [db, uid, key, model, method, positional, dict(kwargs or {})]


def jsonrpc_body(req_id: int, service: str, method: str, args: list[Any]) -> dict[str, Any]:
    """The JSON-RPC 2.0 envelope Odoo's `/jsonrpc` expects."""
    return {"jsonrpc": "2.0", "method": "call",
            "params": {"service": service, "method": method, "args": args}, "id": req_id}


def json2_body(method: str, args: list[Any] | None, kwargs: dict[str, Any] | None,
               ids: list[int] | None) -> dict[str, Any]:
    """The JSON-2 body: kwargs, with `ids` for record methods and positional args named.

    Positional arguments of a method not listed in JSON2_POSITIONAL cannot be named, which is a
    bug in the caller, not an Odoo failure: it raises TypeError before anything is sent.
    """
    body = dict(kwargs or {})
    rest = list(args or [])
    if ids is None and rest and method not in MODEL_METHODS:
        ids, rest = rest[0], rest[1:]  # execute_kw convention: a record method gets its ids first
    names = JSON2_POSITIONAL.get(method, ())
    if len(rest) > len(names):
        raise TypeError(f"JSON-2 cannot name the positional arguments of {method!r}; pass them as kwargs")
    for name, value in zip(names, rest, strict=False):
        if name in body:
            raise TypeError(f"{method!r} got {name!r} both positionally and as a keyword")
        body[name] = value
    if ids is not None:
        body["ids"] = ids
    return body


def decode_jsonrpc(response: httpx.Response, ctx: CallContext) -> Any:
    """The `result` of a JSON-RPC answer, or the classified error it carries."""
    if response.status_code != 200:
        raise http_error(response, ctx)
    payload = _json_or_none(response)
    if not isinstance(payload, dict):
        raise classify(ctx, http_status=200, server_message=f"response is not JSON-RPC: {_snippet(response)}")
    error = payload.get("error")
    if error:
        data = error.get("data") if isinstance(error.get("data"), dict) else {}
        raise classify(ctx, http_status=200, server_name=str(data.get("name") or ""),
                       server_message=str(data.get("message") or error.get("message") or ""))
    return payload.get("result")  # absent when the method returned None: that is not an error


def decode_json2(response: httpx.Response, ctx: CallContext) -> Any:
    """A JSON-2 answer is the bare result on 200 (`null` included), an error body otherwise."""
    if response.status_code != 200:
        raise http_error(response, ctx)
    try:
        return response.json()
    except ValueError:
        raise classify(ctx, http_status=200, server_message=f"response is not JSON: {_snippet(response)}") from None


def decode_json_version(response: httpx.Response, ctx: CallContext) -> OdooVersion | None:
    """`GET /json/version`; None when the server has no such route (Odoo before 19)."""
    if response.status_code in (429, 502, 503, 504):
        raise http_error(response, ctx)
    payload = _json_or_none(response) if response.status_code == 200 else None
    if isinstance(payload, dict) and isinstance(payload.get("version_info"), list):
        return OdooVersion.from_info(payload["version_info"])
    return None


def http_error(response: httpx.Response, ctx: CallContext) -> Exception:
    """The classified error of a non-200 answer (JSON-2 error body, or a proxy's page)."""
    payload = _json_or_none(response)
    if isinstance(payload, dict) and ("name" in payload or "message" in payload):
        name, message = str(payload.get("name") or ""), str(payload.get("message") or "")
    else:
        name, message = "", _snippet(response)
    return classify(ctx, http_status=response.status_code, server_name=name, server_message=message,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")))


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _snippet(response: httpx.Response) -> str:
    """A short, tag-free excerpt of a non-JSON body (an HTML error page, a proxy message)."""
    text = " ".join(re.sub(r"<[^>]*>", " ", response.text).split())
    return (text[:_SNIPPET] + "…") if len(text) > _SNIPPET else (text or f"HTTP {response.status_code}")
