"""A goods receipt's conversation with Odoo: the units a batch needs, then per receipt the mark, the
quantities, the validation answered as Odoo's web client answers it, and what Odoo shows afterwards.

Why the wizard is answered with the action's context: `button_validate` on a short picking returns the
`stock.backorder.confirmation` action; its `context` carries `button_validate_picking_ids`, and the
wizard's `process` / `process_cancel_backorder` validate exactly those pickings. Called without that
context both return True and do nothing (stock/wizard/stock_backorder_confirmation.py; captured in
tests/data/real-captures/backorder_wizard.json). So a True is not taken for done: the picking and the
written moves are read back, and only a picking Odoo shows `done` with the moves done at the written
quantities counts as received. A validation that did not take is tried once more in the same run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ofm.mappings.p2p_policy import P2PPolicy
from ofm.rules.p2p import OdooMove, OdooOrder, ReceiptUnits, Unit
from ofm.tasks.p2p.odoo import MOVE, PICKING, POL, many2one_id
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.write_each import write_each

WIZARD, UOM = "stock.backorder.confirmation", "uom.uom"
ATTEMPTS = 2
ANSWERS = {"create": "process", "cancel": "process_cancel_backorder"}


def mark(receipt_ref: str) -> str:
    """The text put in the picking's note: the anchor that tells a re-run the receipt landed."""
    return f"ofm-receipt:{receipt_ref}"


def carries_mark(note: Any, receipt_ref: str) -> bool:
    """Whether a picking's note holds this receipt's mark (GR-1's, not GR-10's)."""
    return bool(re.search(re.escape(mark(receipt_ref)) + r"(?![\w.:/-])", str(note or "")))


def read_units(orders: Iterable[OdooOrder], moves: Iterable[list[OdooMove]], policy: P2PPolicy) -> ReceiptUnits:
    """The order lines' units, the moves' units and the policy's units as Odoo holds them (two calls)."""
    odoo = resources().odoo
    line_ids = sorted({line.id for o in orders for line in o.lines})
    line_unit = {r["id"]: many2one_id(r.get("product_uom_id"))
                 for r in (odoo.read(POL, line_ids, ["product_uom_id"]) if line_ids else [])}
    ids = ({u for u in line_unit.values() if u} | {m.unit_id for ms in moves for m in ms if m.unit_id})
    names = sorted(set(policy.units.values()))
    dialect = odoo.dialect
    rows = odoo.search_read(UOM, ["|", ["id", "in", sorted(ids)], ["name", "in", names]], dialect.unit_fields,
                            order="id")
    by_id = {r["id"]: Unit.from_odoo(r, *dialect.unit_size(r)) for r in rows}
    by_name: dict[str, Unit] = {}
    for unit in by_id.values():
        by_name.setdefault(unit.name, unit)
    return ReceiptUnits(codes={code: by_name.get(name) for code, name in policy.units.items()}, by_id=by_id,
                        line_unit={k: v for k, v in line_unit.items() if v})


@dataclass(frozen=True)
class Landing:
    """What Odoo shows after the receipt was validated: received or not, and in words."""

    received: bool
    picking_name: str
    state: str                 # the picking's state (a done picking cannot be validated again)
    backorder: str | None
    shown: str
    attempts: int


@dataclass(frozen=True)
class Delivery:
    """One receipt to land: its picking, its reference (the mark) and the quantities for its moves."""

    picking: int
    receipt_ref: str
    quantities: dict[int, Decimal]


def land_all(deliveries: list[Delivery], policy: P2PPolicy) -> dict[str, Landing | Exception]:
    """Land many receipts (at most one per picking) in a few calls, each receipt's outcome by its reference.

    Mark every picking and write the moves' quantities (one `web_save_multi` each on Odoo 19; on 18 one
    `write` per distinct quantity), validate every picking with one `button_validate` (one wizard answer for
    the short ones), read back (two reads). Odoo refusing the batch is bisected (ofm.tasks.shared.bisect) until
    the picking it refuses stands alone with Odoo's error; the others land. A validation Odoo did not carry out is tried
    once more, for those pickings only."""
    from ofm.tasks.shared.bisect import write_bisecting

    by_ref = {d.receipt_ref: d for d in deliveries}
    out: dict[str, Landing | Exception] = {}
    todo, attempts = list(deliveries), 0
    while todo:
        attempts += 1
        prepare = attempts == 1  # mark and quantities once; a second attempt only validates
        sent = write_bisecting(todo, functools.partial(_validate, policy=policy, prepare=prepare))
        out.update({d.receipt_ref: r for d, r in sent if isinstance(r, Exception)})
        seen = _read_back([d for d, r in sent if not isinstance(r, Exception)], attempts)
        out.update(seen)
        todo = [by_ref[ref] for ref, s in seen.items()
                if not (s.received or attempts >= ATTEMPTS or s.state == "done")]
    return out


