"""Procurement errors: one clear line each, naming the HTTP status or the file and position.

Only `ProcurementTransientError` is ever retried (connection trouble, 429, 502/503/504);
everything else fails at once. No message ever contains the bearer token.
"""

from __future__ import annotations


class ProcurementError(Exception):
    """The procurement API or a supplier file could not be read (or acknowledged)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProcurementAuthError(ProcurementError):
    """The token was refused (401/403): retrying cannot help, a person must fix the credential."""


class ProcurementTransientError(ProcurementError):
    """A failure that may pass by itself: worth another attempt after a pause."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after
