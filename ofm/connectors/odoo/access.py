"""The integration user's model-level rights, asked of Odoo itself: for `ofm odoo check` and a run's preflight.

Odoo answers one (model, operation) per call (`has_access` on 18 and later, `check_access_rights`
before; neither writes anything) and has no call that answers several: `ir.model.access` is readable
by administrators only. So a flow's preflight asks each right of its row of the usage table once (all at
once, in a few threads: about one round trip of wall time), and
a right once seen granted is not asked again by the same client (one client per process in
production): a run costs as many calls as its flow has distinct rights the first time in a process,
none after. A refused right is asked again next time, so a right granted meanwhile is seen at once.
Record rules and field groups are not model rights: they are not checked here.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from ofm.connectors.odoo.errors import OdooAccessError, OdooError, OdooTransientError

if TYPE_CHECKING:
    from ofm.connectors.odoo.client import OdooClient
    from ofm.connectors.odoo.usage import OdooUsage

Right = tuple[str, str]  # (model, operation)
_PARALLEL = 8  # questions in flight at once: a flow has 2 to 13 rights

_granted: weakref.WeakKeyDictionary[OdooClient, set[Right]] = weakref.WeakKeyDictionary()


class OdooRightsMissing(OdooAccessError):
    """A run refused before it read or wrote anything: the integration user lacks rights its flow needs."""

    def __str__(self) -> str:  # the whole sentence is the message (and survives pickling as the only arg)
        return self.server_message


def has_access(odoo: OdooClient, model: str, operation: str) -> bool:
    """Whether the integration user may `operation` on `model`; a transient failure is raised, not a 'no'."""
    try:
        if odoo.version.major >= 18:
            # a record method: over JSON-RPC Odoo reads the first argument as ids, so send none
            return bool(odoo.call(model, "has_access", ids=[], kwargs={"operation": operation}))
        return bool(odoo.call(model, "check_access_rights", args=[operation], kwargs={"raise_exception": False}))
    except OdooTransientError:
        raise
    except OdooError:  # an unknown model or operation: not granted
        return False


def missing(odoo: OdooClient, rights: Iterable[Right]) -> list[Right]:
    """The rights the server refuses, in order, asking only those this client has not yet seen granted.

    The questions go out together (a few threads on the client's connection pool): the preflight costs about
    one round trip of wall time, not one per right."""
    seen = _granted.setdefault(odoo, set())
    ask = [right for right in dict.fromkeys(rights) if right not in seen]
    if not ask:
        return []
    if odoo.protocol == "jsonrpc":  # version, protocol and (JSON-RPC) uid learnt once, before the threads
        odoo.uid  # noqa: B018
    with ThreadPoolExecutor(max_workers=min(_PARALLEL, len(ask)), thread_name_prefix="ofm-rights") as pool:
        answers = list(pool.map(lambda right: has_access(odoo, *right), ask))
    seen.update(right for right, yes in zip(ask, answers, strict=True) if yes)
    return [right for right, yes in zip(ask, answers, strict=True) if not yes]


def describe(usage: OdooUsage, model: str, operation: str) -> str:
    """`create on purchase.order (Odoo group purchase.group_purchase_user)`, the groups from the usage table."""
    groups = usage.groups(model, operation)
    return f"{operation} on {model}" + (f" (Odoo group {' or '.join(groups)})" if groups else "")


def require(odoo: OdooClient, flow: str, usage: OdooUsage, skip: Iterable[Right] = ()) -> None:
    """Raise OdooRightsMissing naming the flow and each missing right, unless it has them all.

    `flow` may be a run that chains flows (an alias of the table: procure-to-pay): then the rights of all of
    them, before the first writes. A name the table does not know (a flow using no Odoo right) passes."""
    if flow not in usage.names():
        return
    skipped = set(skip)
    needs: dict[Right, list[str]] = {}
    for name in usage.expand(flow):
        for right in usage.rights(name):
            if right not in skipped:
                needs.setdefault(right, []).append(name)
    lacking = missing(odoo, needs)
    if lacking:
        chained = flow in usage.aliases
        names = "; ".join(describe(usage, *right) + (f" for {', '.join(needs[right])}" if chained else "")
                          for right in lacking)
        raise OdooRightsMissing(f"{flow}: the integration user lacks {names}; nothing was read or written "
                                f"(`ofm odoo check --flow {flow}` lists what the flow needs)")
