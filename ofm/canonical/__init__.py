"""The shared language of the middleware: frozen pydantic models, no I/O."""

from ofm.canonical.bank import BankEntry, BankStatement, EntryStatus
from ofm.canonical.lineage import Lineage, content_hash
from ofm.canonical.money import Money, minor_units
from ofm.canonical.procurement import (
    ApprovalStatus,
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    VendorBill,
    VendorBillLine,
)
from ofm.canonical.supplier import (
    Address,
    BankAccount,
    Contact,
    Supplier,
    SupplierStatus,
    compact_account,
    mask_iban,
)

__all__ = [
    "Address", "BankAccount", "BankEntry", "BankStatement", "Contact", "EntryStatus", "Lineage", "Money",
    "Supplier", "SupplierStatus", "ApprovalStatus", "GoodsReceipt", "GoodsReceiptLine", "PurchaseOrder",
    "PurchaseOrderLine", "VendorBill", "VendorBillLine",
    "compact_account", "content_hash", "mask_iban", "minor_units",
]
