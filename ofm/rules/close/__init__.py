"""Pure rules of the month-end close (no I/O): accruals computed from what Odoo shows."""

from ofm.rules.close.accruals import AccrualLine, Accruals, ReceivedLine, Refusal, goods_received_not_invoiced

__all__ = ["AccrualLine", "Accruals", "ReceivedLine", "Refusal", "goods_received_not_invoiced"]
