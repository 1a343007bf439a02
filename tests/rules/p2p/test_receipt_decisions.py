"""decide_receipt as tables: full, partial, over, returns, waiting, wrong lines."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ofm.mappings.purchase_docs import map_goods_receipt
from ofm.rules.p2p import OdooLine, OdooMove, OdooOrder, ReceiptUnits, Unit, decide_receipt
from ofm.rules.p2p.receipts import ReceiptAction


def order(state="purchase", received=("0", "0")):
    return OdooOrder(id=5, name="P00005", state=state, locked=False, partner_id=7, currency_id=3, company_id=1,
                     lines=(OdooLine(101, 1, 11, D("10"), D("1"), D(received[0]), D(0), ()),
                            OdooLine(102, 2, 12, D("4"), D("1"), D(received[1]), D(0), ())))


MOVES = [OdooMove(201, 9, 101, D("10"), "assigned"), OdooMove(202, 9, 102, D("4"), "assigned")]


def decide(*lines, existing=order(), moves=MOVES, over="0"):
    doc = {"id": "GR-1", "order_id": "PO-1", "received_on": "2026-11-10",
           "lines": [{"line_no": no, "quantity": qty} for no, qty in lines]}
    return decide_receipt(map_goods_receipt(doc), existing, moves, D(over))


def test_a_full_receipt_writes_every_move_and_is_not_partial():
    d = decide((1, "10"), (2, "4"))
    assert d.action is ReceiptAction.APPLY and d.picking_id == 9 and not d.partial
    assert d.move_quantities == ((201, D(10)), (202, D(4)))


@pytest.mark.parametrize("lines", [[(1, "4")], [(1, "10")], [(1, "4"), (2, "4")]])
def test_less_than_the_open_demand_or_a_line_left_out_is_partial(lines):
    assert decide(*lines).partial


@pytest.mark.parametrize(("lines", "existing", "over", "action", "words"), [
    ([(1, "11")], order(), "0", ReceiptAction.REFUSE, "over-receipt on line 1: 11 received, 0 before, 10 ordered"),
    ([(1, "11")], order(), "10", ReceiptAction.APPLY, ""),
    ([(1, "3")], order(received=("8", "0")), "0", ReceiptAction.REFUSE, "3 received, 8 before"),
    ([(1, "-2")], order(), "0", ReceiptAction.REFUSE, "a return of 2 is not applied"),
    ([(3, "1")], order(), "0", ReceiptAction.REFUSE, "has no such line"),
    ([(1, "1")], None, "0", ReceiptAction.WAIT, "not in Odoo yet"),
    ([(1, "1")], order(state="draft"), "0", ReceiptAction.WAIT, "not confirmed"),
    ([(1, "1")], order(state="cancel"), "0", ReceiptAction.REFUSE, "cancelled in Odoo"),
])
def test_what_is_not_applied(lines, existing, over, action, words):
    d = decide(*lines, existing=existing, over=over)
    assert d.action is action and words in " ".join(d.reasons)
    if action is not ReceiptAction.APPLY:
        assert d.move_quantities == ()


def test_a_line_with_nothing_open_is_refused():
    d = decide((1, "2"), moves=[MOVES[1]])
    assert d.action is ReceiptAction.REFUSE and "nothing is open to receive" in d.reasons[0]


# ---- units: the receipt's unit, the order line's, the move's (Odoo 19 factors) --------------------------
UNITS, G, KG = (Unit(1, "Units", D(1), D("0.01"), "1"), Unit(15, "g", D(1), D("0.01"), "15"),
                Unit(16, "kg", D(1000), D("0.01"), "15"))


def in_units(line_unit=KG, move_unit=KG, codes=None):
    by_id = {u.id: u for u in (UNITS, G, KG)}
    return ReceiptUnits(codes=codes if codes is not None else {"C62": UNITS, "KGM": KG, "GRM": G, "TNE": None},
                        by_id=by_id, line_unit={101: line_unit.id, 102: line_unit.id})


def decide_in(lines, units, moves=None, existing=None):
    doc = {"id": "GR-1", "order_id": "PO-1", "received_on": "2026-11-10",
           "lines": [{"line_no": no, "quantity": qty, "uom": uom} for no, qty, uom in lines]}
    moves = moves or [OdooMove(201, 9, 101, D("10"), "assigned", unit_id=units.line_unit[101]),
                      OdooMove(202, 9, 102, D("4"), "assigned", unit_id=units.line_unit[102])]
    return decide_receipt(map_goods_receipt(doc), existing or order(), moves, D(0), units)


@pytest.mark.parametrize(("lines", "units", "moves", "written"), [
    ([(1, "2.5", "KGM")], in_units(), None, D("2.5")),                          # kg against kg
    ([(1, "500", "GRM")], in_units(), None, D("0.5")),                          # g against kg
    ([(1, "2.5", None)], in_units(), None, D("2.5")),                           # no unit: the order line's
    ([(1, "1500", "GRM")], in_units(),                                          # order in kg, stock unit g
     [OdooMove(201, 9, 101, D("10000"), "assigned", unit_id=15)], D("1500")),
    ([(1, "0.0051", "KGM")], in_units(line_unit=G),                             # order in g, stock unit kg:
     [OdooMove(201, 9, 101, D("0.02"), "assigned", unit_id=16)], D("0.01")),    # kept to Odoo's 0.01 kg
])
def test_a_quantity_is_written_in_the_moves_unit(lines, units, moves, written):
    d = decide_in(lines, units, moves)
    assert d.action is ReceiptAction.APPLY and d.move_quantities[0][1] == written and d.partial


def test_an_over_receipt_is_measured_in_the_order_lines_unit():
    d = decide_in([(1, "10001", "GRM")], in_units())
    assert d.action is ReceiptAction.REFUSE
    assert d.reasons == ("over-receipt on line 1: 10001 g (10.001 kg) received, 0 before, 10 ordered",)
    assert decide_in([(1, "10000", "GRM")], in_units()).action is ReceiptAction.APPLY


@pytest.mark.parametrize(("lines", "units", "words", "owner"), [
    ([(1, "5", "KGM")], in_units(line_unit=UNITS), "received in kg, ordered in Units: these units do not convert",
     "procurement"),
    ([(1, "5", "LTR")], in_units(), "unit LTR is not in the procure-to-pay policy's units", "integration"),
    ([(1, "5", "TNE")], in_units(), "unit TNE has no unit of measure in Odoo", "integration"),
    ([(1, "1", "GRM")], in_units(), "1 g (0.001 kg) is less than Odoo keeps of its unit", "warehouse"),
])
def test_units_that_do_not_fit_are_refused_and_nothing_written(lines, units, words, owner):
    d = decide_in(lines, units)
    assert d.action is ReceiptAction.REFUSE and words in d.reasons[0] and d.owner == owner
    assert d.field == "lines[0].uom" or words.endswith("of its unit")
    assert d.move_quantities == ()
