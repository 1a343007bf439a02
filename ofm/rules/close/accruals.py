"""Goods received not invoiced: the accrual a month-end close books for what arrived and is not billed yet.

For each confirmed purchase order line, the quantity received beyond the quantity billed, valued at the
order's net unit price (`price_subtotal / product_qty`: discounts included, taxes excluded), is an
expense of the period not yet in the books. Lines are summed per company, expense account and analytic
distribution; each sum is converted into the company currency at the period end's rate and rounded once
(half up, to the currency's cent), never line by line. A line billed beyond what was received (a bill ahead
of its goods) accrues nothing here: that is a prepayment, not an accrual.

The expense account of a line is its product's (`property_account_expense_id`), else its product
category's, else the close policy's default. A line whose account cannot be named, or whose currency has
no rate, is not guessed: it is returned as a refusal naming the order line and what is missing.

Pure: the Odoo reads are in ofm/tasks/close/odoo.py. Plain Python over tuples: 100,000 lines take well
under a second (bench/close_accruals.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ReceivedLine:
    """A confirmed purchase order line as the accrual reads it (quantities in the line's unit)."""

    line_id: int
    order: str                       # the order's name, for the reasons (P00012)
    company_id: int
    currency: str                    # the order's currency
    qty_ordered: Decimal
    qty_received: Decimal
    qty_invoiced: Decimal
    price_subtotal: Decimal          # net of discount, before tax, for the ordered quantity
    price_unit: Decimal
    account_code: str | None         # the expense account (product, else category), None when neither has one
    analytic: tuple[tuple[str, Decimal], ...] = ()   # Odoo's analytic_distribution as sorted (key, percent)

    @property
    def uninvoiced(self) -> Decimal:
        return self.qty_received - self.qty_invoiced

    @property
    def net_unit_price(self) -> Decimal:
        return self.price_subtotal / self.qty_ordered if self.qty_ordered else self.price_unit


@dataclass(frozen=True)
class AccrualLine:
    """One debit of the accrual entry: an expense account and distribution, in the company currency."""

    company_id: int
    account_code: str
    analytic: tuple[tuple[str, Decimal], ...]
    amount: Decimal                  # company currency, rounded
    order_lines: tuple[int, ...]     # the purchase.order.line ids it sums (for the audit trail)
    orders: tuple[str, ...]          # their orders' names


@dataclass(frozen=True)
class Refusal:
    line_id: int
    order: str
    reason: str


@dataclass(frozen=True)
class Accruals:
    lines: tuple[AccrualLine, ...] = ()
    refused: tuple[Refusal, ...] = ()
    considered: int = 0              # order lines read
    accrued: int = 0                 # of them, lines with goods received not invoiced

    def total(self, company_id: int) -> Decimal:
        return sum((a.amount for a in self.lines if a.company_id == company_id), ZERO)


@dataclass
class _Sum:
    amount: Decimal = ZERO
    lines: list[int] = field(default_factory=list)
    orders: set[str] = field(default_factory=set)


def goods_received_not_invoiced(lines: list[ReceivedLine], company_currency: dict[int, str],
                                rates: dict[tuple[int, str], Decimal], default_account: str | None = None
                                ) -> Accruals:
    """The accrual lines for `lines`.

    `company_currency`: company id -> its currency; `rates`: (company id, currency) -> units of that
    currency per one unit of the company's currency at the period end (Odoo's `res.currency.rate`).
    """
    sums: dict[tuple[int, str, tuple[tuple[str, Decimal], ...]], _Sum] = defaultdict(_Sum)
    refused: list[Refusal] = []
    accrued = 0
    for line in lines:
        qty = line.uninvoiced
        if qty <= 0:
            continue
        accrued += 1
        account = line.account_code or default_account
        if not account:
            refused.append(Refusal(line.line_id, line.order, "no expense account: neither the product nor its "
                                                             "category has one, and the close policy names none"))
            continue
        value = qty * line.net_unit_price
        home = company_currency.get(line.company_id)
        if home is None:
            refused.append(Refusal(line.line_id, line.order, f"company {line.company_id} has no currency in Odoo"))
            continue
        if line.currency != home:
            rate = rates.get((line.company_id, line.currency))
            if not rate:
                refused.append(Refusal(line.line_id, line.order,
                                       f"no {line.currency} rate in Odoo for the period end ({home} company)"))
                continue
            value = value / rate
        key = (line.company_id, account, line.analytic)
        s = sums[key]
        s.amount += value
        s.lines.append(line.line_id)
        s.orders.add(line.order)
    out = [AccrualLine(company, account, analytic, s.amount.quantize(CENT, rounding=ROUND_HALF_UP),
                       tuple(s.lines), tuple(sorted(s.orders)))
           for (company, account, analytic), s in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                                       str(kv[0][2])))]
    return Accruals(lines=tuple(a for a in out if a.amount != 0), refused=tuple(refused), considered=len(lines),
                    accrued=accrued)
