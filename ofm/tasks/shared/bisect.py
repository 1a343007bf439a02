"""A batch write that isolates the records Odoo refuses: shared by every flow that creates in batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def write_bisecting(pairs: list[T], write: Callable[[list[T]], list[int]]) -> list[tuple[T, int | Exception]]:
    """Write a batch; on a permanent rejection split it until each guilty record stands alone."""
    from ofm.connectors.odoo import OdooAuthError, OdooPermanentError, OdooTransientError
    from ofm.store import NotOwnerError

    try:
        return list(zip(pairs, write(pairs), strict=True))
    except OdooAuthError:
        raise
    except NotOwnerError as exc:  # the lease ran out and another run took the keys: nothing was sent
        return [(p, exc) for p in pairs]
    except OdooPermanentError as exc:
        if len(pairs) == 1:
            return [(pairs[0], exc)]
        mid = len(pairs) // 2
        return write_bisecting(pairs[:mid], write) + write_bisecting(pairs[mid:], write)
    except OdooTransientError as exc:  # retries exhausted: nothing is known to be written
        return [(p, exc) for p in pairs]
