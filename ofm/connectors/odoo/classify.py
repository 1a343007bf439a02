"""The one place that decides which error class a failure is.

Inputs are what the wire layer could observe: a transport exception, or the HTTP status plus
the server's exception name and message (JSON-RPC `error.data`, JSON-2 error body). The rules
below were derived from a real Odoo 19 server (`odoo-contract/errors_jsonrpc`, `json2`):

- JSON-RPC answers every error with HTTP 200, so the exception *name* decides;
- JSON-2 answers with 401/403/404/422/500/400, and its body names the exception as well;
- a few names lie about their cause and are corrected by message: an unknown model is a
  `UserError` ("Object x doesn't exist"), a private method an `AccessError`; both are
  mistakes in the request, not business refusals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from ofm.connectors.odoo.errors import (
    Credential,
    OdooAccessError,
    OdooAmbiguousError,
    OdooAuthError,
    OdooError,
    OdooMissingError,
    OdooPermanentError,
    OdooRequestError,
    OdooTransientError,
    OdooUserError,
    OdooValidationError,
)

_BY_NAME: dict[str, type[OdooError]] = {
    "odoo.exceptions.ValidationError": OdooValidationError,
    "odoo.exceptions.UserError": OdooUserError,
    "odoo.exceptions.RedirectWarning": OdooUserError,
    "odoo.exceptions.MissingError": OdooMissingError,
    "odoo.exceptions.AccessError": OdooAccessError,
}
# PostgreSQL rolled the transaction back: nothing was applied, a retry is safe even for a create.
_CONFLICT_NAMES = ("SerializationFailure", "TransactionRollbackError", "DeadlockDetected", "LockNotAvailable")
_CONFLICT_PHRASES = ("could not serialize access", "concurrent update", "deadlock detected")
_UNKNOWN_DB = re.compile(r'database "[^"]*" does not exist')
_REQUEST_MISTAKES = (re.compile(r"^Object \S+ doesn't exist"), re.compile(r"^Private methods \(such as"))


@dataclass(frozen=True)
class CallContext:
    """Which call failed, for the error's message; never what was sent in it."""

    model: str
    method: str
    protocol: str
    url: str
    db: str
    login: str
    secret: SecretStr = field(default=SecretStr(""), repr=False)


def classify(ctx: CallContext, *, exc: httpx.RequestError | None = None, http_status: int | None = None,
             server_name: str = "", server_message: str = "",
             retry_after: float | None = None) -> OdooError:
    """The error for one failed call. Order matters: credentials first, then DB conflicts,
    then the server's exception name, and the HTTP status only when the name says nothing."""
    if exc is not None:
        return _make(_transport_class(exc), ctx, f"{type(exc).__name__}: {exc}", None, "")
    message = _redact(server_message, ctx.secret)
    short = server_name.rsplit(".", 1)[-1]
    lowered = message.lower()

    def make(cls: type[OdooError], **extra: Any) -> OdooError:
        return _make(cls, ctx, message, http_status, server_name, **extra)

    if short == "AccessDenied" or http_status == 401:
        return auth_error(ctx, "api_key", message, http_status, server_name)
    if _UNKNOWN_DB.search(message) or (http_status == 404 and not server_name and "database" in lowered):
        return auth_error(ctx, "database", message, http_status, server_name)
    if any(n in server_name for n in _CONFLICT_NAMES) or any(p in lowered for p in _CONFLICT_PHRASES):
        return make(OdooTransientError)
    if server_name in ("psycopg2.OperationalError", "psycopg2.InterfaceError"):
        return make(OdooTransientError)  # Odoo could not reach its database: nothing was applied
    if server_name in _BY_NAME:
        if any(p.search(message) for p in _REQUEST_MISTAKES):
            return make(OdooRequestError)
        return make(_BY_NAME[server_name])
    if server_name.startswith(("builtins.", "psycopg2.")):
        return make(OdooRequestError)  # bad value, argument, field or method
    cls = _by_status(http_status)
    return make(cls, retry_after=retry_after) if issubclass(cls, OdooTransientError) else make(cls)


def auth_error(ctx: CallContext, credential: Credential, server_message: str = "",
               http_status: int | None = None, server_name: str = "") -> OdooAuthError:
    """Name the refused credential and where, never its value."""
    where = f"Odoo at {ctx.url} (database {ctx.db!r})"
    summary = {
        "api_key": f"{where} refused the API key of login {ctx.login!r}",
        "login": f"{where} refused login {ctx.login!r} (unknown login, or the API key is not this user's)",
        "database": f"Odoo at {ctx.url} has no database {ctx.db!r}",
    }[credential]
    error = _make(OdooAuthError, ctx, _redact(server_message, ctx.secret), http_status, server_name,
                  credential=credential)
    error.summary = summary
    return error  # type: ignore[return-value]


def _by_status(status: int | None) -> type[OdooError]:
    if status in (429, 503):
        return OdooTransientError
    if status in (502, 504):
        return OdooAmbiguousError  # a gateway may have forwarded the request before giving up
    if status == 403:
        return OdooAccessError
    if status is not None and (400 <= status < 500 or status == 500):
        return OdooRequestError
    return OdooPermanentError


def _transport_class(exc: httpx.RequestError) -> type[OdooError]:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError):
        return OdooTransientError  # never reached the server
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError | httpx.TooManyRedirects):
        return OdooRequestError
    return OdooAmbiguousError  # read timeout, disconnect, broken response: the request went out


def _make(cls: type[OdooError], ctx: CallContext, message: str, status: int | None, name: str,
          **extra: Any) -> OdooError:
    return cls(message, model=ctx.model, method=ctx.method, server_name=name, http_status=status,
               protocol=ctx.protocol, **extra)


def _redact(text: str, secret: SecretStr) -> str:
    """Servers echo arguments in messages; make sure the key is never one of them."""
    value = secret.get_secret_value()
    return text.replace(value, "<redacted>") if len(value) >= 6 else text
