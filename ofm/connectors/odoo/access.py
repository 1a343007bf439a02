"""The integration user's model-level rights, asked of Odoo itself: for `ofm odoo check` and a run's preflight.

Odoo answers one (model, operation) per call (`has_access` on 18 and later, `check_access_rights`
before; neither writes anything) and has no call that answers several: `ir.model.access` is readable
by administrators only. So a flow's preflight asks each right of its row of the usage table once, and
a right once seen granted is not asked again by the same client (one client per process in
production): a run costs as many calls as its flow has distinct rights the first time in a process,
none after. A refused right is asked again next time, so a right granted meanwhile is seen at once.
Record rules and field groups are not model rights: they are not checked here.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ofm.connectors.odoo.errors import OdooAccessError, OdooError, OdooTransientError

if TYPE_CHECKING:
    from ofm.connectors.odoo.client import OdooClient
    from ofm.connectors.odoo.usage import OdooUsage

Right = tuple[str, str]  # (model, operation)

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
    """The rights the server refuses, asking only those this client has not yet seen granted."""
    seen = _granted.setdefault(odoo, set())
    out: list[Right] = []
    for right in dict.fromkeys(rights):
        if right in seen:
            continue
        if has_access(odoo, *right):
            seen.add(right)
        else:
            out.append(right)
    return out


def describe(usage: OdooUsage, model: str, operation: str) -> str:
    """`create on purchase.order (Odoo group purchase.group_purchase_user)`, the groups from the usage table."""
    groups = usage.groups(model, operation)
    return f"{operation} on {model}" + (f" (Odoo group {' or '.join(groups)})" if groups else "")


def require(odoo: OdooClient, flow: str, usage: OdooUsage, skip: Iterable[Right] = ()) -> None:
    """Raise OdooRightsMissing naming the flow and each missing right, unless it has them all.

    A flow that is not in the usage table (it uses no Odoo right of its own) passes."""
    if flow not in usage.flows:
        return
    skipped = set(skip)
    lacking = missing(odoo, [r for r in usage.rights(flow) if r not in skipped])
    if lacking:
        names = "; ".join(describe(usage, *right) for right in lacking)
        raise OdooRightsMissing(f"{flow}: the integration user lacks {names}; nothing was read or written "
                                f"(`ofm odoo check --flow {flow}` lists what the flow needs)")
