"""What the Odoo sandbox needs for bank reconciliation: accounts, journals, entries, invoices,
statement lines and reconciliation, behaving like the captured Odoo 19 server (odoo-contract/).

The generic ORM (writes.py, orm.py) calls these through:
- HOOKS: per-model additions to create/write/unlink (base.Hooks);
- unit(env): deferred work (invoice receivable lines, balance check, totals, payment states,
  statement line state) run when the outermost operation of a call ends;
- COMPUTE / DISPLAY_NAMES: values derived on read, and display names;
- ACCOUNTING_METHODS: action_post, button_draft, button_cancel, reconcile, remove_move_reconcile,
  action_undo_reconciliation;
- seed_accounting: the chart of accounts and journals of a fresh database.

Taxes: only on lines with a product (purchase/bills.py: percent taxes, one tax line each).
Deliberately not served: payment terms' due-date rules, account.payment and
the payment register, reversals (account.move.reversal), lock dates, exchange difference
entries (every sandbox currency has rate 1.0), hashing. Analytic accounting: ../analytic.py.
"""

from ofm.sandbox.odoo.accounting.base import Hooks
from ofm.sandbox.odoo.accounting.chart import seed_accounting
from ofm.sandbox.odoo.accounting.compute import COMPUTE, DISPLAY_NAMES
from ofm.sandbox.odoo.accounting.journals import ACCOUNT_HOOKS, JOURNAL_HOOKS
from ofm.sandbox.odoo.accounting.lines import HOOKS as LINE_HOOKS
from ofm.sandbox.odoo.accounting.methods import ACCOUNTING_METHODS
from ofm.sandbox.odoo.accounting.moves import HOOKS as MOVE_HOOKS
from ofm.sandbox.odoo.accounting.reconcile import FULL_HOOKS, PARTIAL_HOOKS
from ofm.sandbox.odoo.accounting.statements import STATEMENT_HOOKS, STATEMENT_LINE_HOOKS
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
}

__all__ = ["ACCOUNTING_METHODS", "COMPUTE", "DISPLAY_NAMES", "HOOKS", "Hooks", "seed_accounting", "unit"]
