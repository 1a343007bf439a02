"""A sub-ledger platform's delivery API: the journal files payroll, expenses and the web shop deliver, over HTTP.

`GET /deliveries?since=<cursor>&limit=<n>` lists deliveries in a stable order (created time, then id), each
with its id, source (payroll, expenses, sales), file name, created time, size and sha256, and the cursor
to resume after it; the page carries `next_cursor` (after its last item, or `since` again when nothing is
new) and `has_more`. `GET /deliveries/{id}` answers the document byte for byte as the sender wrote the
file. Both need the bearer token. `/admin/deliveries` adds one (the same file, name and source again is
the same delivery), `/admin/samples` adds a period's `write_samples` files, `/admin/faults` arms failures:
the next calls answer 429 (with Retry-After) or 503, or lose their answer after the status line.
Demos and tests only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ofm.sandbox.ledger import write_samples
from ofm.sandbox.procurement.transport import InProcessTransport

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
CALLS = ("list", "download")
MEDIA = {".csv": "text/csv; charset=utf-8", ".json": "application/json"}


class Invalid(ValueError):
    """A request the API refuses (422) with this reason."""


class ResponseDropped(ConnectionAbortedError):
    """Raised to the server on purpose: the answer is lost after its status line."""


@dataclass(frozen=True)
class Delivery:
    """One file a sub-ledger delivered, as it wrote it."""

    id: str
    source: str
    file_name: str
    created_at: str
    content: bytes

    @property
    def key(self) -> tuple[str, str]:
        return self.created_at, self.id

    def listed(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "file_name": self.file_name, "created_at": self.created_at,
                "size": len(self.content), "sha256": hashlib.sha256(self.content).hexdigest(),
                "cursor": encode_cursor(self.key)}


@dataclass
class Faults:
    """The next `fail_next` calls answer `status` (Retry-After if set); then `drop_next` lose their answer.
    `only` limits them to one kind of call: list or download."""

    fail_next: int = 0
    status: int = 503
    retry_after: float | None = None
    drop_next: int = 0
    only: str | None = None

    def take(self, call: str) -> str | None:
        """'fail', 'drop' or None for this call (and one fewer armed)."""
        if self.only not in (None, call):
            return None
        if self.fail_next > 0:
            self.fail_next -= 1
            return "fail"
        if self.drop_next > 0:
            self.drop_next -= 1
            return "drop"
        return None


def encode_cursor(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        at, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(at), str(ident)
    except (binascii.Error, ValueError, TypeError):
        raise Invalid("since is not a cursor this API issued") from None


@dataclass
class LedgerPlatform:
    """What the API serves and remembers: the deliveries in the order they came, the token, the faults."""

    token: str = "sandbox-token"
    deliveries: list[Delivery] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)

    def add(self, source: str, file_name: str, content: str | bytes) -> tuple[Delivery, bool]:
        """Keep a delivery (created now); the same source, name and content again is the one kept before."""
        data = content.encode() if isinstance(content, str) else content
        if not source or not file_name or "/" in file_name or "\\" in file_name or file_name.startswith("."):
            raise Invalid("a delivery needs a source and a plain file name")
        for known in self.deliveries:
            if (known.source, known.file_name, known.content) == (source, file_name, data):
                return known, False
        now = datetime.now(UTC).replace(microsecond=0)
        if self.deliveries:  # created times never go back, so the order is the order of arrival
            now = max(now, datetime.fromisoformat(self.deliveries[-1].created_at))
        delivery = Delivery(f"DLV-{len(self.deliveries) + 1:06d}", source, file_name,
                            now.isoformat().replace("+00:00", "Z"), data)
        self.deliveries.append(delivery)
        return delivery, True

    def add_samples(self, period: str, booked_on: date, dirty: bool = True) -> list[Delivery]:
        """The deliveries `write_samples` writes for a period: payroll, expenses, sales, in that order."""
        with tempfile.TemporaryDirectory() as folder:
            files = write_samples(Path(folder), period, booked_on, dirty)
            return [self.add(source, path.name, path.read_bytes())[0] for source, path in files.items()]

    def after(self, since: str | None, limit: int) -> dict[str, Any]:
        """Deliveries after `since`, oldest first, at most `limit`."""
        rows = sorted(self.deliveries, key=lambda d: d.key)
        if since:
            key = decode_cursor(since)
            rows = [d for d in rows if d.key > key]
        items = [d.listed() for d in rows[:limit]]
        return {"items": items, "next_cursor": items[-1]["cursor"] if items else since,
                "has_more": len(rows) > limit}

    def get(self, ident: str) -> Delivery | None:
        return next((d for d in self.deliveries if d.id == ident), None)


# ---- HTTP --------------------------------------------------------------------------------------------------


def _platform(request: Request) -> LedgerPlatform:
    return request.app.state.platform


def _refused(request: Request) -> JSONResponse | None:
    """401 unless the request carries the bearer token (compared in constant time)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), _platform(request).token.encode()):
        return None
    return JSONResponse({"detail": "missing or invalid bearer token"}, 401, headers={"WWW-Authenticate": "Bearer"})


