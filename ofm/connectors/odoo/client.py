"""The Odoo client: one logical call, sent over JSON-2 or JSON-RPC, retried only when safe.

The protocol is chosen from the server version (JSON-2 from Odoo 19, where `/jsonrpc` is
deprecated), detected lazily and once. Every failure is classified once (`classify.py`);
this module only loops: it asks `should_retry` and sleeps `sleep_time_seconds`. `sleep` and
`jitter` are parameters so tests run instantly and deterministically; `transport` lets tests
and the in-process sandbox stand in for the network.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import httpx

from ofm.connectors.odoo.anchors import AnchorMethods
from ofm.connectors.odoo.classify import CallContext, auth_error, classify
from ofm.connectors.odoo.config import JSON2_MIN_MAJOR, OdooConfig, OdooVersion
from ofm.connectors.odoo.dialect import Dialect, dialect_for, translated_models
from ofm.connectors.odoo.errors import OdooError
from ofm.connectors.odoo.retry import default_jitter, should_retry, sleep_time_seconds
from ofm.connectors.odoo.stats import CallStats
from ofm.connectors.odoo.wire import (
    decode_json2,
    decode_json_version,
    decode_jsonrpc,
    execute_kw_args,
    json2_body,
    jsonrpc_body,
)

log = logging.getLogger("ofm.connectors.odoo")
T = TypeVar("T")
USER_AGENT = "ofm-odoo-connector/1"


class OdooClient(AnchorMethods):
    """A synchronous Odoo client for one database and one integration user."""

    def __init__(self, config: OdooConfig, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = default_jitter) -> None:
        self.config = config
        self.stats = CallStats()
        self._sleep = sleep
        self._jitter = jitter
        self._http = httpx.Client(base_url=config.url, transport=transport, timeout=config.timeout_seconds,
                                  headers={"User-Agent": USER_AGENT})
        self._ids = itertools.count(1)
        self._version: OdooVersion | None = None
        self._dialect: Dialect | None = None
        self._uid: int | None = None

    # -- connection facts, each learnt once ------------------------------------------------
    @property
    def version(self) -> OdooVersion:
        """The server version: `GET /json/version`, falling back to `common.version`."""
        if self._version is None:
            ctx = self._ctx("", "version", "json2")
            found = self._with_retries(ctx, lambda: decode_json_version(self._send(ctx, "GET", "/json/version"), ctx),
                                       retry=True)
            if found is None:
                ctx = self._ctx("", "version", "jsonrpc")
                info = self._with_retries(ctx, lambda: self._rpc(ctx, "common", "version", []), retry=True)
                found = OdooVersion.from_info(info["server_version_info"])
            self._version = found
        return self._version

    @property
    def dialect(self) -> Dialect:
        """The server's field names (`dialect.py`): the flows' Odoo 19 names are translated to them."""
        if self._dialect is None:
            self._dialect = dialect_for(self.version.major)
        return self._dialect

    @property
    def protocol(self) -> Literal["json2", "jsonrpc"]:
        """The configured protocol, or for "auto" the one the server version calls for."""
        if self.config.protocol != "auto":
            return self.config.protocol
        return "json2" if self.version.major >= JSON2_MIN_MAJOR else "jsonrpc"

    @property
    def uid(self) -> int:
        """The integration user's id (JSON-RPC needs it in every call)."""
        if self._uid is None:
            self._uid = self._authenticate() if self.protocol == "jsonrpc" else self._json2_uid()
        return self._uid

    # -- the one call --------------------------------------------------------------------
    def call(self, model: str, method: str, args: list[Any] | None = None, kwargs: dict[str, Any] | None = None,
             ids: list[int] | None = None, retry: bool | None = None) -> Any:
        """Call `model.method` and return its result; raises a classified `OdooError`.

        Transient failures are retried with backoff; an ambiguous one (the request may have been
        applied) only for read-only methods, unless `retry=True` declares the call idempotent.
        """
        protocol = self.protocol
        dialect = self.dialect if model in translated_models() else None
        if dialect is not None:
            args, kwargs = dialect.request(model, method, args, kwargs)
        ctx = self._ctx(model, method, protocol)
        if protocol == "json2":
            body = json2_body(method, args, kwargs, ids)
            path = f"/json/2/{model}/{method}"

            def send() -> Any:
                return decode_json2(self._send(ctx, "POST", path, body, self._json2_headers()), ctx)
        else:
            rpc_args = execute_kw_args(self.config.db, self.uid, self.config.api_key.get_secret_value(),
                                       model, method, args, kwargs, ids)

            def send() -> Any:
                return self._rpc(ctx, "object", "execute_kw", rpc_args)

        def counted() -> Any:
            self.stats.record(model, method)
            return send()

        result = self._with_retries(ctx, counted, retry)
        return dialect.answer(model, method, result) if dialect is not None else result

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> OdooClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OdooClient(url={self.config.url!r}, db={self.config.db!r}, login={self.config.login!r})"

    # -- internals -----------------------------------------------------------------------
    def _with_retries(self, ctx: CallContext, send: Callable[[], T], retry: bool | None) -> T:
        policy = self.config.retry
        for attempt in itertools.count(1):
            try:
                return send()
            except OdooError as err:
                if attempt >= policy.max_attempts or not should_retry(err, ctx.method, retry):
                    raise
                delay = sleep_time_seconds(attempt, policy, getattr(err, "retry_after", None), self._jitter)
                log.warning("%s; retry %d of %d in %.2f s", err, attempt, policy.max_attempts - 1, delay)
                self.stats.retries += 1
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, ctx: CallContext, verb: str, path: str, body: Any = None,
              headers: dict[str, str] | None = None) -> httpx.Response:
        log.debug("odoo %s %s.%s", ctx.protocol, ctx.model or "-", ctx.method)
        try:
            return self._http.request(verb, path, json=body, headers=headers)
        except httpx.RequestError as exc:
            raise classify(ctx, exc=exc) from exc

    def _rpc(self, ctx: CallContext, service: str, method: str, args: list[Any]) -> Any:
        body = jsonrpc_body(next(self._ids), service, method, args)
        return decode_jsonrpc(self._send(ctx, "POST", "/jsonrpc", body), ctx)

    def _json2_headers(self) -> dict[str, str]:
        return {"Authorization": f"bearer {self.config.api_key.get_secret_value()}",
                "X-Odoo-Database": self.config.db}

    def _authenticate(self) -> int:
        """`common.authenticate`: a wrong login or key answers `false`, not an error."""
        ctx = self._ctx("", "authenticate", "jsonrpc")
        cfg = self.config
        args = [cfg.db, cfg.login, cfg.api_key.get_secret_value(), {}]
        uid = self._with_retries(ctx, lambda: self._rpc(ctx, "common", "authenticate", args), retry=True)
        if not isinstance(uid, int) or isinstance(uid, bool):
            raise auth_error(ctx, "login")
        return uid

    def _json2_uid(self) -> int:
        """The key's user from `res.users.context_get`, else by searching the login."""
        context = self.call("res.users", "context_get")
        if isinstance(context, dict) and isinstance(context.get("uid"), int):
            return int(context["uid"])
        found = self.call("res.users", "search", args=[[["login", "=", self.config.login]]], kwargs={"limit": 1})
        if not found:
            raise auth_error(self._ctx("res.users", "search", "json2"), "login")
        return int(found[0])

    def _ctx(self, model: str, method: str, protocol: str) -> CallContext:
        cfg = self.config
        return CallContext(model=model, method=method, protocol=protocol, url=cfg.url, db=cfg.db,
                           login=cfg.login, secret=cfg.api_key)
