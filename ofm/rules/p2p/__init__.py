"""Pure decisions of the purchase-order and goods-receipt flows (no I/O; tested with tables)."""

from ofm.rules.p2p.orders import OdooLine, OdooOrder, OrderDecision, References, decide_order
from ofm.rules.p2p.receipts import OdooMove, ReceiptDecision, decide_receipt
from ofm.rules.p2p.units import ReceiptUnits, Unit

__all__ = ["OdooLine", "OdooMove", "OdooOrder", "OrderDecision", "ReceiptDecision", "References", "decide_order",
           "ReceiptUnits", "Unit", "decide_receipt"]
