"""Which lock date applies to an entry, and what each source policy makes of a locked one (no Odoo, no clock)."""

from __future__ import annotations

from datetime import date

import pytest

from ofm.canonical.ledger import JournalEntry, JournalLine, LockedPeriodPolicy
from ofm.rules.ledger import LockDates, decide_dates


def entry(on: str, tax: str | None = None, number: str = "1") -> JournalEntry:
    return JournalEntry(number=number, accounting_date=on, lines=[
        JournalLine(account_code="700000", credit="100", currency="EUR", tax_code=tax),
        JournalLine(account_code="400000", debit="100", currency="EUR")])


LOCKS = LockDates(fiscalyear_lock_date=date(2026, 9, 30), tax_lock_date=date(2026, 10, 31),
                  sale_lock_date=date(2026, 11, 15))


@pytest.mark.parametrize(("on", "journal", "tax", "locked_by"), [
    ("2026-09-30", "general", None, "fiscalyear_lock_date"),  # on the lock date itself: locked
    ("2026-10-01", "general", None, None),
    ("2026-10-15", "general", "VAT21", "tax_lock_date"),  # a taxed entry: the tax lock applies
    ("2026-11-10", "general", "VAT21", None),
    ("2026-11-10", "sale", None, "sale_lock_date"),  # a sales journal: the sales lock applies
    ("2026-11-10", "purchase", None, None),
])
def test_the_lock_date_that_binds(on, journal, tax, locked_by):
    has_tax = tax is not None
    binding = LOCKS.binding(date.fromisoformat(on), journal, has_tax)
    assert (binding[0] if binding else None) == locked_by


def test_hard_lock_date_always_applies():
    assert LockDates(hard_lock_date=date(2026, 6, 30)).binding(date(2026, 6, 1), "general", False) == \
        ("hard_lock_date", date(2026, 6, 30))


@pytest.mark.parametrize(("policy", "action", "post_date"), [
    (LockedPeriodPolicy.REFUSE, "refuse", None),
    (LockedPeriodPolicy.DEFER, "defer", None),
    (LockedPeriodPolicy.NEXT_OPEN_DATE, "post", date(2026, 11, 1)),  # after the latest applying lock (tax)
])
def test_each_policy_for_a_locked_entry(policy, action, post_date):
    [decision] = decide_dates([entry("2026-09-15", tax="VAT21")], LOCKS, "general", policy).values()
    assert (decision.action, decision.post_date) == (action, post_date)
    assert "Tax Return Lock Date 2026-10-31" in decision.reason and "silently re-date" in decision.reason  # the latest
    assert decision.original_date == (date(2026, 9, 15) if action == "post" else None)


def test_an_open_entry_is_posted_on_its_own_date_under_every_policy():
    for policy in LockedPeriodPolicy:
        [d] = decide_dates([entry("2026-12-01")], LOCKS, "general", policy).values()
        assert (d.action, d.post_date, d.original_date, d.reason) == ("post", date(2026, 12, 1), None, "")


def test_no_lock_dates_lock_nothing():
    assert LockDates().first_open("general", True) is None
    assert LockDates().binding(date(2000, 1, 1), "sale", True) is None
