"""When to send a ledger-source request again, and how long to wait first.

As the procurement connector: only transient failures (connection trouble, timeouts, 429, 502/503/504)
are retried; a server's Retry-After wins over our own backoff (capped, so a bad header cannot stall a
run); the jitter is a parameter so tests can pin it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from tenacity import RetryCallState

from ofm.connectors.ledger.config import LedgerApiConfig
from ofm.connectors.ledger.errors import LedgerApiTransientError

TRANSIENT_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})


def should_retry(status: int) -> bool:
    """Whether an HTTP status may pass by itself."""
    return status in TRANSIENT_STATUSES


def default_jitter() -> float:
    """A factor in [0.5, 1.0): spreads the retries of many workers hitting the same outage."""
    return 0.5 * (1 + random.random())


def sleep_time_seconds(attempt: int, config: LedgerApiConfig, retry_after: float | None = None,
                       jitter: Callable[[], float] = default_jitter) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): Retry-After, else backoff."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), config.max_retry_after)
    backoff = min(config.base_delay * 2 ** (attempt - 1), config.max_delay)
    return max(backoff * jitter(), min(config.base_delay, backoff))


def tenacity_wait(config: LedgerApiConfig,
                  jitter: Callable[[], float] = default_jitter) -> Callable[[RetryCallState], float]:
    """`sleep_time_seconds` as a tenacity wait strategy (reads Retry-After off the failure)."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = error.retry_after if isinstance(error, LedgerApiTransientError) else None
        return sleep_time_seconds(state.attempt_number, config, retry_after, jitter)

    return wait
