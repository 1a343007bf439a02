"""The decide task reads every bill's decision from the engine's result in one pass (ofm/tasks/match/decide.py
`_by_bill`): the same BillDecision values as asking the result bill by bill, for matched bills, exceptions with
several reasons (line and bill level) and duplicates."""

from __future__ import annotations

from match3_factory import bill, order, run

from ofm.tasks.match.decide import _by_bill


def _batch():
    return run([bill(1), bill(2, [{"unit_price_minor": 1400}, {"order_line_ref": "9"}]),
                bill(3, [{"quantity_milli": 1_000}], bill_number="BILL-1"),
                bill(4, [{"order_line_ref": "9", "quantity_milli": 2_000}], invoice_date="2026-03-12"),
                bill(5, [{"quantity_milli": 3_000}], currency="USD")],
               [order(quantity_milli=100_000, received_milli=100_000)],
               previous=[{"supplier_id": 7, "bill_number": "OLD-1", "invoice_date": "2026-03-09",
                          "total_minor": 99_999}])


def test_every_bills_decision_is_the_one_the_result_gives_bill_by_bill() -> None:
    result = _batch()
    one_by_one = {bid: result.decision(bid) for bid in result.bills.bill_id}
    assert {d.outcome for d in one_by_one.values()} == {"matched", "exception"}
    assert any(len(d.reasons) > 1 for d in one_by_one.values())
    assert any(r.bill_line_id is None for d in one_by_one.values() for r in d.reasons)  # bill-level reasons
    assert any(r.bill_line_id is not None for d in one_by_one.values() for r in d.reasons)
    assert _by_bill(result) == one_by_one


def test_the_decide_task_does_not_ask_the_result_bill_by_bill(monkeypatch) -> None:
    """Asking bill by bill filters both frames once per bill (quadratic): decide must not do it."""
    from ofm.rules.match3.engine import ThreeWayResult

    def refuse(self, bill_id):
        raise AssertionError("decision() asked bill by bill")

    result = _batch()
    monkeypatch.setattr(ThreeWayResult, "decision", refuse)
    assert len(_by_bill(result)) == 5
