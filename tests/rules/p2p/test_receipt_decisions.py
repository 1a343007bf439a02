"""decide_receipt as tables: full, partial, over, returns, waiting, wrong lines."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ofm.mappings.purchase_docs import map_goods_receipt
from ofm.rules.p2p import OdooLine, OdooMove, OdooOrder, decide_receipt
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
