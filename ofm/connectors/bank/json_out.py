"""Statements as JSON-ready dicts: amounts as signed decimal strings, dates as ISO strings.

Strings, not floats, so that `-1456.00` survives every JSON reader exactly. Money carries its
currency once per statement and once per entry; a balance that the bank reported in another
currency (it happens in test files) gets its own `*_currency` key rather than being silently
relabelled.
"""

from __future__ import annotations

from typing import Any

from ofm.canonical.bank import BankEntry, BankStatement
from ofm.canonical.money import Money

_STATEMENT_KEYS = ("format", "statement_id", "sequence", "account_iban", "account_number", "account_bic",
                   "currency")
_ENTRY_KEYS = ("booking_date", "value_date", "amount", "currency", "original_amount", "original_currency",
               "status", "reversal", "bank_reference", "end_to_end_id", "counterparty_name", "counterparty_iban",
               "counterparty_bic", "creditor_reference", "creditor_reference_type", "remittance",
               "transaction_code")


def statements_to_json(statements: list[BankStatement]) -> list[dict[str, Any]]:
    """One dict per statement, with its entries, ready for json.dumps."""
    return [_statement(s) for s in statements]


def _statement(s: BankStatement) -> dict[str, Any]:
    out: dict[str, Any] = {"account": s.account}
    out |= {key: getattr(s, key) for key in _STATEMENT_KEYS}
    for key in ("opening_balance", "closing_balance"):
        balance: Money | None = getattr(s, key)
        out[key] = _amount(balance)
        if balance is not None and balance.currency != s.currency:
            out[f"{key}_currency"] = balance.currency
    out |= {"opening_date": _iso(s.opening_date), "closing_date": _iso(s.closing_date),
            "created_at": _iso(s.created_at), "entries": [_entry(e) for e in s.entries]}
    return out


def _entry(e: BankEntry) -> dict[str, Any]:
    values: dict[str, Any] = e.model_dump(exclude={"amount", "original_amount"})
    values |= {"amount": _amount(e.amount), "currency": e.amount.currency,
               "original_amount": _amount(e.original_amount),
               "original_currency": e.original_amount.currency if e.original_amount else None,
               "booking_date": _iso(e.booking_date), "value_date": _iso(e.value_date), "status": e.status.value}
    return {key: values[key] for key in _ENTRY_KEYS}


def _amount(money: Money | None) -> str | None:
    return None if money is None else str(money.amount)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
