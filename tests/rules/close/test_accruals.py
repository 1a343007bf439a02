"""Goods received not invoiced, as tables: what accrues, at which price, on which account, in which currency."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ofm.rules.close import ReceivedLine, goods_received_not_invoiced

EUR = {1: "EUR", 2: "EUR"}


def pol(line_id: int, received: str, invoiced: str, subtotal: str, ordered: str = "10", price: str | None = None,
        account: str | None = "604000", analytic: tuple = (), currency: str = "EUR", company: int = 1,
        order: str = "P00001") -> ReceivedLine:
    return ReceivedLine(line_id=line_id, order=order, company_id=company, currency=currency, qty_ordered=D(ordered),
                        qty_received=D(received), qty_invoiced=D(invoiced), price_subtotal=D(subtotal),
                        price_unit=D(price or str(D(subtotal) / D(ordered) if D(ordered) else 0)),
                        account_code=account, analytic=analytic)


@pytest.mark.parametrize(("line", "amount"), [
    (pol(1, "10", "4", "50.00"), D("30.00")),                 # 6 received and not billed at 5.00
    (pol(1, "10", "0", "50.00"), D("50.00")),
    (pol(1, "12", "10", "50.00"), D("10.00")),                # over-received beyond the order, 2 not billed
    (pol(1, "4", "4", "50.00"), None),                        # billed as received: nothing
    (pol(1, "2", "5", "50.00"), None),                        # billed ahead of the goods: a prepayment, not here
    (pol(1, "10", "0", "90.00", price="10.00"), D("90.00")),  # 10 % discount: the net price counts, not price_unit
    (pol(1, "2.5", "0", "32.00", ordered="2.5"), D("32.00")),  # kg
    (pol(1, "3", "0", "0", ordered="0", price="7.00"), D("21.00")),  # nothing ordered (a line added on receipt)
])
def test_what_accrues_and_at_which_price(line, amount) -> None:
    out = goods_received_not_invoiced([line], EUR, {})
    assert [a.amount for a in out.lines] == ([amount] if amount is not None else [])
    assert out.considered == 1 and not out.refused


def test_lines_are_summed_per_company_account_and_distribution_and_rounded_once() -> None:
    ops = (("7", D(100)),)
    lines = [pol(1, "1", "0", "0.004", ordered="1", order="P1"), pol(2, "1", "0", "0.004", ordered="1", order="P2"),
             pol(3, "1", "0", "10.00", ordered="1", analytic=ops), pol(4, "1", "0", "5.00", ordered="1", analytic=ops),
             pol(5, "1", "0", "8.00", ordered="1", account="611000"), pol(6, "1", "0", "9.00", ordered="1", company=2)]
    out = goods_received_not_invoiced(lines, EUR, {})
    got = {(a.company_id, a.account_code, a.analytic): (a.amount, a.order_lines) for a in out.lines}
    assert got == {(1, "604000", ()): (D("0.01"), (1, 2)),   # 0.008 rounded once, not 0.00 + 0.00
                   (1, "604000", ops): (D("15.00"), (3, 4)),
                   (1, "611000", ()): (D("8.00"), (5,)),
                   (2, "604000", ()): (D("9.00"), (6,))}
    assert out.total(1) == D("23.01") and out.accrued == 6
    assert next(a for a in out.lines if a.order_lines == (1, 2)).orders == ("P1", "P2")


def test_a_foreign_currency_is_converted_at_the_period_end_rate_and_a_missing_rate_refused() -> None:
    lines = [pol(1, "10", "0", "110.00", currency="USD"), pol(2, "10", "0", "100.00", currency="CHF", order="P9")]
    out = goods_received_not_invoiced(lines, EUR, {(1, "USD"): D("1.1")})
    assert [(a.amount, a.order_lines) for a in out.lines] == [(D("100.00"), (1,))]
    [refused] = out.refused
    assert (refused.line_id, refused.order) == (2, "P9") and "no CHF rate" in refused.reason


def test_the_default_account_is_used_only_when_the_product_has_none_and_without_one_the_line_is_refused() -> None:
    lines = [pol(1, "1", "0", "5.00", ordered="1", account=None), pol(2, "1", "0", "6.00", ordered="1")]
    out = goods_received_not_invoiced(lines, EUR, {}, default_account="609000")
    assert {a.account_code: a.amount for a in out.lines} == {"609000": D("5.00"), "604000": D("6.00")}
    out = goods_received_not_invoiced(lines, EUR, {})
    assert [r.line_id for r in out.refused] == [1] and "no expense account" in out.refused[0].reason
    assert [a.amount for a in out.lines] == [D("6.00")]
