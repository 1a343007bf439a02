"""Procurement invoice JSON (API items and export files) into the canonical `VendorBill`.

The invoice shape is fixed by the procurement platform (see the P2P brief), so this mapping is
code rather than YAML: nested lines, taxes and order references do not fit the flat field
mappings of `mappings/engine.py`. A record that does not map raises `BillMappingError` naming the
record id and the field path (`INV-000007 lines[1].quantity: not a decimal number: 'x'`), so
the flow can quarantine it with exactly that text; nothing is defaulted silently.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from ofm.canonical.lineage import Lineage
from ofm.canonical.money import Money, out_of_range
from ofm.canonical.procurement import Attachment, BillKind, BillParty, OrderLineRef, TaxRef, VendorBill, VendorBillLine

KINDS = {"invoice": BillKind.INVOICE, "credit_note": BillKind.CREDIT_NOTE}


class BillMappingError(ValueError):
    """One invoice record that cannot become a VendorBill: which record, which field, why."""

    def __init__(self, record_id: str, path: str, reason: str) -> None:
        reason = reason if len(reason) <= 300 else f"{reason[:300]}… ({len(reason)} characters)"
        super().__init__(f"{record_id} {path}: {reason}")
        self.record_id = record_id
        self.path = path
        self.reason = reason


def record_id(raw: Any, position: int = 0) -> str:
    """The invoice's intake id, or its position in the batch when it has none."""
    value = raw.get("id") if isinstance(raw, dict) else None
    return str(value) if value not in (None, "") else f"row-{position + 1}"


def map_invoice(raw: Any, lineage: Lineage | None = None) -> VendorBill:
    """One raw procurement invoice as a VendorBill, or BillMappingError naming the field."""
    return _Mapper(record_id(raw)).bill(raw, lineage)


class _Mapper:
    """Builds the models piece by piece so that a failure knows its path in the record."""

    def __init__(self, rid: str) -> None:
        self.rid = rid

    def fail(self, path: str, reason: str) -> BillMappingError:
        return BillMappingError(self.rid, path, reason)

    def build(self, cls: type[BaseModel], path: str, **values: Any) -> Any:
        try:
            return cls(**values)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            reason = err["msg"].removeprefix("Value error, ")
            if not loc and ": " in reason:  # a whole-model check names its field first ("total: ...")
                loc, reason = reason.split(": ", 1)
            where = f"{path}.{loc}" if path and loc else (path or loc or "(record)")
            raise self.fail(where, reason) from None

    def dict_at(self, node: Any, path: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise self.fail(path, f"must be an object, got {type(node).__name__}")
        return node

    def required(self, node: dict[str, Any], key: str, path: str) -> Any:
        value = node.get(key)
        if value is None or value == "":
            raise self.fail(f"{path}{key}", "required")
        return value

    def money(self, value: Any, currency: str, path: str) -> Money:
        if value is None or value == "":
            raise self.fail(path, "required")
        money = self.build(Money, path, amount=value, currency=currency)
        return Money(amount=self.bounded(money.amount, path), currency=currency)

    def bounded(self, amount: Any, path: str) -> Any:
        """An amount Odoo can hold as sent (not NaN, 1E+999999999, a 30-digit number), else the field fails."""
        reason = out_of_range(amount) if isinstance(amount, Decimal) else None
        if reason is not None:
            raise self.fail(path, f"{reason}: {str(amount)[:40]}")
        return amount

    def bill(self, raw: Any, lineage: Lineage | None) -> VendorBill:
        raw = self.dict_at(raw, "(record)")
        currency = str(self.required(raw, "currency", ""))
        kind = raw.get("document_type") or "invoice"
        if not isinstance(kind, str) or kind not in KINDS:
            raise self.fail("document_type", f"{kind!r} is not one of {', '.join(KINDS)}")
        lines = raw.get("lines")
        if not isinstance(lines, list) or not lines:
            raise self.fail("lines", "at least one line is required")
        order = raw.get("order_id") or None
        attachments = raw.get("attachments") or []
        if not isinstance(attachments, list):
            raise self.fail("attachments", f"must be a list, got {type(attachments).__name__}")
        values = {
            "bill_number": self.required(raw, "invoice_number", ""), "kind": KINDS[kind],
            "supplier": self.party(raw.get("supplier")), "legal_entity": raw.get("legal_entity") or None,
            "order_number": order, "invoice_date": self.required(raw, "invoice_date", ""),
            "accounting_date": raw.get("accounting_date") or None, "due_date": raw.get("due_date") or None,
            "payment_terms": raw.get("payment_terms") or None, "currency": currency,
            "lines": tuple(self.line(line, f"lines[{i}]", currency, order) for i, line in enumerate(lines)),
            "untaxed": self.money(raw.get("untaxed"), currency, "untaxed"),
            "tax": self.money(raw.get("tax"), currency, "tax"),
            "total": self.money(raw.get("total"), currency, "total"),
            "attachments": tuple(self.build(Attachment, f"attachments[{i}]", **self.dict_at(a, f"attachments[{i}]"))
                                 for i, a in enumerate(attachments)),
            "lineage": lineage,
        }
        return self.build(VendorBill, "", **values)

    def party(self, node: Any) -> BillParty:
        node = self.dict_at(node, "supplier")
        ref = node.get("vendor_code") or node.get("id")
        if not ref and not node.get("tax_id"):
            raise self.fail("supplier", "needs a vendor_code, an id or a tax_id")
        return self.build(BillParty, "supplier", source_ref=str(ref) if ref else None, name=node.get("name") or None,
                          vat=node.get("tax_id") or None)

    def line(self, node: Any, path: str, currency: str, order: str | None) -> VendorBillLine:
        node = self.dict_at(node, path)
        line_no = self.required(node, "line_no", f"{path}.")
        order_line_no = node.get("order_line_no")
        order_line = None
        if order_line_no not in (None, ""):
            order_line = self.build(OrderLineRef, f"{path}.order_line_no",
                                    order_number=node.get("order_id") or order, line_ref=str(order_line_no))
        taxes = ()
        if node.get("tax_code"):
            taxes = (self.build(TaxRef, f"{path}.tax_percent", code=str(node["tax_code"]),
                                percent=node.get("tax_percent")),)
        unit_price = node.get("unit_price")
        built = self.build(
            VendorBillLine, path, line_ref=str(line_no),
            description=node.get("description") or node.get("item_code") or f"line {line_no}",
            product_code=node.get("item_code") or None, quantity=self.required(node, "quantity", f"{path}."),
            unit=node.get("uom") or None,
            unit_price=None if unit_price in (None, "") else self.money(unit_price, currency, f"{path}.unit_price"),
            net_amount=self.money(node.get("net_amount"), currency, f"{path}.net_amount"),
            taxes=taxes, order_line=order_line)
        self.bounded(built.quantity, f"{path}.quantity")
        return built
