"""Locked periods: which of Odoo's lock dates an entry falls under, and what the source's policy makes of it.

Odoo 19 does not refuse an entry dated on or before a lock date: `action_post` silently moves its
accounting date to an open one (seen on the real server, contract trace g). So the middleware decides
first, from the company's lock dates: an entry whose date is open is posted on its own date; one that
is locked is refused, deferred, or posted on the first open date (`next_open_date`), and never sent
with a date Odoo would change. Which lock dates apply follows Odoo: the global (`fiscalyear_lock_date`)
and `hard_lock_date` always, `tax_lock_date` when a line carries a tax, `sale_lock_date` /
`purchase_lock_date` in a sales / purchase journal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ofm.canonical.ledger import JournalEntry, LockedPeriodPolicy

LABELS = {"fiscalyear_lock_date": "Global Lock Date", "hard_lock_date": "Hard Lock Date",
          "tax_lock_date": "Tax Return Lock Date", "sale_lock_date": "Sales Lock Date",
          "purchase_lock_date": "Purchase Lock Date"}


@dataclass(frozen=True)
class LockDates:
    """A company's lock dates as read from Odoo (absent or unset: None)."""

    fiscalyear_lock_date: date | None = None
    tax_lock_date: date | None = None
    sale_lock_date: date | None = None
    purchase_lock_date: date | None = None
    hard_lock_date: date | None = None

    def applying(self, journal_type: str, has_tax: bool) -> list[tuple[str, date]]:
        """The lock dates that apply to an entry of this journal type, with their field names."""
        names = ["fiscalyear_lock_date", "hard_lock_date"]
        names += ["tax_lock_date"] if has_tax else []
        names += {"sale": ["sale_lock_date"], "purchase": ["purchase_lock_date"]}.get(journal_type, [])
        return [(n, d) for n in names if (d := getattr(self, n)) is not None]

    def binding(self, on: date, journal_type: str, has_tax: bool) -> tuple[str, date] | None:
        """The latest applying lock date on or after `on` (the one that locks it), or None: `on` is open."""
        locking = [(n, d) for n, d in self.applying(journal_type, has_tax) if on <= d]
        return max(locking, key=lambda nd: nd[1]) if locking else None

    def first_open(self, journal_type: str, has_tax: bool) -> date | None:
        """The first date no applying lock date covers (None: nothing is locked)."""
        dates = [d for _, d in self.applying(journal_type, has_tax)]
        return max(dates) + timedelta(days=1) if dates else None


@dataclass(frozen=True)
class DateDecision:
    """What to do with one entry: post on `post_date`, or refuse / defer it (`reason` says which lock)."""

    action: str  # post | refuse | defer
    post_date: date | None
    reason: str = ""
    original_date: date | None = None  # set when posted on another date than the entry's own (next_open_date)


def lock_reason(entry: JournalEntry, name: str, locked: date) -> str:
    return (f"accounting_date {entry.accounting_date} is in a locked period ({LABELS[name]} {locked}, "
            f"res.company.{name}): Odoo would silently re-date it")


def decide_dates(entries: list[JournalEntry], locks: LockDates, journal_type: str,
                 policy: LockedPeriodPolicy) -> dict[str, DateDecision]:
    """Per entry number: its date if open, else what the source's policy says."""
    out: dict[str, DateDecision] = {}
    for entry in entries:
        has_tax = any(line.tax_code for line in entry.lines)
        binding = locks.binding(entry.accounting_date, journal_type, has_tax)
        if binding is None:
            out[entry.number] = DateDecision("post", entry.accounting_date)
            continue
        reason = lock_reason(entry, *binding)
        if policy is LockedPeriodPolicy.REFUSE:
            out[entry.number] = DateDecision("refuse", None, reason)
        elif policy is LockedPeriodPolicy.DEFER:
            out[entry.number] = DateDecision("defer", None, reason + "; deferred until the period is open")
        else:
            first = locks.first_open(journal_type, has_tax)
            out[entry.number] = DateDecision("post", first, reason + f"; posted on the first open date {first}",
                                             original_date=entry.accounting_date)
    return out