class _Dropped(Response):
    """A status line and a Content-Length the body never reaches, then the connection goes."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        try:
            await send({"type": "http.response.body", "body": b'{"items": [', "more_body": False})
        except Exception as err:  # h11: too little data for the declared Content-Length
            raise ResponseDropped("sandbox dropped the answer") from err
        raise ResponseDropped("sandbox dropped the answer")


def _guard(request: Request, call: str) -> Response | None:
    """The token first, then an armed fault for this kind of call."""
    refused = _refused(request)
    if refused:
        return refused
    faults = _platform(request).faults
    fault = faults.take(call)
    if fault == "drop":
        return _Dropped()
    if fault == "fail":
        headers = {"Retry-After": f"{faults.retry_after:g}"} if faults.retry_after is not None else None
        return JSONResponse({"detail": "injected fault"}, faults.status, headers=headers)
    return None


def _limit(raw: str | None) -> int:
    try:
        value = DEFAULT_LIMIT if raw is None else int(raw)
    except ValueError:
        raise Invalid("limit must be an integer") from None
    if not 1 <= value <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}")
    return value


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise Invalid("body is not JSON") from None
    if not isinstance(body, dict):
        raise Invalid("body must be a JSON object")
    return body


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "deliveries": len(_platform(request).deliveries)})


async def list_deliveries(request: Request) -> Response:
    params = request.query_params
    return _guard(request, "list") or JSONResponse(
        _platform(request).after(params.get("since") or None, _limit(params.get("limit"))))


async def get_delivery(request: Request) -> Response:
    refused = _guard(request, "download")
    if refused:
        return refused
    delivery = _platform(request).get(request.path_params["id"])
    if delivery is None:
        return JSONResponse({"detail": f"no delivery {request.path_params['id']}"}, 404)
    media = MEDIA.get(Path(delivery.file_name).suffix.lower(), "application/octet-stream")
    return Response(delivery.content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{delivery.file_name}"'})


async def add_delivery(request: Request) -> Response:
    """Body {"source": "expenses", "file_name": "expenses-2026-11-30.json", "content": "..."}."""
    refused = _refused(request)
    if refused:
        return refused
    body = await _body(request)
    if not all(isinstance(body.get(k), str) for k in ("source", "file_name", "content")):
        raise Invalid('body must be {"source": str, "file_name": str, "content": str}')
    delivery, created = _platform(request).add(body["source"], body["file_name"], body["content"])
    return JSONResponse({**delivery.listed(), "created": created}, 201 if created else 200)


async def add_samples(request: Request) -> Response:
    """Body {"period": "2026-11", "booked_on": "2026-11-30", "dirty": true}: write_samples' three files."""
    refused = _refused(request)
    if refused:
        return refused
    body = await _body(request)
    try:
        booked_on = date.fromisoformat(str(body["booked_on"]))
        period, dirty = str(body["period"]), bool(body.get("dirty", True))
    except (KeyError, ValueError):
        raise Invalid('body must be {"period": "YYYY-MM", "booked_on": "YYYY-MM-DD", "dirty": bool}') from None
    added = _platform(request).add_samples(period, booked_on, dirty)
    return JSONResponse({"items": [d.listed() for d in added]})


async def arm_faults(request: Request) -> Response:
    """Body {"fail_next": 2, "status": 429, "retry_after": 1, "drop_next": 1, "only": "download"}."""
    refused = _refused(request)
    if refused:
        return refused
    body = await _body(request)
    try:
        faults = Faults(int(body.get("fail_next", 0)), int(body.get("status", 503)),
                        None if body.get("retry_after") is None else float(body["retry_after"]),
                        int(body.get("drop_next", 0)), body.get("only"))
    except (TypeError, ValueError):
        raise Invalid("fail_next, status, drop_next must be integers and retry_after a number") from None
    if faults.only not in (None, *CALLS):
        raise Invalid(f"only must be one of {', '.join(CALLS)}")
    _platform(request).faults = faults
    return JSONResponse(faults.__dict__)


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, 422)


def create_app(token: str = "sandbox-token", deliveries: Iterable[tuple[str, str, str | bytes]] = ()) -> Starlette:
    """The ASGI app guarded by bearer `token`, holding `deliveries` ((source, file name, content), in order)."""
    app = Starlette(routes=[
        Route("/health", health),
        Route("/deliveries", list_deliveries),
        Route("/deliveries/{id}", get_delivery),
        Route("/admin/deliveries", add_delivery, methods=["POST"]),
        Route("/admin/samples", add_samples, methods=["POST"]),
        Route("/admin/faults", arm_faults, methods=["POST"]),
    ], exception_handlers={Invalid: _invalid})
    app.state.platform = LedgerPlatform(token)
    for source, name, content in deliveries:
        app.state.platform.add(source, name, content)
    return app


class LedgerApiTransport(InProcessTransport):
    """The app in this process (no port); a dropped answer surfaces as httpx's own error for one."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except ResponseDropped:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body",
                                            request=request) from None


class _QuietDrops(logging.Filter):
    """uvicorn logs an application error for every dropped answer; they are intended."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ResponseDropped))


def serve(host: str = "127.0.0.1", port: int = 8072, token: str = "sandbox-token",
          samples: tuple[str, date, bool] | None = None) -> None:
    """Run the API with uvicorn until interrupted; `samples` (period, booked on, dirty) seeds write_samples' files."""
    import uvicorn

    app = create_app(token)
    if samples:
        app.state.platform.add_samples(*samples)
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    uvicorn.run(app, host=host, port=port, log_level="warning")
