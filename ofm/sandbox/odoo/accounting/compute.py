"""Accounting fields derived on read, and display names (as Odoo 19 shows them in many2one values).

Display names, as captured: an account "121000 Account Receivable"; a journal its name; a move its
number followed by its reference in parentheses ("BILL/2026/11/0011 (CT2-G-1122105311)"), a draft
"Draft Bill (* 4)"-style label when it has no number; a journal item like `_format_aml_name`;
partial and full reconciliations "<model>,<id>" (they have no name field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting import statements
from ofm.sandbox.odoo.accounting.base import PURCHASE_TYPES, Row, company_currency, is_zero, rnd
from ofm.sandbox.odoo.accounting.moves import partner_account

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

Compute = Callable[["Env", Row], Any]

_DRAFT = {"out_invoice": "Draft Invoice", "out_refund": "Draft Credit Note", "in_invoice": "Draft Bill",
          "in_refund": "Draft Vendor Credit Note", "out_receipt": "Draft Sales Receipt",
          "in_receipt": "Draft Purchase Receipt", "entry": "Draft Entry"}
_GROUP = {"asset": "asset", "liability": "liability", "equity": "equity", "income": "income", "expense": "expense",
          "off": "off"}


def move_name(row: Row, show_ref: bool = True) -> str:
    """Odoo's `_get_move_display_name(show_ref=True)`."""
    name = f"{_DRAFT.get(row.get('move_type') or 'entry', 'Draft Entry')} " if row.get("state") == "draft" else ""
    name += f"(* {row['id']})" if not row.get("name") or row.get("name") == "/" else row["name"]
    ref = row.get("ref")
    if show_ref and ref:
        name += f" ({ref if len(ref) <= 50 else ref[:45].rsplit(' ', 1)[0] + ' [...]'})"
    return name


def line_name(row: Row) -> str:
    """Odoo's `_format_aml_name(line.name, line.ref, move.name)`."""
    names = []
    move, ref, label = row.get("move_name"), row.get("ref"), row.get("name")
    if move and move != "/":
        names.append(move)
    if ref and ref != "/":
        names.append(f"({ref})")
    if label and label not in ("/", move, f"{ref} - {move}", ref):
        names.append(label)
    return " ".join(names) or "Draft Entry"


DISPLAY_NAMES: dict[str, Callable[[Env, Row], str]] = {
    "account.account": lambda env, row: f"{row['code']} {row.get('name') or ''}" if row.get("code")
    else row.get("name") or "",
    "account.move": lambda env, row: move_name(row),
    "account.move.line": lambda env, row: line_name(row),
    "account.partial.reconcile": lambda env, row: f"account.partial.reconcile,{row['id']}",
    "account.full.reconcile": lambda env, row: f"account.full.reconcile,{row['id']}",
    "account.bank.statement": lambda env, row: row.get("name") or "",
    "account.bank.statement.line": lambda env, row: (env.db["account.move"].rows.get(row.get("move_id") or 0)
                                                     or {}).get("name") or "",
}


def _move_of(env: Env, row: Row) -> Row:
    return env.db["account.move"].rows.get(row.get("move_id") or 0) or {}


def _statement_lines(env: Env, row: Row) -> list[int]:
    return sorted(env.db["account.bank.statement.line"].lookup("statement_id", row["id"]))


def _balance_end(env: Env, row: Row) -> float:
    lines = env.db["account.bank.statement.line"].rows
    moves = env.db["account.move"].rows
    posted = [lines[i] for i in _statement_lines(env, row)
              if (moves.get(lines[i].get("move_id") or 0) or {}).get("state") == "posted"]
    return rnd((row.get("balance_start") or 0.0) + sum(line.get("amount") or 0.0 for line in posted))


def _indexed_lines(env: Env, row: Row) -> list[Row]:
    """A statement's lines that have an internal index, in Odoo's order (oldest first)."""
    lines = env.db["account.bank.statement.line"].rows
    return sorted((lines[i] for i in _statement_lines(env, row) if lines[i].get("internal_index")),
                  key=lambda line: line["internal_index"])


def first_line_index(env: Env, row: Row) -> str | bool:
    """The internal index of its first line: how Odoo orders the statements of a journal."""
    indexed = _indexed_lines(env, row)
    return indexed[0]["internal_index"] if indexed else False


def _statement_date(env: Env, row: Row) -> Any:
    """The date of its last posted line (recomputed when lines change; the given date until then)."""
    moves = env.db["account.move"].rows
    posted = [line for line in _indexed_lines(env, row)
              if (moves.get(line.get("move_id") or 0) or {}).get("state") == "posted"]
    return posted[-1].get("date") if posted else row.get("date") or False


def previous_statement(env: Env, row: Row) -> Row | None:
    """The statement before this one in its journal, by first line index (Odoo's `_get_statement_validity`)."""
    journal = statements.statement_journal(env, row["id"])
    own = first_line_index(env, row)
    if not own or not journal:
        return None
    table = env.db["account.bank.statement"]
    earlier = [(index, r) for r in table.rows.values() if r["id"] != row["id"]
               and statements.statement_journal(env, r["id"]) == journal
               and (index := first_line_index(env, r)) and index < own]
    return max(earlier, key=lambda pair: pair[0])[1] if earlier else None


