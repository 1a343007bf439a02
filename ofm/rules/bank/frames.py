"""The three frames the matching engine reads: bank entries, Odoo open items, partner bank accounts.

Built once per run from canonical statements and from Odoo `search_read` rows. Amounts become
int64 minor units here (Odoo's float residuals through Decimal(str(x)), never float arithmetic),
so the engine compares integers exactly and can join on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ofm.canonical.bank import BankStatement, EntryStatus
from ofm.rules.bank.amounts import compact, money_minor, to_minor
from ofm.rules.bank.identity import entry_ids

ENTRY_COLUMNS = ("entry_id", "account", "amount_minor", "currency", "booking_date", "counterparty_iban",
                 "counterparty_name", "remittance", "creditor_reference", "end_to_end_id")
ITEM_COLUMNS = ("line_id", "move_id", "move_name", "payment_reference", "ref", "partner_id", "partner_name",
                "residual_minor", "currency", "date_maturity")
PARTNER_BANK_COLUMNS = ("partner_id", "iban")
# account.move.line fields to read in the one search_read of open items (payment_reference is the
# move's: read it from account.move and add it to the rows when the invoices carry RF references).
ITEM_FIELDS = ("id", "move_id", "move_name", "partner_id", "amount_residual", "amount_residual_currency",
               "currency_id", "date_maturity", "date", "ref")


def _dates(values: list[Any]) -> np.ndarray:
    return np.array([v or None for v in values], dtype="datetime64[D]")


def entries_frame(statements: Sequence[BankStatement], ids: Sequence[Sequence[str]] | None = None,
                  statuses: Iterable[EntryStatus] = (EntryStatus.BOOKED,)) -> pd.DataFrame:
    """Entries of ONE file (ids from `identity.entry_ids` unless given), booked ones only by default."""
    ids = entry_ids(statements) if ids is None else ids
    keep = set(statuses)
    cols: dict[str, list[Any]] = {c: [] for c in ENTRY_COLUMNS}
    for statement, statement_ids in zip(statements, ids, strict=True):
        for entry, eid in zip(statement.entries, statement_ids, strict=True):
            if entry.status not in keep:
                continue
            for column, value in (
                    ("entry_id", eid), ("account", compact(statement.account)),
                    ("amount_minor", money_minor(entry.amount)), ("currency", entry.amount.currency),
                    ("booking_date", entry.booking_date or entry.value_date),
                    ("counterparty_iban", compact(entry.counterparty_iban)),
                    ("counterparty_name", entry.counterparty_name), ("remittance", entry.remittance),
                    ("creditor_reference", compact(entry.creditor_reference)),
                    ("end_to_end_id", entry.end_to_end_id)):
                cols[column].append(value)
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in cols.items()})
    return _typed(frame, {"amount_minor": "int64"}, "booking_date", cols["booking_date"])


def _typed(frame: pd.DataFrame, ints: Mapping[str, str], date_col: str, dates: list[Any]) -> pd.DataFrame:
    for column, dtype in ints.items():
        frame[column] = frame[column].astype(dtype)
    for column in frame.columns:
        if frame[column].dtype == object and column not in ints:
            frame[column] = frame[column].astype("str")
    frame[date_col] = _dates(dates)
    return frame


def _many2one(value: Any) -> tuple[int, str | None]:
    """Odoo's [id, display name] or False."""
    if isinstance(value, list | tuple) and value:
        return int(value[0]), (str(value[1]) if len(value) > 1 and value[1] else None)
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None
    return 0, None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, False, "") else None


def items_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Open items from one account.move.line search_read (fields: ITEM_FIELDS, + payment_reference).

    The residual is taken in the line's own currency (amount_residual_currency when read, which
    Odoo keeps in currency_id; amount_residual is in the company currency).
    """
    cols: dict[str, list[Any]] = {c: [] for c in ITEM_COLUMNS}
    for row in rows:
        move_id, move_display = _many2one(row.get("move_id"))
        partner_id, partner_name = _many2one(row.get("partner_id"))
        currency = _many2one(row.get("currency_id"))[1]
        if not currency:
            raise ValueError(f"open item {row.get('id')}: currency_id must be read as [id, 'EUR']")
        residual = row.get("amount_residual_currency", row.get("amount_residual"))
        if isinstance(residual, bool) or residual is None:
            raise ValueError(f"open item {row.get('id')}: amount_residual missing")
        for column, value in (
                ("line_id", int(row["id"])), ("move_id", move_id),
                ("move_name", _text(row.get("move_name")) or move_display),
                ("payment_reference", _text(row.get("payment_reference"))), ("ref", _text(row.get("ref"))),
                ("partner_id", partner_id), ("partner_name", partner_name),
                ("residual_minor", to_minor(Decimal(str(residual)), currency)), ("currency", currency),
                ("date_maturity", _text(row.get("date_maturity")) or _text(row.get("date")))):
            cols[column].append(value)
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in cols.items()})
    ints = {"line_id": "int64", "move_id": "int64", "partner_id": "int64", "residual_minor": "int64"}
    return _typed(frame, ints, "date_maturity", cols["date_maturity"])


def partner_banks_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Partner bank accounts from a res.partner.bank search_read (partner_id, acc_number)."""
    pairs = [(_many2one(r.get("partner_id"))[0], compact(r.get("sanitized_acc_number") or r.get("acc_number")))
             for r in rows]
    pairs = [(p, iban) for p, iban in pairs if p and iban]
    return pd.DataFrame({"partner_id": pd.Series([p for p, _ in pairs], dtype="int64"),
                         "iban": pd.Series([i for _, i in pairs], dtype="str")})
