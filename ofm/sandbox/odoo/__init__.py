"""An Odoo 19 stand-in that speaks Odoo's own wire protocols (`/jsonrpc` and JSON-2), for demos and tests.

Bodies, statuses and error payloads follow captures of a real Odoo 19 server (odoo-contract/), so
the project's real `OdooClient` runs against it unchanged. It serves res.partner (with bank
accounts), res.country, res.currency, account.payment.term, res.company and res.users, and what
bank reconciliation needs (accounting/: accounts, journals, entries and invoices with posting,
bank statements and their lines, reconcile with partial and full reconciliations); it keeps them
in memory (optionally in a JSON state file) and can inject latency, 429s, 503s and answers lost
after a committed write (`Faults`).

    sandbox = OdooSandbox()                                             # or company_iban=..., modules=[...]
    client = OdooClient(config, transport=SandboxTransport(sandbox))   # in-process
    serve("127.0.0.1", 8070, sandbox)                                   # over HTTP (uvicorn)
    post_invoice(client, partner_id, 100.0)                             # accounting_fixtures

Never imported by flows: production talks to a real Odoo.
"""

from ofm.sandbox.odoo.app import create_app, serve
from ofm.sandbox.odoo.faults import Faults
from ofm.sandbox.odoo.sandbox import OdooSandbox
from ofm.sandbox.odoo.seed import ADMIN_UID, INTEGRATION_LOGIN, INTEGRATION_UID
from ofm.sandbox.odoo.transport import SandboxTransport

__all__ = ["ADMIN_UID", "INTEGRATION_LOGIN", "INTEGRATION_UID", "Faults", "OdooSandbox", "SandboxTransport",
           "create_app", "serve"]
