"""The webhook intake as an ASGI app (Starlette): `POST /webhooks/{source}`, `GET /healthz` (and `POST /alerts`).

A request is checked cheapest first: unknown source 404; Content-Length over the limit 413 (before reading);
the bytes actually read over the limit 413; timestamp or signature missing, wrong or stale 401; not JSON or
not an event we know 422. A valid event is stored (inbox + audit row) before anything is emitted: 202 with the
inbox id, or 200 when its event id was already stored (no second event). Then the relay emits what is pending.
Secrets are read from the settings only here and go nowhere but `signing.check`; responses and logs carry
fixed reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable

from pydantic import SecretStr, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ofm.ops.alert_receiver import alert_routes
from ofm.settings import PLACEHOLDER_SECRETS, Settings, SettingsError
from ofm.store import Store
from ofm.webhooks import signing
from ofm.webhooks.intake import CLI_SOURCE, emitted_up_to, store_approval
from ofm.webhooks.relay import ClientFactory, Relay, RelayPass
from ofm.webhooks.schemas import Envelope, approval_of

log = logging.getLogger("ofm.webhooks")
MIN_SECRET_LENGTH = 16  # outside the sandbox
STARTUP_RELAY_SECONDS = 30.0
REQUEST_RELAY_SECONDS = 5.0


class TooLarge(Exception):
    """The body is over the limit."""


def webhook_secrets(settings: Settings) -> dict[str, SecretStr]:
    """The per-source secrets; SettingsError (naming the source, never the value) when one is unusable."""
    secrets = settings.webhook_secrets
    if not secrets:
        raise SettingsError('OFM_WEBHOOK_SECRETS is not set: give one secret per source, e.g. {"procurement": "..."}')
    for source, secret in secrets.items():
        value = secret.get_secret_value().strip()
        if not value or not source.replace("-", "").replace("_", "").isalnum() or source != source.lower():
            raise SettingsError(f"OFM_WEBHOOK_SECRETS: source {source!r} needs a lowercase name and a secret")
        weak = value.lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH
        if settings.environment != "sandbox" and weak:
            raise SettingsError(f"OFM_WEBHOOK_SECRETS: the secret of {source!r} is a placeholder or shorter than "
                                f"{MIN_SECRET_LENGTH} characters (accepted only with OFM_ENVIRONMENT=sandbox)")
    return secrets


def _reply(code: int, **body: object) -> JSONResponse:
    return JSONResponse(body, status_code=code)


async def _read(request: Request, limit: int) -> bytes:
    """The body, refused as soon as more than `limit` bytes arrived (whatever Content-Length said)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        parts.append(chunk)
    return b"".join(parts)


def create_app(settings: Settings, store: Store | None = None, client: ClientFactory | None = None,
               clock: Callable[[], float] = time.time) -> Starlette:
    """The intake for these settings; `client` makes Prefect events clients (tests pass a recording one)."""
    secrets = webhook_secrets(settings)
    limit = settings.webhook_max_body_bytes
    store = store or Store(settings.database_url, lease_seconds=settings.outbox_lease_seconds)
    store.migrate()
    relay = Relay(store, [*(f"webhook:{s}" for s in sorted(secrets)), CLI_SOURCE], client)

    async def receive(request: Request) -> JSONResponse:
        source = request.path_params["source"]
        secret = secrets.get(source)
        if secret is None:
            return _reply(404, error="unknown webhook source")
        declared = request.headers.get("content-length")
        if declared is not None and (not (declared.isascii() and declared.isdigit()) or int(declared) > limit):
            return _reply(413, error=f"body larger than {limit} bytes")
        try:
            body = await _read(request, limit)
        except TooLarge:
            return _reply(413, error=f"body larger than {limit} bytes")
        timestamp = request.headers.get(signing.TIMESTAMP_HEADER)
        signature = request.headers.get(signing.SIGNATURE_HEADER)
        refused = signing.check(secret.get_secret_value(), timestamp, signature, body, clock(),
                                settings.webhook_tolerance_seconds)
        if refused:
            log.warning("webhook %s refused (401): %s", source, refused)
            return _reply(401, error=refused)
        try:
            envelope = Envelope.model_validate(json.loads(body.decode("utf-8")))
            approval = approval_of(source, envelope)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _reply(422, error="body is not JSON (UTF-8)")
        except ValidationError as exc:
            errors = exc.errors(include_input=False, include_url=False, include_context=False)
            return _reply(422, error="event does not match its schema",
                          detail=[{"loc": list(e["loc"]), "msg": e["msg"]} for e in errors[:20]])
        except ValueError as exc:
            return _reply(422, error=str(exc))
        header_id = request.headers.get(signing.EVENT_ID_HEADER)
        if header_id is not None and header_id != envelope.id:
            return _reply(422, error=f"{signing.EVENT_ID_HEADER} differs from the body's id")
        raw = {"body": body.decode("utf-8"), "timestamp": timestamp, "signature": signature}
        stored = await asyncio.to_thread(store_approval, store, f"webhook:{source}", approval, raw)
        done = await emit_now()  # also re-emits what an earlier attempt could not
        answer = {"id": stored.inbox_id, "event_id": envelope.id, "event": approval.event_name,
                  "resource": approval.resource_id}
        if stored.duplicate:
            log.info("webhook %s event %s: duplicate of inbox %s", source, envelope.id, stored.inbox_id)
            return _reply(200, status="duplicate", **answer)
        log.info("webhook %s event %s (%s) stored as inbox %s", source, envelope.id, envelope.type, stored.inbox_id)
        emitted = done is not None and stored.inbox_id in done.emitted or (  # or by a pass that ran meanwhile
            await asyncio.to_thread(emitted_up_to, store, f"webhook:{source}") >= stored.inbox_id)
        return _reply(202, status="accepted", emitted=emitted, **answer)

    passes: set[asyncio.Task] = set()

    async def emit_now() -> RelayPass | None:
        """A relay pass, waited for at most REQUEST_RELAY_SECONDS: a slow Prefect must not hold the sender
        (it would retry); the pass goes on in the background and the event is emitted all the same."""
        task = asyncio.create_task(relay.run())
        passes.add(task)
        task.add_done_callback(passes.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(task), REQUEST_RELAY_SECONDS)
        except TimeoutError:
            return None

    async def healthz(_: Request) -> JSONResponse:
        return _reply(200, status="ok")

    async def periodic() -> None:
        while True:
            await asyncio.sleep(settings.webhook_relay_seconds)
            await relay.run()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # first, what a previous process stored but could not emit (bounded: an unreachable Prefect must not
        # keep the intake from taking requests; they are stored and the periodic pass emits them)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(relay.run(), STARTUP_RELAY_SECONDS)
        task = asyncio.create_task(periodic())
        try:
            yield
        finally:
            for running in (task, *passes):
                running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(task, *passes, return_exceptions=True)
            store.close()

    app = Starlette(routes=[Route("/webhooks/{source}", receive, methods=["POST"]),
                            Route("/healthz", healthz, methods=["GET"]), *alert_routes(settings)], lifespan=lifespan)
    app.state.relay = relay
    app.state.store = store
    return app
