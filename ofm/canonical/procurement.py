"""Procure-to-pay documents as the middleware understands them: orders, receipts, vendor bills.

The three-way match reads only these. Quantities are Decimal (never float), money is `Money`,
and dates are named by meaning. Shapes and arithmetic that must hold on any valid document
(percentages summing to 100, totals adding up) are checked here; whether a supplier, tax or
analytic account exists in Odoo is the data-quality checkpoint's job.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from ofm.canonical.base import Frozen
from ofm.canonical.lineage import Lineage
from ofm.canonical.money import Money, minor_units

HUNDRED = Decimal(100)


def _decimal(value: Any) -> Any:
    """Quantities and percentages as Decimal; floats refused for the same reason as in Money."""
    if isinstance(value, float):
        raise ValueError("must not be a float; pass a string or Decimal")
    if isinstance(value, Decimal | int | str):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
    return value


def _iso_currency(value: str) -> str:
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValueError(f"currency must be an ISO 4217 code like 'EUR', got {value!r}")
    return value


class ApprovalStatus(StrEnum):
    """Where a purchase order stands in the buyer's approval workflow."""

    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class BillKind(StrEnum):
    """An invoice asks for money; a credit note gives it back (its amounts are negative)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class TaxRef(Frozen):
    """A tax applied to a line, as the source names it (mapped to an Odoo tax later)."""

    code: str = Field(min_length=1, description="Tax code or category, e.g. 'S' (UBL standard rate), 'VAT21'.")
    percent: Decimal | None = Field(
        default=None, ge=0, le=100, description="Rate in percent; None for categories without one (exempt, 'O').")

    _percent = field_validator("percent", mode="before")(lambda cls, v: _decimal(v))


class Attachment(Frozen):
    """What is known about a file that came with a document; the bytes themselves are not kept."""

    file_name: str | None = Field(default=None, description="File name as the sender gave it.")
    mime_type: str | None = Field(default=None, description="Media type, e.g. 'application/pdf'.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the decoded bytes, lowercase hex.")
    size: int = Field(ge=0, description="Size of the decoded bytes.")


class _AnalyticLine(Frozen):
    analytic_distribution: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Analytic account code -> percent of the line; empty, or percents summing to 100.")

    @field_validator("analytic_distribution", mode="before")
    @classmethod
    def _decimals(cls, value: Any) -> Any:
        return {k: _decimal(v) for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("analytic_distribution")
    @classmethod
    def _sums_to_100(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        if any(p <= 0 or p > HUNDRED for p in value.values()):
            raise ValueError("analytic_distribution: every percent must be above 0 and at most 100")
        if value and sum(value.values()) != HUNDRED:
            raise ValueError(f"analytic_distribution: percents sum to {sum(value.values())}, not 100")
        return value


class PurchaseOrderLine(_AnalyticLine):
    """One ordered product or service."""

    line_ref: str = Field(min_length=1, description="Stable line reference: the source's line number.")
    product_code: str | None = Field(default=None, description="Product code (Odoo default_code).")
    description: str = Field(min_length=1, description="What is ordered, as written on the order.")
    quantity: Decimal = Field(gt=0, description="Ordered quantity, in `unit`.")
    unit: str = Field(min_length=1, description="Unit of measure code, e.g. UN/ECE 'C62' (piece), 'HUR'.")
    unit_price: Money = Field(description="Price per one `unit`, before tax.")
    taxes: tuple[TaxRef, ...] = Field(default=(), description="Taxes that apply to the line.")
    expected_date: date | None = Field(default=None, description="When the goods or service are expected.")

    _quantity = field_validator("quantity", mode="before")(lambda cls, v: _decimal(v))

    @property
    def net_amount(self) -> Money:
        """Quantity times unit price, unrounded."""
        return Money(amount=self.quantity * self.unit_price.amount, currency=self.unit_price.currency)


class PurchaseOrder(Frozen):
    """A purchase order (one revision of it) to be created or updated in Odoo as purchase.order."""

    number: str = Field(min_length=1, description="Order number as the buyer issued it.")
    revision: int | None = Field(default=None, ge=0, description="Source revision; a later one supersedes.")
    approval_status: ApprovalStatus = Field(description="Approval state in the source.")
    legal_entity: str = Field(min_length=1, description="Buying company code (routes to an Odoo company).")
    supplier_ref: str = Field(min_length=1, description="Supplier id in the source (Supplier.source_ref).")
    supplier_code: str | None = Field(default=None, description="Supplier's vendor code (Odoo partner `ref`).")
    supplier_vat: str | None = Field(default=None, description="Supplier's VAT number, compacted.")
    supplier_name: str | None = Field(default=None, description="Supplier's name as the order shows it.")
    currency: str = Field(description="ISO 4217 currency of the order; every line's price is in it.")
    order_date: date | None = Field(default=None, description="Date the order was issued.")
    lines: tuple[PurchaseOrderLine, ...] = Field(min_length=1, description="Order lines, line refs unique.")
    lineage: Lineage | None = None

    _currency = field_validator("currency")(lambda cls, v: _iso_currency(v))

    @model_validator(mode="after")
    def _lines_consistent(self) -> PurchaseOrder:
        refs = [line.line_ref for line in self.lines]
        if len(set(refs)) != len(refs):
            raise ValueError(f"lines: line_ref repeated ({sorted({r for r in refs if refs.count(r) > 1})})")
        for line in self.lines:
            if line.unit_price.currency != self.currency:
                raise ValueError(f"lines: line {line.line_ref} unit_price is in {line.unit_price.currency}, "
                                 f"the order in {self.currency}")
        return self

    def line(self, line_ref: str) -> PurchaseOrderLine | None:
        """The line with that reference, if any."""
        return next((line for line in self.lines if line.line_ref == line_ref), None)

    @property
    def record_ref(self) -> str:
        """Reference used in quarantine and audit rows."""
        return self.lineage.record_ref if self.lineage else f"purchase_order:{self.number}"


class GoodsReceiptLine(Frozen):
    """Quantity received against one order line."""

    order_line_ref: str = Field(min_length=1, description="line_ref of the order line received against.")
    quantity_received: Decimal = Field(description="Quantity received in the order line's unit; negative = return.")
    unit: str | None = Field(default=None, description="Unit of measure code, when the source states it.")

    _quantity = field_validator("quantity_received", mode="before")(lambda cls, v: _decimal(v))

    @field_validator("quantity_received")
    @classmethod
    def _not_zero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("quantity_received must not be zero")
        return value


class GoodsReceipt(Frozen):
    """A delivery (or return) recorded against one purchase order."""

    receipt_ref: str = Field(min_length=1, description="Receipt id in the source (delivery note number).")
    order_number: str = Field(min_length=1, description="Number of the purchase order received against.")
    receipt_date: date = Field(description="Date the goods were received.")
    lines: tuple[GoodsReceiptLine, ...] = Field(min_length=1)
    lineage: Lineage | None = None

    @property
    def record_ref(self) -> str:
        """Reference used in quarantine and audit rows."""
        return self.lineage.record_ref if self.lineage else f"goods_receipt:{self.receipt_ref}"


class OrderLineRef(Frozen):
    """The purchase order line a bill line bills."""

    order_number: str | None = Field(default=None, description="Order number; None when only the line is named.")
    line_ref: str = Field(min_length=1, description="PurchaseOrderLine.line_ref.")


class BillParty(Frozen):
    """The supplier as named on a bill; resolved to an Odoo partner by the checkpoint, not here."""

    source_ref: str | None = Field(default=None, description="Supplier id in the source, when it has one.")
    name: str | None = Field(default=None, description="Trading or legal name as printed.")
    vat: str | None = Field(default=None, description="VAT number with country prefix, compacted.")
    endpoint_id: str | None = Field(default=None, description="Electronic address (Peppol EndpointID).")
    endpoint_scheme: str | None = Field(default=None, description="Scheme of endpoint_id, e.g. '0208'.")
    legal_id: str | None = Field(default=None, description="Company registration id (PartyLegalEntity).")

    @field_validator("vat")
    @classmethod
    def _compact_vat(cls, value: str | None) -> str | None:
        return None if value is None else "".join(value.split()).upper() or None


class VendorBillLine(_AnalyticLine):
    """One billed line. On a credit note quantity and net amount are negative, unit price is not."""

    line_ref: str = Field(min_length=1, description="Line id on the bill.")
    description: str = Field(min_length=1, description="What is billed, as written on the bill.")
    product_code: str | None = Field(default=None, description="Seller's product code.")
    quantity: Decimal = Field(description="Billed quantity in `unit` (negative on a credit note).")
    unit: str | None = Field(default=None, description="Unit of measure code (UN/ECE rec. 20).")
    unit_price: Money | None = Field(default=None, description="Net price per one `unit`.")
    net_amount: Money = Field(description="Line amount before tax, after line allowances/charges.")
    taxes: tuple[TaxRef, ...] = Field(default=(), description="Taxes that apply to the line.")
    order_line: OrderLineRef | None = Field(default=None, description="The order line billed, if stated.")

    _quantity = field_validator("quantity", mode="before")(lambda cls, v: _decimal(v))


class VendorBill(Frozen):
    """A supplier invoice or credit note, to become an Odoo account.move (in_invoice / in_refund).

    Credit notes carry negative amounts (lines, untaxed, tax, total), so sums over bills net out.
    """

    bill_number: str = Field(min_length=1, description="The supplier's own invoice/credit note number.")
    kind: BillKind = BillKind.INVOICE
    supplier: BillParty
    legal_entity: str | None = Field(default=None, description="Billed company code, when the source says it.")
    order_number: str | None = Field(default=None, description="Purchase order the bill refers to as a whole.")
    invoice_date: date = Field(description="Date the supplier issued the bill.")
    accounting_date: date | None = Field(default=None, description="Date to post on; None = decided at posting.")
    due_date: date | None = Field(default=None, description="Date payment is due.")
    payment_terms: str | None = Field(default=None, description="Payment terms as text, when given.")
    currency: str = Field(description="ISO 4217 currency of the bill; every amount is in it.")
    lines: tuple[VendorBillLine, ...] = Field(min_length=1)
    untaxed: Money = Field(description="Total before tax; equals the lines' net amounts within rounding.")
    tax: Money = Field(description="Total tax.")
    total: Money = Field(description="untaxed + tax.")
    payable: Money | None = Field(default=None, description="Amount still due: total - prepaid + rounding.")
    attachments: tuple[Attachment, ...] = ()
    lineage: Lineage | None = None

    _currency = field_validator("currency")(lambda cls, v: _iso_currency(v))

    @model_validator(mode="after")
    def _totals_add_up(self) -> VendorBill:
        amounts = [("untaxed", self.untaxed), ("tax", self.tax), ("total", self.total), ("payable", self.payable)]
        amounts += [(f"lines[{i}].net_amount", line.net_amount) for i, line in enumerate(self.lines)]
        amounts += [(f"lines[{i}].unit_price", line.unit_price) for i, line in enumerate(self.lines)]
        for field, money in amounts:
            if money is not None and money.currency != self.currency:
                raise ValueError(f"{field}: in {money.currency}, the bill is in {self.currency}")
        if (self.untaxed + self.tax).rounded() != self.total.rounded():
            raise ValueError(f"total: {self.total} is not untaxed {self.untaxed} + tax {self.tax}")
        lines_sum = sum((line.net_amount.amount for line in self.lines), Decimal(0))
        # per-line rounding may leave at most one minor unit between the sum and the stated total
        tolerance = Decimal(1).scaleb(-minor_units(self.currency))
        if abs(lines_sum - self.untaxed.amount) > tolerance:
            raise ValueError(f"untaxed: lines' net amounts sum to {lines_sum} {self.currency}, "
                             f"not {self.untaxed}")
        return self

    @property
    def record_ref(self) -> str:
        """Reference used in quarantine and audit rows (a bill number is unique per supplier only)."""
        if self.lineage:
            return self.lineage.record_ref
        party = self.supplier
        who = party.source_ref or party.vat or party.endpoint_id or party.name or "unknown"
        return f"vendor_bill:{who}:{self.bill_number}"
