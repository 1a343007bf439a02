"""What the sandbox accepts as an acknowledgement, per kind of record (the brief's contract).

Every ack carries external_id, revision, status, odoo_id, reasons and correlation_id;
`odoo_ref` ("P00012", "WH/IN/00003", "BILL/2026/11/0003") may be given, as a string or null.
The statuses allowed depend on the kind: a receipt is "applied", an invoice "posted", etc.
"""

from __future__ import annotations

from typing import Any

ACK_FIELDS = {"external_id": str, "revision": int, "status": str, "odoo_id": int, "reasons": list,
              "correlation_id": str}
OPTIONAL_FIELDS = {"odoo_ref": str}
NULLABLE = frozenset({"revision", "odoo_id", "correlation_id", "odoo_ref"})
ACK_STATUSES = ("created", "updated", "unchanged", "held", "rejected")  # suppliers
ACK_STATUSES_BY_KIND: dict[str, tuple[str, ...]] = {
    "suppliers": ACK_STATUSES,
    "purchase-orders": ("created", "updated", "unchanged", "waiting", "ignored", "rejected", "held"),
    "receipts": ("applied", "unchanged", "rejected", "held"),
    "invoices": ("posted", "draft", "held", "rejected", "unchanged"),
}
MAX_ACKS = 1000


class Invalid(ValueError):
    """A request the API rejects with 422; the message says which parameter or field."""


def check_acks(body: Any, kind: str) -> list[dict[str, Any]]:
    """The acknowledgements of a request body, each checked; Invalid names the first bad field."""
    acks = body.get("acknowledgements") if isinstance(body, dict) else None
    if not isinstance(acks, list):
        raise Invalid("body must be an object with an 'acknowledgements' list")
    if len(acks) > MAX_ACKS:
        raise Invalid(f"at most {MAX_ACKS} acknowledgements per request, got {len(acks)}")
    for i, ack in enumerate(acks):
        check_ack(ack, f"acknowledgements[{i}]", ACK_STATUSES_BY_KIND[kind])
    return acks


def check_ack(ack: Any, where: str, statuses: tuple[str, ...] = ACK_STATUSES) -> None:
    if not isinstance(ack, dict):
        raise Invalid(f"{where} must be an object")
    missing = ACK_FIELDS.keys() - ack.keys()
    extra = ack.keys() - ACK_FIELDS.keys() - OPTIONAL_FIELDS.keys()
    if missing or extra:
        raise Invalid(f"{where}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    for name, kind in (ACK_FIELDS | OPTIONAL_FIELDS).items():
        if name not in ack:
            continue
        value, nullable = ack[name], name in NULLABLE
        if (value is None and not nullable) or (value is not None and (
                not isinstance(value, kind) or isinstance(value, bool))):
            raise Invalid(f"{where}.{name}: expected {kind.__name__}{' or null' if nullable else ''}")
    if not ack["external_id"]:
        raise Invalid(f"{where}.external_id: must not be empty")
    if ack["status"] not in statuses:
        raise Invalid(f"{where}.status: {ack['status']!r} is not one of {', '.join(statuses)}")
    if not all(isinstance(reason, str) for reason in ack["reasons"]):
        raise Invalid(f"{where}.reasons: expected a list of strings")
