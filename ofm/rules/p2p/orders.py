"""What to do with one purchase order revision: create, confirm, amend, cancel, wait, ignore or refuse.

`decide_order(order, action, refs, existing)` is pure. `action` comes from the policy's status map
(sync | cancel | ignore); `refs` holds what the reference reads found in Odoo (partner, company,
currency, products, taxes, units, analytic accounts); `existing` is the Odoo order carrying this
number (`origin`), if any. Dependencies are checked before anything is written:
- the supplier not in Odoo yet -> WAIT (blocked by dependency; the next run tries again by itself);
- everything else missing (route, currency, product, tax, unit, analytic account) -> REFUSE, naming
  the field, because it will not fix itself.
An amendment is a diff against the Odoo order (so it is idempotent): changed lines are written,
new ones added, removed ones set to quantity 0. Odoo accepts a quantity below what was received and
cancels a received order that has no bill (captured, traces b2/b3): those are refused here instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ofm.canonical import PurchaseOrder
from ofm.canonical.procurement import PurchaseOrderLine

QTY_DIGITS, PRICE_DIGITS = 3, 6


def _n(value: Decimal) -> str:
    """A quantity as people write it: 10, 2.5 (never 1E+1)."""
    return format(value.normalize(), "f")


class OrderAction(StrEnum):
    CREATE = "create"          # not in Odoo: create and confirm
    CONFIRM = "confirm"        # in Odoo as a draft (an earlier run stopped before confirming)
    UPDATE = "update"          # a newer revision: write line changes
    CANCEL = "cancel"
    UNCHANGED = "unchanged"
    IGNORE = "ignore"          # not approved: not for Odoo
    WAIT = "wait"              # blocked by a dependency that will arrive (the supplier)
    REFUSE = "refuse"          # an exception a person must resolve


@dataclass(frozen=True)
class OdooLine:
    id: int
    sequence: int
    product_id: int | None
    product_qty: Decimal
    price_unit: Decimal
    qty_received: Decimal
    qty_invoiced: Decimal
    tax_ids: tuple[int, ...]
    analytic: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class OdooOrder:
    id: int
    name: str
    state: str
    locked: bool
    partner_id: int | None
    currency_id: int | None
    company_id: int | None
    lines: tuple[OdooLine, ...]
    invoice_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class References:
    """Odoo ids found for the order's references (missing keys = not found)."""

    partner: int | None = None
    partner_active: bool = True
    company: int | None = None
    currency: int | None = None
    currency_active: bool = True
    products: dict[str, int] = field(default_factory=dict)      # product code -> product.product id
    taxes: dict[str, int] = field(default_factory=dict)         # procurement tax code -> account.tax id
    units: dict[str, int] = field(default_factory=dict)         # unit code -> uom.uom id
    product_units: dict[str, int] = field(default_factory=dict)  # product code -> its uom.uom id (uom_id)
    unit_roots: dict[int, int | str] = field(default_factory=dict)  # uom.uom id -> its root (kg -> g's)
    unit_names: dict[int, str] = field(default_factory=dict)    # uom.uom id -> name, for the reasons
    analytic: dict[str, int] = field(default_factory=dict)      # cost center -> analytic account id
    unrouted: bool = False                                       # legal entity not in the routing map
    unmapped_taxes: frozenset[str] = frozenset()                 # tax codes the policy does not list


@dataclass(frozen=True)
class OrderDecision:
    action: OrderAction
    reasons: tuple[str, ...] = ()
    field: str | None = None
    owner: str = "procurement"
    category: str = "exception"                         # quarantine category when refused
    vals: dict[str, Any] | None = None                 # create: purchase.order vals
    line_commands: tuple[Any, ...] = ()                 # update: order_line commands
    changed_lines: tuple[str, ...] = ()
    confirm: bool = False                               # button_confirm after the write


def _q(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits))


def _line_vals(line: PurchaseOrderLine, refs: References) -> dict[str, Any]:
    vals: dict[str, Any] = {
        "sequence": int(line.line_ref), "product_id": refs.products[line.product_code or ""],
        "name": line.description, "product_qty": float(line.quantity), "product_uom_id": refs.units[line.unit],
        "price_unit": float(line.unit_price.amount),
        "tax_ids": [[6, 0, sorted(refs.taxes[t.code] for t in line.taxes)]]}
    if line.expected_date:
        vals["date_planned"] = f"{line.expected_date.isoformat()} 12:00:00"
    if line.analytic_distribution:
        vals["analytic_distribution"] = {str(refs.analytic[cc]): float(p)
                                         for cc, p in line.analytic_distribution.items()}
    return vals


