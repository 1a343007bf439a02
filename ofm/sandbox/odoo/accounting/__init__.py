"""What the Odoo sandbox needs for accounting: accounts, journals, entries, invoices, taxes, statement
lines and reconciliation, lock dates and reversals, behaving like the captured Odoo 19 server (odoo-contract/).

The generic ORM (writes.py, orm.py) calls these through:
- HOOKS: per-model additions to create/write/unlink (base.Hooks);
- unit(env): deferred work (invoice receivable lines, balance check, totals, payment states,
  statement line state) run when the outermost operation of a call ends;
- COMPUTE / DISPLAY_NAMES: values derived on read, and display names;
- ACCOUNTING_METHODS: action_post, button_draft, button_cancel, reconcile, remove_move_reconcile,
  action_undo_reconciliation, and the reversal wizard's reverse_moves / refund_moves;
- seed_accounting: the chart of accounts and journals of a fresh database.

Beside entries, invoices and reconciliation it serves what Odoo 19's own code does with
- lock dates (locks.py): res.company's five lock date fields, posting re-dating an entry of a locked
  period, the refusals (reset to draft in a locked period, hard lock removed or over drafts);
- the reversal wizard account.move.reversal (reversal.py): reversals negating each line, linked by
  `reversed_entry_id`, posted and reconciled like Odoo's `_reverse_moves`;
- taxes: an invoice's product lines (purchase/bills.py: percent taxes, one tax line each); a journal
  entry's lines with taxes and no product (taxes.py: one tax line per tax and account, on the account of
  the tax's repartition line).
Deliberately not served: payment terms' due-date rules, account.payment and the payment register,
lock date exceptions (account.lock_exception), auto-posting of future entries (a cron in Odoo),
exchange difference entries (every sandbox currency has rate 1.0), hashing. Analytic accounting:
../analytic.py.
"""

from ofm.sandbox.odoo.accounting import locks, reversal, taxes
from ofm.sandbox.odoo.accounting.base import Hooks
from ofm.sandbox.odoo.accounting.chart import seed_accounting
from ofm.sandbox.odoo.accounting.compute import COMPUTE, DISPLAY_NAMES
from ofm.sandbox.odoo.accounting.journals import ACCOUNT_HOOKS, JOURNAL_HOOKS
from ofm.sandbox.odoo.accounting.lines import HOOKS as LINE_HOOKS
from ofm.sandbox.odoo.accounting.locks import COMPANY_HOOKS
from ofm.sandbox.odoo.accounting.methods import ACCOUNTING_METHODS, ACCOUNTING_MODEL_METHODS
from ofm.sandbox.odoo.accounting.moves import HOOKS as MOVE_HOOKS
from ofm.sandbox.odoo.accounting.reconcile import FULL_HOOKS, PARTIAL_HOOKS
from ofm.sandbox.odoo.accounting.reversal import WIZARD_HOOKS
from ofm.sandbox.odoo.accounting.statements import STATEMENT_HOOKS, STATEMENT_LINE_HOOKS
from ofm.sandbox.odoo.accounting.taxes import TAX_HOOKS
from ofm.sandbox.odoo.accounting.work import unit

HOOKS: dict[str, Hooks] = {
    "account.account": ACCOUNT_HOOKS,
    "account.journal": JOURNAL_HOOKS,
    "account.move": MOVE_HOOKS,
    "account.move.line": LINE_HOOKS,
    "account.partial.reconcile": PARTIAL_HOOKS,
    "account.full.reconcile": FULL_HOOKS,
    "account.bank.statement": STATEMENT_HOOKS,
    "account.bank.statement.line": STATEMENT_LINE_HOOKS,
    "account.move.reversal": WIZARD_HOOKS,
    "account.tax": TAX_HOOKS,
    "res.company": COMPANY_HOOKS,
}
COMPUTE = {**COMPUTE, **locks.COMPUTE, **reversal.COMPUTE, **taxes.COMPUTE}

__all__ = ["ACCOUNTING_METHODS", "ACCOUNTING_MODEL_METHODS", "COMPUTE", "DISPLAY_NAMES", "HOOKS", "Hooks",
           "seed_accounting", "unit"]
