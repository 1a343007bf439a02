"""Procure-to-pay policy as data (`mappings/procurement/p2p.yaml`): status map, routing, taxes, units.

Parsing is pure (`parse_p2p_policy`); `load_p2p_policy` reads the file (OFM_P2P_POLICY, else the
bundled one), cached per modification time. Every error names the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from ofm.rules.policy_file import PolicyReader, load_policy_file

BUNDLED = Path(__file__).resolve().parent / "procurement" / "p2p.yaml"
ACTIONS = ("sync", "cancel", "ignore")
_TOP = {"status", "legal_entities", "taxes", "units", "analytic", "receipts"}


class P2PPolicyError(ValueError):
    """The procure-to-pay policy file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class P2PPolicy:
    """A validated procure-to-pay policy (see p2p.yaml for what each value means)."""

    source: str
    status: MappingProxyType[str, str]
    companies: MappingProxyType[str, str]
    taxes: MappingProxyType[str, str]
    units: MappingProxyType[str, str]
    analytic: MappingProxyType[str, str]
    backorder: Literal["create", "cancel"]
    over_receipt_percent: Decimal

    def analytic_code(self, cost_center: str) -> str:
        """The Odoo analytic account code of a cost center (its own code when not mapped)."""
        return self.analytic.get(cost_center, cost_center)


class _Reader(PolicyReader):
    error = P2PPolicyError

    def names(self, node: Any, key: str) -> dict[str, str]:
        node = {} if node is None else self.mapping(node, key)
        for k, v in node.items():
            if not isinstance(v, str) or not v.strip():
                raise self.fail(f"{key}.{k}", "must be a non-empty name")
        return {str(k): v.strip() for k, v in node.items()}


def parse_p2p_policy(doc: Any, source: str) -> P2PPolicy:
    """Validate a parsed p2p.yaml completely."""
    r = _Reader(source)
    doc = r.mapping(doc, "(top)", _TOP)
    for key in ("status", "legal_entities", "taxes", "units"):
        if key not in doc:
            raise r.fail(key, "missing")
    status = r.names(doc["status"], "status")
    for k, v in status.items():
        if v not in ACTIONS:
            raise r.fail(f"status.{k}", f"{v!r} is not one of {', '.join(ACTIONS)}")
    companies = {}
    for k, v in r.mapping(doc["legal_entities"], "legal_entities").items():
        entry = r.mapping(v, f"legal_entities.{k}", {"company"})
        companies[str(k)] = r.names(entry, f"legal_entities.{k}").get("company") or ""
        if not companies[str(k)]:
            raise r.fail(f"legal_entities.{k}.company", "missing")
    receipts = r.mapping(doc.get("receipts") or {}, "receipts", {"backorder", "over_receipt_percent"})
    backorder = receipts.get("backorder", "create")
    if backorder not in ("create", "cancel"):
        raise r.fail("receipts.backorder", f"{backorder!r} is not create or cancel")
    try:
        over = Decimal(str(receipts.get("over_receipt_percent", 0)))
    except InvalidOperation:
        raise r.fail("receipts.over_receipt_percent", "must be a number") from None
    if over < 0 or isinstance(receipts.get("over_receipt_percent"), bool):
        raise r.fail("receipts.over_receipt_percent", "must be a number >= 0")
    return P2PPolicy(source=source, status=MappingProxyType(status), companies=MappingProxyType(companies),
                     taxes=MappingProxyType(r.names(doc["taxes"], "taxes")),
                     units=MappingProxyType(r.names(doc["units"], "units")),
                     analytic=MappingProxyType(r.names(doc.get("analytic"), "analytic")),
                     backorder=backorder, over_receipt_percent=over)


def load_p2p_policy(path: str | Path | None = None) -> P2PPolicy:
    """The validated policy at `path` (else the bundled file)."""
    return load_policy_file(path, BUNDLED, parse_p2p_policy, P2PPolicyError, "procure-to-pay policy")