def missing_references(order: PurchaseOrder, refs: References) -> tuple[str, str] | None:
    """(field, reason) of the first reference Odoo lacks, other than the supplier; None when all resolve."""
    if refs.unrouted:
        return "legal_entity", f"legal entity {order.legal_entity!r} is not routed to an Odoo company (p2p.yaml)"
    if refs.company is None:
        return "legal_entity", f"the Odoo company routed for {order.legal_entity!r} does not exist"
    if refs.currency is None or not refs.currency_active:
        state = "not active" if refs.currency is not None else "unknown"
        return "currency", f"currency {order.currency} is {state} in Odoo"
    for i, line in enumerate(order.lines):
        if not line.product_code:
            return f"lines[{i}].item_code", f"line {line.line_ref} has no product code"
        if line.product_code not in refs.products:
            return f"lines[{i}].item_code", f"line {line.line_ref}: product {line.product_code!r} is not in Odoo"
        if line.unit not in refs.units:
            return f"lines[{i}].uom", f"line {line.line_ref}: unit {line.unit!r} is not mapped to an Odoo unit"
        if not _same_kind(refs.units[line.unit], refs.product_units.get(line.product_code), refs):
            theirs = refs.unit_names.get(refs.product_units[line.product_code], "another unit")
            return (f"lines[{i}].uom", f"line {line.line_ref}: unit {line.unit!r} cannot measure "
                                       f"{line.product_code!r}, which Odoo keeps in {theirs}")
        for tax in line.taxes:
            if tax.code in refs.unmapped_taxes:
                return f"lines[{i}].tax_code", f"line {line.line_ref}: tax code {tax.code!r} is not mapped (p2p.yaml)"
            if tax.code not in refs.taxes:
                return (f"lines[{i}].tax_code", f"line {line.line_ref}: the Odoo tax for {tax.code!r} does not exist "
                                                "in the order's company")
        for cc in line.analytic_distribution:
            if cc not in refs.analytic:
                return (f"lines[{i}].cost_allocation",
                        f"line {line.line_ref}: cost center {cc!r} has no analytic account in Odoo")
    return None


def _same_kind(unit: int, product_unit: int | None, refs: References) -> bool:
    """Whether a line's unit measures what the product's unit does (Odoo 19 would convert 5 kg into 5,000 Units)."""
    if product_unit is None or unit == product_unit:
        return True
    return refs.unit_roots.get(unit, unit) == refs.unit_roots.get(product_unit, product_unit)


def _refuse(reason: str, fld: str | None, owner: str = "procurement", category: str = "exception") -> OrderDecision:
    return OrderDecision(OrderAction.REFUSE, (reason,), fld, owner, category)


def decide_order(order: PurchaseOrder, action: str, refs: References, existing: OdooOrder | None) -> OrderDecision:
    """The decision for one order revision (see the module docstring)."""
    if action == "ignore":
        return OrderDecision(OrderAction.IGNORE, (f"status {order.approval_status.value}: not approved",))
    if action == "cancel":
        return _cancel(order, existing)
    if existing is None or existing.state in ("draft", "sent"):
        if refs.partner is None:
            who = order.supplier_code or order.supplier_vat or order.supplier_ref
            return OrderDecision(OrderAction.WAIT, (f"supplier {who} is not in Odoo yet",), "supplier", "vendor-master")
        if not refs.partner_active:
            return _refuse(f"supplier {order.supplier_code or order.supplier_ref} is archived in Odoo", "supplier",
                           "vendor-master")
    missing = missing_references(order, refs)
    if missing:
        return _refuse(missing[1], missing[0], "procurement", "reference")
    if existing is None:
        vals = {"partner_id": refs.partner, "origin": order.number, "partner_ref": order.number,
                "company_id": refs.company, "currency_id": refs.currency,
                "order_line": [[0, 0, _line_vals(line, refs)] for line in order.lines]}
        if order.order_date:
            vals["date_order"] = f"{order.order_date.isoformat()} 12:00:00"
        return OrderDecision(OrderAction.CREATE, vals=vals, confirm=True)
    return _amend(order, refs, existing)


