"""A write to Odoo whose answer was lost, finished in the same run instead of failing it.

An ambiguous failure (`OdooAmbiguousError`: a read timeout after Odoo committed, a dropped connection, a 502 from
the proxy) says nothing about whether Odoo applied the write. The client never resends a write after one (a
create sent twice is two records; `create_idempotent` settles those by anchor). For the other writes the flows
make, the caller says which of two kinds it is:
- idempotent (the same values written again, a lock date set again): sent again as it is;
- not idempotent (a `reconcile`, a post, a reversal): Odoo is asked first which items still lack the effect
  (`pending`), and only those are sent again; if none, the write is done.
Either way after the client's own backoff, and at most as many times as the client would try a call; the last
ambiguous failure is raised (the caller's outbox keys stay `sent`, and the next run settles them from Odoo).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ofm.tasks.shared.resources import resources

T = TypeVar("T")
log = logging.getLogger(__name__)


def send_settled(what: str, send: Callable[[list[T]], Any], items: Sequence[T],
                 pending: Callable[[list[T]], list[T]] | None = None, odoo: Any = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
    """`send(items)`; after an ambiguous failure, `pending(items)` (None: the write is idempotent, all of them)
    are sent again, until Odoo answers or shows none pending. `what` names the write in the log line; `odoo`:
    the client whose retry policy counts the attempts (default: the run's)."""
    from ofm.connectors.odoo import OdooAmbiguousError
    from ofm.connectors.odoo.retry import default_jitter, sleep_time_seconds

    todo = list(items)
    if not todo:
        return
    policy = (odoo or resources().odoo).config.retry
    for attempt in range(1, policy.max_attempts + 1):
        try:
            send(todo)
            return
        except OdooAmbiguousError as err:
            if attempt >= policy.max_attempts:
                raise
            sleep(sleep_time_seconds(attempt, policy, err.retry_after, default_jitter))
            before = len(todo)
            todo = todo if pending is None else pending(todo)
            log.warning("%s: %s; %s", what, err,
                        f"sending again ({len(todo)} of {before})" if todo else "Odoo shows it done")
            if not todo:
                return
