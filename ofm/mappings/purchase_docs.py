"""Raw procurement purchase orders and goods receipts -> canonical `PurchaseOrder` / `GoodsReceipt`.

The platform's JSON (see docs in README, "Procure-to-pay") is close to the canonical shape, so the
mapping is code rather than YAML: rename, convert, validate. A record that does not map raises
`DocumentError` naming the record and the field path (`PO-2026-0007 lines[1].quantity: ...`); the
flow puts it in quarantine with that text. Quantities and prices must be decimal strings or
integers; a float is refused (it may already have lost a cent).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ofm.canonical import GoodsReceipt, Lineage, PurchaseOrder
from ofm.canonical.money import out_of_range
from ofm.canonical.procurement import ApprovalStatus

STATUS = {"draft": ApprovalStatus.DRAFT, "pending_approval": ApprovalStatus.PENDING,
          "pending": ApprovalStatus.PENDING, "approved": ApprovalStatus.APPROVED,
          "rejected": ApprovalStatus.REJECTED, "cancelled": ApprovalStatus.CANCELLED}


class DocumentError(ValueError):
    """A raw document that cannot become a canonical one; `field` is the path that failed."""

    def __init__(self, record: str, field: str, problem: str) -> None:
        problem = problem if len(problem) <= 300 else f"{problem[:300]}… ({len(problem)} characters)"
        super().__init__(f"{record} {field}: {problem}")
        self.record, self.field, self.problem = record, field, problem


def field_path(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as `lines[1].unit_price.amount`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(record)"


def _validate(model: type, data: dict[str, Any], record: str, rename: dict[str, str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(rename.get(p, p) if isinstance(p, str) else p for p in first["loc"])
        raise DocumentError(record, field_path(loc), first["msg"]) from None


def _need(raw: dict[str, Any], key: str, record: str) -> Any:
    value = raw.get(key)
    if value is None or value == "":
        raise DocumentError(record, key, "missing")
    return value


def _line_no(value: Any, record: str, where: str) -> str:
    text = str(value).strip()  # ASCII digits only: '²' is a digit to str.isdigit, not to int()
    if isinstance(value, bool) or not isinstance(value, int | str) or not (text.isascii() and text.isdigit()) \
            or int(text) <= 0:
        raise DocumentError(record, where, f"must be a positive whole line number, got {value!r}")
    return str(int(str(value)))


def _money(value: Any, currency: str) -> Any:
    return {"amount": value, "currency": currency} if value is not None else None


# Canonical field -> raw field, for error messages that name what the sender sent.
_ORDER_NAMES = {"number": "id", "approval_status": "status", "supplier_ref": "supplier.id",
                "lines": "lines", "line_ref": "line_no", "product_code": "item_code", "unit": "uom",
                "analytic_distribution": "cost_allocation", "expected_date": "need_by", "taxes": "tax_code"}


def map_purchase_order(raw: dict[str, Any], lineage: Lineage | None = None) -> PurchaseOrder:
    """One raw order (one revision) as a canonical PurchaseOrder; DocumentError names the field."""
    record = str(raw.get("id") or "(order without id)")
    status = str(_need(raw, "status", record))
    if status not in STATUS:
        raise DocumentError(record, "status", f"unknown status {status!r} (known: {', '.join(STATUS)})")
    supplier = raw.get("supplier")
    if not isinstance(supplier, dict) or not supplier.get("id"):
        raise DocumentError(record, "supplier.id", "missing")
    currency = str(_need(raw, "currency", record)).strip().upper()
    lines = raw.get("lines")
    if not isinstance(lines, list) or not lines:
        raise DocumentError(record, "lines", "an order needs at least one line")
    canonical_lines = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            raise DocumentError(record, f"lines[{i}]", "must be an object")
        allocation: dict[str, Any] = {}
        shares = line.get("cost_allocation") or []
        if not isinstance(shares, list):
            raise DocumentError(record, f"lines[{i}].cost_allocation", f"must be a list, got {type(shares).__name__}")
        for j, share in enumerate(shares):
            if not isinstance(share, dict) or not share.get("cost_center"):
                raise DocumentError(record, f"lines[{i}].cost_allocation[{j}].cost_center", "missing")
            if "\x00" in str(share["cost_center"]):
                raise DocumentError(record, f"lines[{i}].cost_allocation[{j}].cost_center", "contains a NUL byte")
            allocation[str(share["cost_center"])] = share.get("percent")
        tax = line.get("tax_code")
        canonical_lines.append({
            "line_ref": _line_no(line.get("line_no"), record, f"lines[{i}].line_no"),
            "product_code": line.get("item_code") or None, "description": line.get("description") or "",
            "quantity": line.get("quantity"), "unit": line.get("uom") or "",
            "unit_price": _money(line.get("unit_price"), currency),
            "taxes": [{"code": str(tax)}] if tax else [], "analytic_distribution": allocation,
            "expected_date": line.get("need_by") or None})
    data = {"number": record, "revision": raw.get("revision"), "approval_status": STATUS[status],
            "legal_entity": raw.get("legal_entity") or "", "supplier_ref": str(supplier["id"]),
            "supplier_code": supplier.get("vendor_code") or None,
            "supplier_vat": "".join(str(supplier.get("tax_id") or "").split()).upper() or None,
            "supplier_name": supplier.get("name") or None, "currency": currency,
            "order_date": raw.get("order_date") or None, "lines": canonical_lines, "lineage": lineage}
    order = _validate(PurchaseOrder, data, record, _ORDER_NAMES)
    for i, line in enumerate(order.lines):
        for name, amount in (("quantity", line.quantity), ("unit_price", line.unit_price.amount)):
            _bounded(amount, record, f"lines[{i}].{name}")
    return order


def _bounded(amount: Decimal, record: str, where: str) -> None:
    """An amount Odoo can hold as it was sent (`out_of_range`), else DocumentError naming it."""
    reason = out_of_range(amount)
    if reason is not None:
        raise DocumentError(record, where, f"{reason}: {str(amount)[:40]}")


_RECEIPT_NAMES = {"receipt_ref": "id", "order_number": "order_id", "receipt_date": "received_on",
                  "order_line_ref": "line_no", "quantity_received": "quantity", "unit": "uom"}


def map_goods_receipt(raw: dict[str, Any], lineage: Lineage | None = None) -> GoodsReceipt:
    """One raw goods receipt as a canonical GoodsReceipt; DocumentError names the field."""
    record = str(raw.get("id") or "(receipt without id)")
    lines = raw.get("lines")
    if not isinstance(lines, list) or not lines:
        raise DocumentError(record, "lines", "a receipt needs at least one line")
    canonical_lines = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            raise DocumentError(record, f"lines[{i}]", "must be an object")
        canonical_lines.append({"order_line_ref": _line_no(line.get("line_no"), record, f"lines[{i}].line_no"),
                                "quantity_received": line.get("quantity"), "unit": line.get("uom") or None})
    refs = [line["order_line_ref"] for line in canonical_lines]
    if len(set(refs)) != len(refs):
        raise DocumentError(record, "lines", f"order line repeated ({sorted({r for r in refs if refs.count(r) > 1})})")
    data = {"receipt_ref": record, "order_number": raw.get("order_id") or "",
            "receipt_date": raw.get("received_on"), "lines": canonical_lines, "lineage": lineage}
    receipt = _validate(GoodsReceipt, data, record, _RECEIPT_NAMES)
    for i, line in enumerate(receipt.lines):
        _bounded(line.quantity_received, record, f"lines[{i}].quantity")
    return receipt
