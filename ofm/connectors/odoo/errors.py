"""The typed error tree of the Odoo connector.

Every failure leaves the connector as exactly one of these classes, decided once by
`classify` (see `classify.py`), so callers branch on *types*, never on message text:

- `OdooTransientError`: try again later (connection, timeout, 502/503/504, 429, DB conflicts).
  - `OdooAmbiguousError`: the request may have been applied; only read-only calls are retried
    blindly, a write is resolved by looking its record up by anchor first.
- `OdooPermanentError`: retrying cannot help; the record goes to quarantine with the message.
  Subclasses say why: validation, user (business rule), missing record, access, bad request.
- `OdooAuthError`: the credentials or the database are wrong; the run must stop.

An error carries the server's exception name and message, never the request body, the API key
or the server traceback (`debug`), so it is safe to log, store in quarantine and show in Prefect.
"""

from __future__ import annotations

from typing import Any, Literal

Credential = Literal["login", "api_key", "database"]

_MAX_MESSAGE = 1000  # one line in a log or a table cell, not a page


class OdooError(Exception):
    """Base of every error the connector raises; `str()` is one line, safe to log."""

    def __init__(self, server_message: str = "", *, model: str = "", method: str = "",
                 server_name: str = "", http_status: int | None = None, protocol: str = "",
                 summary: str | None = None) -> None:
        # args holds only the server's message so the exception pickles (Prefect moves results
        # between processes) and stays free of anything the client sent.
        super().__init__(server_message)
        self.server_message = server_message
        self.model = model
        self.method = method
        self.server_name = server_name
        self.http_status = http_status
        self.protocol = protocol
        self.summary = summary

    def __str__(self) -> str:
        where = f"{self.model}.{self.method}" if self.model else (self.method or "odoo")
        text = " ".join((self.summary or self.server_message or type(self).__name__).split())
        if len(text) > _MAX_MESSAGE:
            text = text[:_MAX_MESSAGE] + "…"
        tags = [self.server_name.rsplit(".", 1)[-1] if self.server_name else "",
                f"HTTP {self.http_status}" if self.http_status is not None else "", self.protocol]
        tail = ", ".join(t for t in tags if t)
        return f"{where}: {text}" + (f" [{tail}]" if tail else "")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class OdooTransientError(OdooError):
    """Worth retrying with backoff: nothing was applied, or the server asked us to wait."""

    def __init__(self, server_message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(server_message, **kw)
        self.retry_after = retry_after


class OdooAmbiguousError(OdooTransientError):
    """The request was sent but no answer came back: it may or may not have been applied."""


class OdooPermanentError(OdooError):
    """Retrying the same request cannot succeed; quarantine it with the server's message."""


class OdooValidationError(OdooPermanentError):
    """A constraint refused the data (odoo.exceptions.ValidationError)."""


class OdooUserError(OdooPermanentError):
    """A business rule refused the operation (UserError, RedirectWarning)."""


class OdooMissingError(OdooPermanentError):
    """The record does not exist or was deleted (MissingError)."""


class OdooAccessError(OdooPermanentError):
    """The integration user lacks the rights for this model or record (AccessError)."""


class OdooRequestError(OdooPermanentError):
    """The request itself is wrong: unknown model/method/field, bad value or argument, bad JSON."""


class OdooAuthError(OdooError):
    """Credentials or database refused; `credential` says which one, never its value."""

    def __init__(self, server_message: str = "", *, credential: Credential = "api_key", **kw: Any) -> None:
        super().__init__(server_message, **kw)
        self.credential = credential