def _is_valid(env: Env, row: Row) -> bool:
    """Its starting balance continues the previous statement of the journal (Odoo's `is_valid`)."""
    last = previous_statement(env, row)
    return last is None or is_zero((last.get("balance_end_real") or 0.0) - (row.get("balance_start") or 0.0))


def _current_balance(env: Env, row: Row) -> float:
    lines = env.db["account.move.line"]
    return rnd(sum(lines.rows[i].get("balance") or 0.0 for i in lines.lookup("account_id", row["id"])
                   if lines.rows[i].get("parent_state") == "posted"))


def _duplicated_refs(env: Env, row: Row) -> list[int]:
    """Other vendor bills of the same partner with the same reference (Odoo's duplicated_ref_ids)."""
    if row.get("move_type") not in PURCHASE_TYPES or not row.get("ref"):
        return []
    moves = env.db["account.move"]
    return sorted(rid for rid in moves.lookup("ref", row["ref"]) if rid != row["id"]
                  and moves.rows[rid].get("commercial_partner_id") == row.get("commercial_partner_id")
                  and moves.rows[rid].get("move_type") == row.get("move_type")
                  and moves.rows[rid].get("state") != "cancel")


def _internal_group(env: Env, row: Row) -> str:
    kind = row.get("account_type") or ""
    return "off" if kind == "off_balance" else _GROUP.get(kind.split("_")[0], "asset")


COMPUTE: dict[tuple[str, str], Compute] = {
    ("res.partner", "property_account_receivable_id"):
        lambda env, row: row.get("property_account_receivable_id") or partner_account(env, None, "asset_receivable"),
    ("res.partner", "property_account_payable_id"):
        lambda env, row: row.get("property_account_payable_id") or partner_account(env, None, "liability_payable"),
    ("account.account", "company_currency_id"): lambda env, row: company_currency(env),
    ("account.account", "internal_group"): _internal_group,
    ("account.account", "current_balance"): _current_balance,
    ("account.journal", "company_partner_id"):
        lambda env, row: (env.db["res.company"].rows.get(row.get("company_id") or 0) or {}).get("partner_id", False),
    ("account.journal", "bank_acc_number"):
        lambda env, row: (env.db["res.partner.bank"].rows.get(row.get("bank_account_id") or 0) or {})
        .get("acc_number", False),
    ("account.move", "company_currency_id"): lambda env, row: company_currency(env),
    ("account.move", "invoice_line_ids"):
        lambda env, row: [lid for lid in env.children("account.move.line", "move_id", row["id"])
                          if env.db["account.move.line"].rows[lid].get("display_type") in
                          ("product", "line_section", "line_note")],
    ("account.move", "duplicated_ref_ids"): _duplicated_refs,
    ("account.move.line", "move_type"): lambda env, row: _move_of(env, row).get("move_type", False),
    ("account.move.line", "company_currency_id"): lambda env, row: company_currency(env),
    ("account.move.line", "is_account_reconcile"):
        lambda env, row: bool((env.db["account.account"].rows.get(row.get("account_id") or 0) or {}).get("reconcile")),
    ("account.partial.reconcile", "debit_currency_id"):
        lambda env, row: (env.db["account.move.line"].rows.get(row.get("debit_move_id") or 0) or {})
        .get("currency_id", False),
    ("account.partial.reconcile", "credit_currency_id"):
        lambda env, row: (env.db["account.move.line"].rows.get(row.get("credit_move_id") or 0) or {})
        .get("currency_id", False),
    ("account.partial.reconcile", "company_currency_id"): lambda env, row: company_currency(env),
    ("account.bank.statement", "journal_id"): lambda env, row: statements.statement_journal(env, row["id"]),
    ("account.bank.statement", "company_id"): lambda env, row: env.company_id(),
    ("account.bank.statement", "currency_id"):
        lambda env, row: statements.journal_currency(env, statements.statement_journal(env, row["id"]) or 0),
    ("account.bank.statement", "date"): _statement_date,
    ("account.bank.statement", "balance_end"): _balance_end,
    ("account.bank.statement", "is_complete"):
        lambda env, row: bool(_statement_lines(env, row)) and is_zero(_balance_end(env, row)
                                                                      - (row.get("balance_end_real") or 0.0)),
    ("account.bank.statement", "is_valid"): _is_valid,
    ("account.bank.statement", "first_line_index"): first_line_index,
    ("account.bank.statement.line", "name"): lambda env, row: _move_of(env, row).get("name", False),
    ("account.bank.statement.line", "state"): lambda env, row: _move_of(env, row).get("state", False),
    ("account.bank.statement.line", "move_type"): lambda env, row: _move_of(env, row).get("move_type", False),
    ("account.bank.statement.line", "currency_id"):
        lambda env, row: statements.journal_currency(env, row.get("journal_id") or 0),
    ("account.bank.statement.line", "line_ids"):
        lambda env, row: sorted(env.db["account.move.line"].lookup("move_id", row.get("move_id") or 0)),
}