def _validate(deliveries: list[Delivery], policy: P2PPolicy, prepare: bool) -> list[int]:
    """(Mark, write the quantities and) validate these pickings in one `button_validate`, wizard answered."""
    odoo = resources().odoo
    pickings = [d.picking for d in deliveries]
    if prepare:
        _mark(deliveries)
        write_each(MOVE, {move: {"quantity": float(qty), "picked": True}
                          for d in deliveries for move, qty in d.quantities.items()})
    answer = odoo.call(PICKING, "button_validate", ids=pickings)
    if isinstance(answer, dict) and answer.get("res_model") == WIZARD:
        _answer_wizard(answer, pickings, policy.backorder)
    return pickings


def _mark(deliveries: list[Delivery]) -> None:
    """Each picking's note: its receipt's mark (one call on Odoo 19 for all of them)."""
    write_each(PICKING, {d.picking: {"note": f"<p>{mark(d.receipt_ref)}</p>"} for d in deliveries})


def _answer_wizard(action: dict[str, Any], pickings: list[int], backorder: str) -> Any:
    """Create the wizard and press its button with the action's context, as the web client does."""
    odoo = resources().odoo
    context = dict(action.get("context") or {})
    vals = {"pick_ids": context.get("default_pick_ids") or [[4, p] for p in pickings],
            "show_transfers": bool(context.get("default_show_transfers"))}
    [wizard] = odoo.create(WIZARD, [vals], context=context)
    return odoo.call(WIZARD, ANSWERS[backorder], ids=[wizard], kwargs={"context": context})


def _n(value: Any) -> str:
    return format(Decimal(str(value or 0)).normalize(), "f")


def _unit(move: dict[str, Any]) -> str:
    uom = move.get("product_uom")
    return str(uom[1]) if isinstance(uom, list | tuple) else ""


def _read_back(deliveries: list[Delivery], attempts: int) -> dict[str, Landing]:
    """The pickings, their backorders and the written moves as Odoo now shows them (two reads for all)."""
    if not deliveries:
        return {}
    odoo = resources().odoo
    ids = sorted(d.picking for d in deliveries)
    rows = odoo.search_read(PICKING, ["|", ["id", "in", ids], ["backorder_id", "in", ids]],
                            ["name", "state", "backorder_id"], order="id")
    moves = {m["id"]: m for m in odoo.read(MOVE, sorted(m for d in deliveries for m in d.quantities),
                                           ["state", "quantity", "product_uom_qty", "product_uom"])}
    return {d.receipt_ref: _landing(d, rows, moves, attempts) for d in deliveries}


def _landing(d: Delivery, rows: list[dict[str, Any]], all_moves: dict[int, dict[str, Any]], attempts: int
             ) -> Landing:
    """One receipt's outcome: received only when its picking is done and its moves done at the written quantities."""
    picking, wanted = d.picking, d.quantities
    this = next((r for r in rows if r["id"] == picking), {"name": f"picking {picking}", "state": "missing"})
    backorder = next((r["name"] for r in rows if many2one_id(r.get("backorder_id")) == picking), None)
    moves = [all_moves[m] for m in sorted(wanted) if m in all_moves]
    wrong = [m for m in moves if m.get("state") != "done"
             or abs(Decimal(str(m.get("quantity") or 0)) - wanted[m["id"]]) > Decimal("0.000001")]
    received = this["state"] == "done" and len(moves) == len(wanted) and not wrong
    detail = "; ".join(f"move {m['id']} {m.get('state')} with {_n(m.get('quantity'))} of "
                       f"{_n(m.get('product_uom_qty'))} {_unit(m)} (written {_n(wanted[m['id']])})"
                       for m in (wrong or moves))
    return Landing(received, this["name"], this["state"], backorder, f"{this['name']} is {this['state']}; {detail}",
                   attempts)
