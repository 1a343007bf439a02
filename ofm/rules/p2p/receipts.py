"""What to do with one goods receipt: apply it to the order's open Odoo receipt, wait, or refuse.

`decide_receipt(receipt, order, moves, over_receipt_percent)` is pure. `order` is the Odoo purchase
order carrying the receipt's order number (None: not synced yet -> WAIT, the next run tries again);
`moves` are the stock moves still open on that order's receipts. Each receipt line names an order
line (its procurement line number = the Odoo line's `sequence`) and the quantity that arrived, in the
unit the line states (a policy code) or else the order line's:
- converted to the move's unit (units.py; a move is kept in the product's stock unit, which may differ
  from the order line's) and written as `quantity` + `picked` on the open move of that line
  (flow_trace: "set move qty");
- a unit the policy does not map, Odoo does not have, or that does not convert into the order line's
  (kg against Units) -> REFUSE, nothing written;
- more than ordered (beyond the policy's percent, compared in the order line's unit) -> REFUSE
  `over_receipt`, nothing written;
- a negative quantity (a return) -> REFUSE: returns are made in Odoo (stock.return.picking);
- fewer than the open demand, or open moves the receipt does not mention -> partial: the flow
  answers Odoo's backorder wizard per policy (create a backorder, or close without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ofm.canonical import GoodsReceipt
from ofm.rules.p2p.orders import OdooLine, OdooOrder
from ofm.rules.p2p.units import ReceiptUnits, Unit

HUNDRED = Decimal(100)
OPEN_MOVE_STATES = ("assigned", "confirmed", "waiting", "partially_available")


def _n(value: Decimal) -> str:
    """A quantity as people write it: 10, 2.5 (never 1E+1)."""
    return format(value.normalize(), "f")


class ReceiptAction(StrEnum):
    APPLY = "apply"
    WAIT = "wait"
    REFUSE = "refuse"


@dataclass(frozen=True)
class OdooMove:
    id: int
    picking_id: int
    purchase_line_id: int | None
    product_uom_qty: Decimal
    state: str
    picking_name: str = ""
    unit_id: int | None = None   # stock.move product_uom: the unit of product_uom_qty and quantity


@dataclass(frozen=True)
class ReceiptDecision:
    action: ReceiptAction
    reasons: tuple[str, ...] = ()
    field: str | None = None
    owner: str = "warehouse"
    category: str = "business"                              # quarantine category when refused
    picking_id: int | None = None
    move_quantities: tuple[tuple[int, Decimal], ...] = ()   # (stock.move id, quantity received)
    partial: bool = False


def _refuse(reason: str, fld: str | None, owner: str = "warehouse", category: str = "business") -> ReceiptDecision:
    return ReceiptDecision(ReceiptAction.REFUSE, (reason,), fld, owner, category)


def decide_receipt(receipt: GoodsReceipt, order: OdooOrder | None, moves: list[OdooMove],
                   over_receipt_percent: Decimal = Decimal(0), units: ReceiptUnits | None = None) -> ReceiptDecision:
    """The decision for one receipt (see the module docstring). Without `units` every quantity is taken
    to be in the order line's unit, which is also the move's."""
    if order is None:
        return ReceiptDecision(ReceiptAction.WAIT, (f"order {receipt.order_number} is not in Odoo yet",),
                               "order_id", "procurement")
    if order.state == "cancel":
        return _refuse(f"order {receipt.order_number} ({order.name}) is cancelled in Odoo", "order_id", "procurement")
    if order.state not in ("purchase", "done"):
        return ReceiptDecision(ReceiptAction.WAIT, (f"order {order.name} is not confirmed in Odoo yet",),
                               "order_id", "procurement")
    by_seq = {line.sequence: line for line in order.lines}
    open_moves = [m for m in moves if m.state in OPEN_MOVE_STATES]
    pickings = sorted({m.picking_id for m in open_moves})
    picking = pickings[0] if pickings else None
    writes: list[tuple[int, Decimal]] = []
    partial = False
    for i, line in enumerate(receipt.lines):
        where = f"lines[{i}].quantity"
        if line.quantity_received < 0:
            return _refuse(f"line {line.order_line_ref}: a return of {_n(-line.quantity_received)} is not applied "
                           "automatically; record it in Odoo as a return of the receipt", where,
                           category="exception")
        pol = by_seq.get(int(line.order_line_ref))
        if pol is None:
            return _refuse(f"line {line.order_line_ref}: {order.name} has no such line", f"lines[{i}].line_no",
                           "procurement")
        move = next((m for m in open_moves if m.purchase_line_id == pol.id and m.picking_id == picking), None)
        quantities = _in_units(line.order_line_ref, line.unit, line.quantity_received, pol, move, units, i)
        if isinstance(quantities, ReceiptDecision):
            return quantities
        in_line, in_move, said = quantities
        limit = pol.product_qty * (HUNDRED + over_receipt_percent) / HUNDRED
        if pol.qty_received + in_line > limit:
            return _refuse(f"over-receipt on line {line.order_line_ref}: {said} received, {_n(pol.qty_received)} "
                           f"before, {_n(pol.product_qty)} ordered", where, category="exception")
        if move is None:
            return _refuse(f"line {line.order_line_ref}: nothing is open to receive on {order.name} "
                           "(a service, or already received)", f"lines[{i}].line_no")
        if in_move <= 0:
            return _refuse(f"line {line.order_line_ref}: {said} is less than Odoo keeps of its unit", where)
        writes.append((move.id, in_move))
        partial = partial or in_move < move.product_uom_qty
    mentioned = {move for move, _ in writes}
    partial = partial or any(m.id not in mentioned for m in open_moves if m.picking_id == picking)
    return ReceiptDecision(ReceiptAction.APPLY, picking_id=picking, move_quantities=tuple(writes), partial=partial)


def _in_units(ref: str, code: str | None, qty: Decimal, pol: OdooLine, move: OdooMove | None,
              units: ReceiptUnits | None, i: int) -> tuple[Decimal, Decimal, str] | ReceiptDecision:
    """(quantity in the order line's unit, in the move's unit rounded as Odoo keeps it, as received: for
    messages), or the refusal when the units do not allow it."""
    if units is None:
        return qty, qty, _n(qty)
    line_unit = units.of_line(pol.id)
    received: Unit | None = line_unit
    if code:
        if code not in units.codes:
            return _refuse(f"line {ref}: unit {code} is not in the procure-to-pay policy's units", f"lines[{i}].uom",
                           "integration")
        received = units.codes[code]
        if received is None:
            return _refuse(f"line {ref}: unit {code} has no unit of measure in Odoo", f"lines[{i}].uom",
                           "integration")
    if line_unit is None or received is None:
        return _refuse(f"line {ref}: the order line's unit of measure is not known", f"lines[{i}].uom", "integration")
    if not received.converts_to(line_unit):
        return _refuse(f"line {ref}: received in {received.name}, ordered in {line_unit.name}: these units do not "
                       "convert", f"lines[{i}].uom", "procurement")
    in_line = received.to(qty, line_unit)
    said = _n(qty) if received.id == line_unit.id else f"{_n(qty)} {received.name} ({_n(in_line)} {line_unit.name})"
    move_unit = units.by_id.get(move.unit_id) if move and move.unit_id is not None else line_unit
    if move_unit is None or not received.converts_to(move_unit):
        return _refuse(f"line {ref}: the receipt's unit of measure does not convert into the receipt move's",
                       f"lines[{i}].uom", "integration")
    return in_line, move_unit.round(received.to(qty, move_unit)), said
