"""Posted invoices and bills for tests and demos, through the real client or straight into a sandbox.

    client = OdooClient(config, transport=SandboxTransport(sandbox))
    inv = post_invoice(client, partner_id, 100.0)                       # INV/2026/00001, payment_reference = number
    bill = post_invoice(sandbox, vendor_id, 71.88, "in_invoice", ref="VREF-1", date="2026-11-22")

Each document has one line (no taxes: the sandbox serves none) and is posted, so it is an open
item: its receivable (customer documents) or payable (vendor documents) line is what
`OPEN_ITEMS_DOMAIN` finds. With an OdooClient, one `create` and one `action_post` call per batch.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any, Protocol

from ofm.sandbox.odoo.sandbox import OdooSandbox

# How open receivable/payable items are read (contract traces/trace_i_open_items.json).
OPEN_ITEMS_DOMAIN: list[Any] = [["reconciled", "=", False],
                                ["account_id.account_type", "in", ["asset_receivable", "liability_payable"]],
                                ["parent_state", "=", "posted"]]
OPEN_ITEM_FIELDS = ["move_id", "move_name", "partner_id", "account_id", "date", "date_maturity", "amount_residual",
                    "amount_residual_currency", "currency_id", "ref", "name", "balance"]
# The IBAN the middleware's bank routing expects on journal BNK1: OdooSandbox(company_iban=COMPANY_IBAN).
COMPANY_IBAN = "DE89370400440532013000"


class _Client(Protocol):
    def create(self, model: str, vals_list: list[dict[str, Any]]) -> list[int]: ...

    def call(self, model: str, method: str, args: list[Any] | None = None, kwargs: dict[str, Any] | None = None,
             ids: list[int] | None = None, retry: bool | None = None) -> Any: ...


def invoice_vals(partner_id: int, amount: float, move_type: str = "out_invoice", *, ref: str | None = None,
                 payment_reference: str | None = None, date: str | Date | None = None,
                 label: str = "Services") -> dict[str, Any]:
    """The `account.move` values of a one-line invoice/bill/credit note of `amount` (before taxes: none)."""
    vals: dict[str, Any] = {"move_type": move_type, "partner_id": partner_id,
                            "invoice_line_ids": [(0, 0, {"name": label, "quantity": 1, "price_unit": amount})]}
    if date is not None:
        vals["invoice_date"] = str(date)
    elif move_type.startswith("in_"):
        vals["invoice_date"] = Date.today().isoformat()  # a bill cannot be posted without one
    if ref is not None:
        vals["ref"] = ref
    if payment_reference is not None:
        vals["payment_reference"] = payment_reference
    return vals


def post_invoices(target: _Client | OdooSandbox, invoices: list[dict[str, Any]]) -> list[int]:
    """Create and post documents given as `invoice_vals` keyword dicts; their ids, in order."""
    vals_list = [invoice_vals(**spec) for spec in invoices]
    if not vals_list:
        return []
    ids = target.create("account.move", vals_list)  # OdooClient and OdooSandbox both take (model, vals_list)
    target.call("account.move", "action_post", ids=ids)
    return ids


def post_invoice(target: _Client | OdooSandbox, partner_id: int, amount: float, move_type: str = "out_invoice", *,
                 ref: str | None = None, payment_reference: str | None = None, date: str | Date | None = None,
                 label: str = "Services") -> int:
    """One posted document (customer invoice by default); its account.move id."""
    [move_id] = post_invoices(target, [{"partner_id": partner_id, "amount": amount, "move_type": move_type, "ref": ref,
                                        "payment_reference": payment_reference, "date": date, "label": label}])
    return move_id
