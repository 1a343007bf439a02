"""Posting checks of journal batches (pure): data quality, references, repeats, and locked periods."""

from ofm.rules.ledger.checks import (
    AccountRef,
    BatchCheck,
    Landed,
    LedgerReferences,
    Refusal,
    check_batch,
    parse_anchor,
)
from ofm.rules.ledger.periods import DateDecision, LockDates, decide_dates

__all__ = ["AccountRef", "BatchCheck", "DateDecision", "Landed", "LedgerReferences", "LockDates", "Refusal",
           "check_batch", "decide_dates", "parse_anchor"]
