"""Entry identities: re-imports and overlapping files are idempotent, genuine twins both arrive."""

from __future__ import annotations

from datetime import date

import pytest

from ofm.canonical.bank import BankEntry, BankStatement
from ofm.canonical.money import Money
from ofm.rules.bank import entry_ids, identity_key

ACCOUNT = "DE02 1203 0000 0000 2020 51"


def entry(day: int, amount: str, ref: str | None = "REF", **more) -> BankEntry:
    return BankEntry(booking_date=date(2026, 3, day), amount=Money(amount=amount, currency="EUR"),
                     bank_reference=ref, **more)


def statement(*entries: BankEntry, account: str = ACCOUNT) -> BankStatement:
    return BankStatement(format="camt.053.001.08", account_iban=account, currency="EUR", entries=entries)


# a bank that reuses its reference: every entry of a day carries the same one
MARCH = [entry(d, a, ref=f"DAY{d}") for d, a in
         [(1, "100.00"), (2, "-20.00"), (3, "55.10"), (3, "55.10"), (4, "7.00"), (5, "12.00"), (5, "-3.00")]]


def ids_of(*entries: BankEntry) -> list[str]:
    (ids,) = entry_ids([statement(*entries)])
    return list(ids)


def test_the_same_file_twice_gives_the_same_ids():
    assert ids_of(*MARCH) == ids_of(*MARCH)
    assert len(set(ids_of(*MARCH))) == len(MARCH)


def test_a_file_overlapping_the_previous_by_two_days_repeats_their_ids():
    first = ids_of(*MARCH[:5])  # 1st to 4th
    second = ids_of(*MARCH[2:])  # 3rd to 5th: the 3rd and 4th again
    assert second[:3] == first[2:5]
    assert set(second[3:]).isdisjoint(first)


def test_two_genuine_identical_payments_on_one_day_both_arrive_and_keep_their_ids_in_an_overlap():
    twins = ids_of(*MARCH)[2:4]  # the two 55.10 on the 3rd, same reference
    assert twins[0] != twins[1]
    assert ids_of(*MARCH[2:])[:2] == twins


def test_amount_spelling_whitespace_and_account_spacing_do_not_change_the_identity():
    a = entry(3, "10.5", ref=None, remittance="INV/2026/00012  paid", counterparty_iban="DE89 3704 0044 0532 0130 00")
    b = entry(3, "10.50", ref=None, remittance="INV/2026/00012 paid", counterparty_iban="DE89370400440532013000")
    assert identity_key(ACCOUNT, a) == identity_key("DE02120300000000202051", b)


def test_without_a_bank_reference_the_payment_details_tell_entries_apart():
    a = entry(3, "10.00", ref=None, remittance="INV/2026/00012")
    b = entry(3, "10.00", ref=None, remittance="INV/2026/00013")
    assert ids_of(a, b)[0] != ids_of(a, b)[1]
    assert ids_of(a, b) == [ids_of(a)[0], ids_of(b)[0]]  # each the first of its key: occurrence 1


def test_the_account_is_part_of_the_identity():
    (one,), (other,) = entry_ids([statement(MARCH[0])]), entry_ids([statement(MARCH[0], account="NL91ABNA0417164300")])
    assert one != other


def test_occurrences_count_across_the_statements_of_one_file():
    per_statement = entry_ids([statement(MARCH[2]), statement(MARCH[3])])
    assert [per_statement[0][0], per_statement[1][0]] == ids_of(MARCH[2], MARCH[3])


@pytest.mark.parametrize(("journal", "statement", "same"), [
    ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000", True),
    ("de89370400440532013000", "DE89 3704 0044 0532 0130 00", True),
    ("DE89370400440532013000", "37040044/0532013000", True),     # MT940 :25: BLZ/account
    ("DE89370400440532013000", "NL20INGB0001234567", False),
    ("DE89370400440532013000", "DE89370400440532013001", False),
    ("DE89370400440532013000", "13000", False),                  # too short to tell
])
def test_the_journals_bank_account_is_the_statements_account(journal, statement, same):
    from ofm.rules.bank import same_account

    assert same_account(journal, statement) is same
