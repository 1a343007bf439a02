"""What a webhook may say: an envelope `{id, type, occurred_at?, data}` and one data model per event type.

Unknown types and unknown fields are refused (422), never guessed. A valid event becomes an `Approval`,
the one shape both the webhook and `ofm quarantine approve|reject` store and emit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

RecordId = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
Person = Field(min_length=1, max_length=200)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """A NUL byte is refused (422): the store on PostgreSQL cannot keep one, and no name or id needs it."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL byte (\\x00)")
        if isinstance(value, str) and not value.strip():  # '\x1c' is blank to the store, not to pydantic's strip
            raise ValueError("is blank")
        return value


class PurchaseOrderApproved(Frozen):
    """A purchase order was approved on the procurement platform."""

    po_id: str = RecordId
    approved_by: str = Person
    approved_at: AwareDatetime


class SupplierBankAccountDecision(Frozen):
    """Treasury approved or rejected a supplier's new bank account that the middleware held."""

    supplier_id: str | None = Field(default=None, min_length=1, max_length=128,
                                    pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    record_ref: str | None = Field(default=None, description="e.g. procurement:SUP-000123, as in quarantine",
                                   min_length=3, max_length=160,
                                   pattern=r"^[a-z][a-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9._/-]*$")
    quarantine_id: int | None = Field(default=None, ge=1)
    decided_by: str = Person
    decided_at: AwareDatetime | None = None
    reason: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _names_the_supplier(self) -> SupplierBankAccountDecision:
        if self.supplier_id is None and self.record_ref is None:
            raise ValueError("supplier_id or record_ref is required")
        return self


EventType = Literal["purchase_order.approved", "supplier_bank_account.approved", "supplier_bank_account.rejected"]
DATA: dict[str, type[Frozen]] = {
    "purchase_order.approved": PurchaseOrderApproved,
    "supplier_bank_account.approved": SupplierBankAccountDecision,
    "supplier_bank_account.rejected": SupplierBankAccountDecision,
}


class Envelope(Frozen):
    """The body of every webhook request; `id` is the sender's event id (signed, so de-duplication holds)."""

    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    type: EventType
    occurred_at: AwareDatetime | None = None
    data: dict[str, Any]


@dataclass(frozen=True)
class Approval:
    """A decision on one record, however it arrived: what is stored in the inbox and emitted to Prefect."""

    kind: str  # an EventType, e.g. "purchase_order.approved"
    system: str  # the record's system, e.g. "procurement"
    object: str  # "po" | "supplier"
    record_id: str  # e.g. "PO-0042"
    approver: str
    event_id: str  # unique per intake source
    via: str  # "webhook:procurement" | "cli"
    decided_at: str | None = None  # ISO 8601
    quarantine_id: int | None = None
    reason: str | None = None

    @property
    def record_ref(self) -> str:
        return f"{self.system}:{self.record_id}"

    @property
    def event_name(self) -> str:
        """`ofm.approval.purchase-order.approved`, `ofm.approval.supplier-bank-account.rejected`."""
        return "ofm.approval." + self.kind.replace("_", "-")

    @property
    def resource_id(self) -> str:
        """What a deployment trigger matches: `ofm.procurement.po.PO-0042`, `ofm.procurement.supplier.SUP-1`."""
        return f"ofm.{self.system}.{self.object}.{self.record_id}"

    @property
    def decision(self) -> str:
        return self.kind.rpartition(".")[2]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Approval:
        return cls(**value)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def approval_of(source: str, envelope: Envelope) -> Approval:
    """The approval a validated envelope carries (pydantic.ValidationError when its data does not fit its type)."""
    data = DATA[envelope.type].model_validate(envelope.data)
    common = {"kind": envelope.type, "event_id": envelope.id, "via": f"webhook:{source}"}
    if isinstance(data, PurchaseOrderApproved):
        return Approval(system=source, object="po", record_id=data.po_id, approver=data.approved_by,
                        decided_at=_iso(data.approved_at), **common)
    assert isinstance(data, SupplierBankAccountDecision)
    system, _, record_id = data.record_ref.partition(":") if data.record_ref else (source, "", data.supplier_id)
    if data.record_ref and data.supplier_id and data.supplier_id != record_id:
        raise ValueError(f"supplier_id {data.supplier_id!r} and record_ref {data.record_ref!r} "
                         "name different suppliers")
    return Approval(system=system, object="supplier", record_id=record_id, approver=data.decided_by,
                    decided_at=_iso(data.decided_at or envelope.occurred_at), quarantine_id=data.quarantine_id,
                    reason=data.reason, **common)
