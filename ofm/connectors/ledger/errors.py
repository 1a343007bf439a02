"""Ledger-source API errors: one clear line each, naming the request and the HTTP status.

Only `LedgerApiTransientError` is ever retried (connection trouble, 429, 502/503/504, a download that
does not match its listing); everything else fails at once. No message ever contains the bearer token.
"""

from __future__ import annotations


class LedgerApiError(Exception):
    """The ledger-source API could not be read."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LedgerApiAuthError(LedgerApiError):
    """The token was refused (401/403): retrying cannot help, a person must fix OFM_LEDGER_API_TOKEN."""


class LedgerApiTransientError(LedgerApiError):
    """A failure that may pass by itself: worth another attempt after a pause."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after
