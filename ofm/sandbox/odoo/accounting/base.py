"""Shared pieces of the accounting models: hook type, rounding, deferred work, small lookups.

Amounts are company-currency floats rounded to 2 decimals (every sandbox currency has rounding
0.01 and rate 1.0). Work that Odoo does once per transaction (sync an invoice's receivable line,
check that an entry balances, recompute totals and payment states, recompute statement lines)
is recorded in `env.pending` and run when the outermost create/write/unlink/method ends
(`work.unit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

Row = dict[str, Any]

SALE_TYPES = frozenset({"out_invoice", "out_refund", "out_receipt"})
PURCHASE_TYPES = frozenset({"in_invoice", "in_refund", "in_receipt"})
INVOICE_TYPES = SALE_TYPES | PURCHASE_TYPES
INBOUND_TYPES = frozenset({"out_invoice", "in_refund", "out_receipt"})  # direction_sign -1
REC_PAY = frozenset({"asset_receivable", "liability_payable"})
CASH_TYPES = frozenset({"asset_cash", "liability_credit_card"})
NOTE_TYPES = frozenset({"line_section", "line_subsection", "line_note"})
JOURNAL_OF = {"out_invoice": "sale", "out_refund": "sale", "out_receipt": "sale", "in_invoice": "purchase",
              "in_refund": "purchase", "in_receipt": "purchase", "entry": "general"}

# Deferred work, by kind (see work.flush for the order they run in).
REFRESH_LINES = "refresh_lines"  # residual/reconciled/matching of lines whose partials changed
SYNC = "sync"  # draft invoices: regenerate the receivable/payable line
BALANCE = "balance"  # moves whose lines changed: must balance at the end of the call
TOTALS = "totals"  # moves: amounts, residual, payment state
STATEMENT = "statement"  # statement lines: is_reconciled, amount_residual


@dataclass(frozen=True)
class Hooks:
    """What one model adds to the generic create/write/unlink (all optional).

    prepare(env, vals_list): before the access check of a create (Odoo's create overrides run first);
    before_create(env, vals) -> vals; fill(env, row, vals, old): derive stored values into the row
    about to be saved (old: the row before a write, None on create); after_create(env, id, vals);
    before_write(env, ids, vals) -> vals; after_write(env, ids, vals); before_unlink(env, ids).
    """

    prepare: Callable[[Env, list[Row]], None] | None = None
    before_create: Callable[[Env, Row], Row] | None = None
    fill: Callable[[Env, Row, Row, Row | None], None] | None = None
    after_create: Callable[[Env, int, Row], None] | None = None
    before_write: Callable[[Env, list[int], Row], Row] | None = None
    after_write: Callable[[Env, list[int], Row], None] | None = None
    before_unlink: Callable[[Env, list[int]], None] | None = None


def rnd(value: Any) -> float:
    """A company-currency amount rounded like `currency.round` (0.01), never -0.0."""
    return round(float(value or 0.0), 2) + 0.0


def is_zero(value: Any) -> bool:
    return abs(float(value or 0.0)) < 0.005


def today(env: Env) -> str:
    return env.now()[:10]


def user_error(message: str) -> exc.OdooException:
    return exc.odoo("UserError", message)


def mark(env: Env, kind: str, ids: Iterable[Any]) -> None:
    """Schedule deferred work on records (ordered, without duplicates; falsy ids ignored)."""
    bucket = env.pending.setdefault(kind, {})
    for rid in ids:
        if rid:
            bucket[rid] = None


def take(env: Env, kind: str) -> list[int]:
    """The records scheduled for `kind`, removing them from the schedule."""
    bucket = env.pending.pop(kind, None)
    return list(bucket) if bucket else []


def set_fields(env: Env, model: str, rid: int, values: Row) -> bool:
    """Low-level write of stored values (journaled, no hooks); whether anything changed."""
    table = env.db[model]
    row = table.rows[rid]
    changed = False
    for name, value in values.items():
        if row.get(name, False) != value or type(row.get(name, False)) is not type(value):
            table.update(rid, name, value)
            changed = True
    return changed


def company_row(env: Env) -> Row:
    return env.db["res.company"].rows.get(env.company_id()) or {}


def company_currency(env: Env) -> int | bool:
    return company_row(env).get("currency_id", False)


def lines_of(env: Env, move_id: int) -> list[int]:
    """The journal items of a move, by id."""
    return sorted(env.db["account.move.line"].lookup("move_id", move_id))


def is_invoice(move: Row, receipts: bool = True) -> bool:
    kind = move.get("move_type")
    return kind in INVOICE_TYPES if receipts else kind in INVOICE_TYPES - {"out_receipt", "in_receipt"}


def direction_sign(move: Row) -> int:
    return -1 if move.get("move_type") in INBOUND_TYPES else 1


def with_context(env: Env, **flags: Any) -> _Flags:
    """Temporarily set context keys (skip_readonly_check, force_delete, ...) on `env`."""
    return _Flags(env, flags)


class _Flags:
    def __init__(self, env: Env, flags: dict[str, Any]) -> None:
        self.env, self.flags, self.saved = env, flags, {}

    def __enter__(self) -> None:
        for key, value in self.flags.items():
            self.saved[key] = self.env.context.get(key, _MISSING)
            self.env.context[key] = value

    def __exit__(self, *_exc: object) -> None:
        for key, value in self.saved.items():
            if value is _MISSING:
                self.env.context.pop(key, None)
            else:
                self.env.context[key] = value


_MISSING = object()


def require(env: Env, model: str, ids: Any) -> list[int]:
    """The ids of a record method, or Odoo's MissingError for those that do not exist."""
    ids = env.browse(model, ids)
    missing = [rid for rid in ids if rid not in env.db[model]]
    if missing:
        raise exc.missing(model, missing, env.uid)
    return ids
