"""When to send a request to a source system's HTTP API again, and how long to wait first (the procurement
and the ledger-source connectors share it).

After stripe-python's `_should_retry` / `_sleep_time_seconds` and dlt's REST helpers: only transient
failures (connection trouble, timeouts, 429, 502/503/504) are retried; a refused token or a rejected
request never is. A server's Retry-After wins over our own backoff (capped, so a bad header cannot stall
a run). The jitter is a parameter so tests can pin it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from tenacity import RetryCallState

# Statuses worth another attempt: the gateway or the service is briefly unavailable, or busy.
TRANSIENT_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})


class Backoff(Protocol):
    """What a connector's config says about waiting: seconds before the first retry, the backoff's cap, the cap
    on a server's Retry-After."""

    base_delay: float
    max_delay: float
    max_retry_after: float


def should_retry(status: int) -> bool:
    """Whether an HTTP status may pass by itself."""
    return status in TRANSIENT_STATUSES


def default_jitter() -> float:
    """A factor in [0.5, 1.0): spreads the retries of many workers hitting the same outage."""
    return 0.5 * (1 + random.random())


def sleep_time_seconds(attempt: int, config: Backoff, retry_after: float | None = None,
                       jitter: Callable[[], float] = default_jitter) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): Retry-After, else backoff."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), config.max_retry_after)
    backoff = min(config.base_delay * 2 ** (attempt - 1), config.max_delay)
    return max(backoff * jitter(), min(config.base_delay, backoff))


def tenacity_wait(config: Backoff, transient: type[Exception],
                  jitter: Callable[[], float] = default_jitter) -> Callable[[RetryCallState], float]:
    """`sleep_time_seconds` as a tenacity wait strategy (reads Retry-After off a `transient` failure)."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None) if isinstance(error, transient) else None
        return sleep_time_seconds(state.attempt_number, config, retry_after, jitter)

    return wait
