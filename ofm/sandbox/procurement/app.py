"""The procurement sandbox over HTTP: the supplier and P2P APIs the connector reads, plus admin knobs.

`GET /api/v1/{suppliers,purchase-orders,receipts,invoices}` page by number (`page`,
`page_size`) or by cursor (`limit`, `cursor`), whichever parameters are given, sorted by
(updated_at, id), `updated_since` inclusive; `POST /api/v1/<kind>/acknowledgements` takes
acks back. Everything but `/health` needs the bearer token. `/admin/*` drives the demo:
advance to the next day, list what was acknowledged (`?kind=`, suppliers by default), list
the dirty records, arm faults.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ofm.sandbox.procurement.dirty import DIRTY_CASES, STATUS_CASES
from ofm.sandbox.procurement.platform_state import ALL_KINDS, Invalid, ProcurementPlatform, parse_time

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _platform(request: Request) -> ProcurementPlatform:
    return request.app.state.platform


def _refused(request: Request) -> JSONResponse | None:
    """401 unless the request carries the expected bearer token (compared in constant time)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    expected = _platform(request).token.encode()
    if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), expected):
        return None
    return JSONResponse({"detail": "missing or invalid bearer token"}, 401, headers={"WWW-Authenticate": "Bearer"})


def _fault(request: Request) -> JSONResponse | None:
    faults = _platform(request).faults
    if not faults.take():
        return None
    headers = {"Retry-After": f"{faults.retry_after:g}"} if faults.retry_after is not None else None
    return JSONResponse({"detail": "injected fault"}, faults.status, headers=headers)


def _int(params: Any, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise Invalid(f"{name} must be between {low} and {high}")
    return value


def _kind_of(request: Request) -> str:
    """The record kind a route serves: the path segment after /api/v1/."""
    return request.url.path.split("/")[3]


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "day": request.app.state.platform.day})


async def list_records(request: Request) -> JSONResponse:
    refused = _refused(request) or _fault(request)
    if refused:
        return refused
    params, platform, kind = request.query_params, _platform(request), _kind_of(request)
    raw_since = params.get("updated_since")
    since: datetime | None = parse_time(raw_since) if raw_since else None
    by_cursor = "cursor" in params or "limit" in params
    if by_cursor and ("page" in params or "page_size" in params):
        raise Invalid("use either page/page_size or limit/cursor, not both")
    if by_cursor:
        limit = _int(params, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        return JSONResponse(platform.after(since, params.get("cursor") or None, limit, kind))
    page = _int(params, "page", 1, 1, 10**9)
    size = _int(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    return JSONResponse(platform.page(since, page, size, kind))


async def post_acknowledgements(request: Request) -> JSONResponse:
    refused = _refused(request) or _fault(request)
    if refused:
        return refused
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise Invalid("body is not JSON") from None
    return JSONResponse(_platform(request).receive_acks(body, _kind_of(request)))


async def advance(request: Request) -> JSONResponse:
    return _refused(request) or JSONResponse(_platform(request).advance())


async def list_acknowledgements(request: Request) -> JSONResponse:
    refused = _refused(request)
    if refused:
        return refused
    kind = request.query_params.get("kind", "suppliers")
    if kind not in ALL_KINDS:
        raise Invalid(f"kind must be one of {', '.join(ALL_KINDS)}")
    acks = _platform(request).acks_by_kind[kind]
    return JSONResponse({"items": [acks[key] for key in sorted(acks)], "total": len(acks)})


async def list_dirty(request: Request) -> JSONResponse:
    refused = _refused(request)
    if refused:
        return refused
    return JSONResponse({"cases": _platform(request).cases, "descriptions": DIRTY_CASES | STATUS_CASES})


async def arm_faults(request: Request) -> JSONResponse:
    """Body {"fail_next": 2, "status": 503, "retry_after": 1}: the next 2 API calls fail."""
    refused = _refused(request)
    if refused:
        return refused
    try:
        body = json.loads(await request.body() or b"{}")
        fail_next, status = int(body.get("fail_next", 1)), int(body.get("status", 503))
        retry_after = body.get("retry_after")
        retry_after = None if retry_after is None else float(retry_after)
    except (ValueError, TypeError, AttributeError):
        raise Invalid("body must be {\"fail_next\": int, \"status\": int, \"retry_after\": number|null}") from None
    faults = _platform(request).faults
    faults.fail_next, faults.status, faults.retry_after = fail_next, status, retry_after
    return JSONResponse({"fail_next": fail_next, "status": status, "retry_after": retry_after})


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, 422)


def create_app(n: int = 300, seed: int = 7, token: str = "sandbox-token", id_prefix: str = "SUP",
               p2p: bool = True, buyer: str = "DE") -> Starlette:
    """The ASGI app over `n` generated suppliers (seed `seed`) guarded by bearer `token`;
    with `p2p` also the purchase orders, receipts and invoices of `p2p.py`, as `buyer` (buyers.py) sends them."""
    app = Starlette(routes=[
        Route("/health", health),
        *(Route(f"/api/v1/{kind}", list_records) for kind in ALL_KINDS),
        *(Route(f"/api/v1/{kind}/acknowledgements", post_acknowledgements, methods=["POST"]) for kind in ALL_KINDS),
        Route("/admin/advance", advance, methods=["POST"]),
        Route("/admin/acknowledgements", list_acknowledgements),
        Route("/admin/dirty", list_dirty),
        Route("/admin/faults", arm_faults, methods=["POST"]),
    ], exception_handlers={Invalid: _invalid})
    app.state.platform = ProcurementPlatform(n, seed, token, id_prefix, p2p, buyer)
    return app


def serve(host: str = "127.0.0.1", port: int = 8071, n: int = 300, seed: int = 7,
          token: str = "sandbox-token", buyer: str = "DE") -> None:
    """Run the sandbox with uvicorn until interrupted (log level warning)."""
    import uvicorn

    uvicorn.run(create_app(n, seed, token, buyer=buyer), host=host, port=port, log_level="warning")
