"""Taxes on journal entry lines, and where a tax books: its repartition lines.

Follows Odoo 19's addons/account/models/account_tax.py and account_move.py:
- a tax has repartition lines per document type (`invoice_repartition_line_ids`,
  `refund_repartition_line_ids`, both kept in `repartition_line_ids`): one `base` and one `tax` line each
  when created without them (`_compute_invoice_repartition_line_ids`); the `tax` line's account is where
  the tax amount books (none: on the base line's account, as Odoo does);
- a journal entry's lines may carry taxes without a product: `_sync_tax_lines` adds one `tax` line per tax
  and account, the sum of each base line's balance x the rate, rounded per line (the company default
  `round_per_line`), with the base line's sign; an entry is a refund for a tax when its base goes the
  other way than the tax's use (a debit on a sale tax, a credit on a purchase tax), and then books on
  the refund distribution. Percent taxes only (`amount_type` percent; fixed ones per line).
Invoices keep their own tax lines (purchase/bills.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo.accounting.base import Hooks, Row, lines_of, rnd, with_context

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

TAX, REPARTITION, LINE = "account.tax", "account.tax.repartition.line", "account.move.line"
_BY_DOCUMENT = {"invoice_repartition_line_ids": "invoice", "refund_repartition_line_ids": "refund"}


def _tax_before_create(env: Env, vals: Row) -> Row:
    """The per-document commands go to `repartition_line_ids` with their document type; defaults for a
    document type given none (one base line, one tax line without account)."""
    vals = dict(vals)
    commands = list(vals.get("repartition_line_ids") or [])
    for key, document in _BY_DOCUMENT.items():
        given = vals.pop(key, None) or []
        mine = [[c[0], c[1], {**c[2], "document_type": document}] for c in given
                if isinstance(c, list | tuple) and len(c) >= 3 and c[0] == 0 and isinstance(c[2], dict)]
        if not mine and not any(isinstance(c, list | tuple) and len(c) >= 3 and isinstance(c[2], dict)
                                and c[2].get("document_type", "invoice") == document for c in commands):
            mine = [[0, 0, {"document_type": document, "repartition_type": kind}] for kind in ("base", "tax")]
        commands += mine
    vals["repartition_line_ids"] = commands
    return vals


def repartition(env: Env, tax_id: int, document: str) -> list[int]:
    rows = env.db[REPARTITION].rows
    return sorted(rid for rid in env.db[REPARTITION].lookup("tax_id", tax_id)
                  if rows[rid].get("document_type") == document)


def tax_account(env: Env, tax_id: int, refund: bool) -> int | bool:
    """The account of the tax's `tax` repartition line for invoices or refunds (False: none given)."""
    rows = env.db[REPARTITION].rows
    for rid in repartition(env, tax_id, "refund" if refund else "invoice"):
        if rows[rid].get("repartition_type") == "tax":
            return rows[rid].get("account_id") or False
    return False


def sync_entry_taxes(env: Env, move_id: int) -> None:
    """Regenerate the tax lines of a draft journal entry from its lines' taxes."""
    table, taxes = env.db[LINE], env.db[TAX].rows
    ids = lines_of(env, move_id)
    wanted: dict[tuple[int, int | bool], float] = {}
    for lid in ids:
        line = table.rows[lid]
        if line.get("display_type") == "tax":
            continue
        balance = line.get("balance") or 0.0
        for tid in line.get("tax_ids") or []:
            tax = taxes.get(tid) or {}
            refund = (tax.get("type_tax_use") == "sale" and balance > 0) or \
                     (tax.get("type_tax_use") == "purchase" and balance < 0)
            if tax.get("amount_type", "percent") == "fixed":
                amount = rnd((tax.get("amount") or 0.0) * (1 if balance >= 0 else -1))
            else:
                amount = rnd(balance * (tax.get("amount") or 0.0) / 100)
            key = (tid, tax_account(env, tid, refund) or line.get("account_id") or False)
            wanted[key] = rnd(wanted.get(key, 0.0) + amount)
    existing = [lid for lid in ids if table.rows[lid].get("display_type") == "tax"]
    have = sorted((table.rows[lid].get("tax_line_id"), table.rows[lid].get("account_id"),
                   rnd(table.rows[lid].get("balance"))) for lid in existing)
    target = sorted((tid, account, amount) for (tid, account), amount in wanted.items() if abs(amount) >= 0.005)
    if have == target:
        return  # settled: regenerating would schedule the move again
    with with_context(env, dynamic_unlink=True, force_delete=True):
        if existing:
            env.unlink(LINE, existing)
        for tid, account, amount in target:
            env.create_one(LINE, {"move_id": move_id, "display_type": "tax", "account_id": account,
                                  "tax_line_id": tid, "name": (taxes.get(tid) or {}).get("name") or False,
                                  "balance": amount})


def _repartition_ids(document: str) -> Any:
    return lambda env, row: repartition(env, row["id"], document)


TAX_HOOKS = Hooks(before_create=_tax_before_create)
COMPUTE = {(TAX, "invoice_repartition_line_ids"): _repartition_ids("invoice"),
           (TAX, "refund_repartition_line_ids"): _repartition_ids("refund")}