def _cancel(order: PurchaseOrder, existing: OdooOrder | None) -> OrderDecision:
    if existing is None:
        return OrderDecision(OrderAction.IGNORE, ("cancelled before it reached Odoo",))
    if existing.state == "cancel":
        return OrderDecision(OrderAction.UNCHANGED, ("already cancelled in Odoo",))
    received = [line for line in existing.lines if line.qty_received > 0]
    billed = [line for line in existing.lines if line.qty_invoiced > 0]
    if received or billed:
        what = " and ".join(w for w, hit in (("received", received), ("billed", billed)) if hit)
        return _refuse(f"cancellation refused: {existing.name} is already {what} in Odoo "
                       f"(lines {', '.join(str(line.sequence) for line in received or billed)})", "status")
    if existing.locked:
        return _refuse(f"cancellation refused: {existing.name} is locked in Odoo", "status")
    return OrderDecision(OrderAction.CANCEL)


def _amend(order: PurchaseOrder, refs: References, existing: OdooOrder) -> OrderDecision:
    if existing.state == "cancel":
        return _refuse(f"{existing.name} is cancelled in Odoo; revision {order.revision} cannot reopen it", "status")
    if existing.locked or existing.state == "done":
        return _refuse(f"{existing.name} is locked in Odoo; unlock it to apply revision {order.revision}", "status")
    for label, ours, theirs in (("supplier", refs.partner, existing.partner_id),
                                ("currency", refs.currency, existing.currency_id),
                                ("legal_entity", refs.company, existing.company_id)):
        if ours is not None and theirs is not None and ours != theirs:
            return _refuse(f"revision {order.revision} changes the {label.replace('_', ' ')} of {existing.name}; "
                           "Odoo cannot change it on a confirmed order", label)
    by_seq = {line.sequence: line for line in existing.lines}
    commands: list[Any] = []
    changed: list[str] = []
    for i, line in enumerate(order.lines):
        odoo = by_seq.pop(int(line.line_ref), None)
        vals = _line_vals(line, refs)
        if odoo is None:
            commands.append([0, 0, vals])
            changed.append(line.line_ref)
            continue
        if odoo.product_id != vals["product_id"]:
            return _refuse(f"line {line.line_ref}: revision {order.revision} changes the product; "
                           "cancel the line and add a new one", f"lines[{i}].item_code")
        floor = max(odoo.qty_received, odoo.qty_invoiced)
        if _q(line.quantity, QTY_DIGITS) < _q(floor, QTY_DIGITS):
            done = "received" if odoo.qty_received >= odoo.qty_invoiced else "billed"
            return _refuse(f"line {line.line_ref}: revision {order.revision} orders {_n(line.quantity)}, "
                           f"but {_n(floor)} is already {done}", f"lines[{i}].quantity")
        diff = _line_diff(vals, line, odoo)
        if diff:
            commands.append([1, odoo.id, diff])
            changed.append(line.line_ref)
    for odoo in by_seq.values():
        if odoo.product_qty == 0:
            continue
        if odoo.qty_received > 0 or odoo.qty_invoiced > 0:
            return _refuse(f"line {odoo.sequence}: revision {order.revision} removes it, but it is already "
                           "received or billed", "lines")
        commands.append([1, odoo.id, {"product_qty": 0.0}])
        changed.append(str(odoo.sequence))
    confirm = existing.state in ("draft", "sent")
    if not commands:
        return OrderDecision(OrderAction.CONFIRM if confirm else OrderAction.UNCHANGED, confirm=confirm)
    return OrderDecision(OrderAction.UPDATE, line_commands=tuple(commands), changed_lines=tuple(changed),
                         confirm=confirm)


def _line_diff(vals: dict[str, Any], line: PurchaseOrderLine, odoo: OdooLine) -> dict[str, Any]:
    diff: dict[str, Any] = {}
    if _q(line.quantity, QTY_DIGITS) != _q(odoo.product_qty, QTY_DIGITS):
        diff["product_qty"] = vals["product_qty"]
    if _q(line.unit_price.amount, PRICE_DIGITS) != _q(odoo.price_unit, PRICE_DIGITS):
        diff["price_unit"] = vals["price_unit"]
    if tuple(vals["tax_ids"][0][2]) != tuple(sorted(odoo.tax_ids)):
        diff["tax_ids"] = vals["tax_ids"]
    ours = {k: _q(Decimal(str(v)), 2) for k, v in (vals.get("analytic_distribution") or {}).items()}
    if ours != {k: _q(v, 2) for k, v in odoo.analytic}:
        diff["analytic_distribution"] = vals.get("analytic_distribution") or False
    return diff
