"""A statement that pays Odoo's open items in every way real customers and banks do.

Given the open items (as `account.move.line` search_read rows, with the move's payment
reference and the partner's IBAN added), it writes entries for: an exact payment quoting the
invoice number; one quoting a structured RF creditor reference; one identified only by the
payer's IBAN; one payment for two invoices; a part payment; a payment short by a bank fee; a
vendor bill paid out; two invoices of one customer with the same amount paid without a
reference (ambiguous); money nobody expects; the bank's own charges. Each entry's expected
outcome is returned beside the statement, so tests and the demo can check the engine.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ofm.canonical import BankEntry, BankStatement, Money

Item = dict[str, Any]


def _money(value: Decimal | float | str, currency: str) -> Money:
    return Money(amount=Decimal(str(value)).quantize(Decimal("0.01")), currency=currency)


def _entry(day: date, amount: Decimal, currency: str, ref: str, *, item: Item | None = None, text: str | None = None,
           creditor_reference: str | None = None, iban: bool = True) -> BankEntry:
    return BankEntry(booking_date=day, value_date=day, amount=_money(amount, currency), bank_reference=ref,
                     counterparty_name=(item or {}).get("partner_name"),
                     counterparty_iban=(item or {}).get("partner_iban") if iban else None,
                     remittance=text, creditor_reference=creditor_reference,
                     transaction_code="PMNT/RCDT/ESCT" if amount > 0 else "PMNT/ICDT/ESCT")


def _twins(groups) -> list[Item] | None:
    """Two open items of one customer with the same amount: without a reference, nobody can tell which."""
    for group in groups:
        seen: dict[Any, Item] = {}
        for item in group:
            if item["amount_residual"] in seen:
                return [seen[item["amount_residual"]], item]
            seen[item["amount_residual"]] = item
    return None


def statement_paying(items: list[Item], *, account_iban: str, day: date, opening: Decimal, sequence: str,
                     currency: str = "EUR") -> tuple[BankStatement, list[str]]:
    """(statement, expected outcome per entry: a rule name or 'unmatched'), built from the open items.

    Items need: move_name, payment_reference, amount_residual, partner_id, partner_name, partner_iban,
    account_type ('asset_receivable' | 'liability_payable'). Unused items stay open.
    """
    receivable = [i for i in items if i["account_type"] == "asset_receivable" and i.get("partner_iban")]
    payable = [i for i in items if i["account_type"] == "liability_payable"]
    by_partner: dict[int, list[Item]] = defaultdict(list)
    for item in receivable:
        by_partner[item["partner_id"]].append(item)
    twins = _twins(by_partner.values())
    twin_partner = twins[0]["partner_id"] if twins else None
    pairs = next(([g[0], g[1]] for p, g in by_partner.items() if len(g) >= 2 and p != twin_partner
                  and g[0]["amount_residual"] != g[1]["amount_residual"]), None)
    used = {id(i) for i in (twins or []) + (pairs or [])}
    singles = [i for i in receivable if id(i) not in used]
    entries: list[BankEntry] = []
    expected: list[str] = []
    n = iter(range(1, 10_000))

    def add(entry: BankEntry, outcome: str) -> None:
        entries.append(entry)
        expected.append(outcome)

    def ref() -> str:
        return f"BANK-{day:%Y%m%d}-{next(n):04d}"

    def residual(item: Item) -> Decimal:
        return Decimal(str(item["amount_residual"]))

    for item in singles[:4]:
        add(_entry(day, residual(item), currency, ref(), item=item, text=f"Invoice {item['move_name']} thank you",
                   iban=False), "reference")
    rf = [i for i in singles[4:] if str(i.get("payment_reference") or "").startswith("RF")]
    for item in rf[:1]:
        add(_entry(day, residual(item), currency, ref(), item=item, creditor_reference=item["payment_reference"],
                   iban=False), "reference")
    rest = [i for i in singles[4:] if i not in rf[:1]]
    if len(rest) >= 3:
        add(_entry(day, residual(rest[0]), currency, ref(), item=rest[0], text="Payment as agreed"), "partner_amount")
        part = (residual(rest[1]) * Decimal("0.6")).quantize(Decimal("0.01"))
        add(_entry(day, part, currency, ref(), item=rest[1], text=f"Part payment {rest[1]['move_name']}"), "partial")
        add(_entry(day, residual(rest[2]) - Decimal("1.50"), currency, ref(), item=rest[2],
                   text=f"{rest[2]['move_name']} less charges"), "fees")
    if pairs:
        total = residual(pairs[0]) + residual(pairs[1])
        add(_entry(day, total, currency, ref(), item=pairs[0], text="Two invoices, see our remittance advice"),
            "multi_invoice")
    if twins:
        add(_entry(day, residual(twins[0]), currency, ref(), item=twins[0], text="Monthly fee"), "unmatched")
    for item in payable[:2]:
        add(_entry(day, residual(item), currency, ref(), item=item,
                   text=f"{item.get('ref') or item['move_name']} {item['move_name']}"), "reference")
    add(_entry(day, Decimal("250.00"), currency, ref(), text="Refund of deposit, no reference"), "unmatched")
    add(_entry(day, Decimal("-12.90"), currency, ref(), text="Account maintenance fee"), "unmatched")
    closing = opening + sum((e.amount.amount for e in entries), Decimal(0))
    statement = BankStatement(
        format="camt.053.001.08", statement_id=f"STMT-{day:%Y%m%d}", sequence=sequence, account_iban=account_iban,
        currency=currency, opening_balance=_money(opening, currency), closing_balance=_money(closing, currency),
        opening_date=day - timedelta(days=1), closing_date=day, entries=tuple(entries))
    return statement, expected
