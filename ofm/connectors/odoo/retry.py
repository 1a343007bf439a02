"""When to try a failed call again, and how long to wait first.

Two small functions, after stripe-python's `_should_retry` / `_sleep_time_seconds`: one decides,
one computes the delay, and the random part (jitter) is a parameter so tests can pin it.
A write that failed ambiguously is never retried here: resending a `create` whose answer was
lost would create the record twice. The caller resolves it by anchor (`create_idempotent`).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ofm.connectors.odoo.config import RetryPolicy
from ofm.connectors.odoo.errors import OdooAmbiguousError, OdooError, OdooTransientError
from ofm.connectors.retry_after import parse_retry_after  # noqa: F401 - re-exported

# Methods that change nothing: safe to resend after an ambiguous failure.
READ_ONLY_METHODS: frozenset[str] = frozenset({
    "read", "search", "search_read", "search_count", "fields_get", "name_search",
    "check_access_rights", "has_access", "has_group", "context_get", "version",
})


def should_retry(error: OdooError, method: str, retry: bool | None = None) -> bool:
    """Whether `method` may be sent again after `error` (the attempt limit is the caller's).

    `retry=False` turns retries off; `retry=True` declares the call idempotent, so even an
    ambiguous failure is resent; `None` retries ambiguous failures of read-only methods only.
    """
    if retry is False or not isinstance(error, OdooTransientError):
        return False
    if isinstance(error, OdooAmbiguousError):
        return retry is True or method in READ_ONLY_METHODS
    return True


def default_jitter() -> float:
    """A factor in [0.5, 1.0): spreads retries of many workers hitting the same outage."""
    return 0.5 * (1 + random.random())


def sleep_time_seconds(attempt: int, policy: RetryPolicy, retry_after: float | None = None,
                       jitter: Callable[[], float] = default_jitter) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based).

    A server's Retry-After wins (capped by `max_retry_after`); otherwise exponential backoff
    from `base_delay`, capped at `max_delay`, scaled by jitter but never below `base_delay`.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), policy.max_retry_after)
    backoff = min(policy.base_delay * 2 ** (attempt - 1), policy.max_delay)
    return max(backoff * jitter(), min(policy.base_delay, backoff))
