"""Statement checks: balances add up, statements follow on; problems name account, statement, numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ofm.canonical.bank import BankEntry, BankStatement, EntryStatus
from ofm.canonical.money import Money
from ofm.rules.bank import check_balance, check_continuity, check_statements

IBAN = "DE02120300000000202051"


def eur(amount: str) -> Money:
    return Money(amount=amount, currency="EUR")


def stmt(seq: str | None, opening: str | None, closing: str | None, *amounts: str, day: int = 2,
         fmt: str = "camt.053.001.08", opening_day: int | None = None, year: int = 2026) -> BankStatement:
    return BankStatement(
        format=fmt, statement_id=f"S{seq}", sequence=seq, account_iban=IBAN, currency="EUR",
        opening_balance=eur(opening) if opening is not None else None,
        closing_balance=eur(closing) if closing is not None else None,
        opening_date=date(year, 3, opening_day or day), closing_date=date(year, 3, day),
        entries=tuple(BankEntry(booking_date=date(year, 3, day), amount=eur(a)) for a in amounts))


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def test_a_statement_that_adds_up_has_no_problem():
    assert check_balance(stmt("1", "100.00", "130.50", "50.00", "-19.50")) == []


def test_a_balance_mismatch_is_named_with_its_numbers():
    (p,) = check_balance(stmt("7", "100.00", "140.00", "50.00", "-19.50"))
    assert (p.code, p.account, p.statement, p.expected, p.actual) == (
        "balance", IBAN, "S7", Decimal("130.50"), Decimal("140.00"))
    assert str(p) == (f"{IBAN} statement S7: opening 100.00 + entries 30.50 = 130.50, but the closing balance "
                      "is 140.00 (difference 9.50 EUR)")


def test_pending_entries_do_not_count_towards_the_balance():
    s = stmt("1", "100.00", "150.00", "50.00")
    s = s.model_copy(update={"entries": (*s.entries, BankEntry(amount=eur("9.00"), status=EntryStatus.PENDING))})
    assert check_balance(s) == []


@pytest.mark.parametrize(("fmt", "expected"), [("camt.053.001.08", ["balance_missing"]), ("camt.054", [])])
def test_a_missing_balance_matters_only_where_the_format_has_one(fmt, expected):
    assert codes(check_balance(stmt("1", None, "10.00", fmt=fmt))) == expected


@pytest.mark.parametrize(("prev", "cur", "expected"), [
    pytest.param("41", "42", [], id="next"),
    pytest.param("41", "43", ["sequence_gap"], id="gap"),
    pytest.param("41", "41", ["repeat"], id="repeat"),
    pytest.param("41", "40", ["repeat"], id="older-again"),
    pytest.param("00123/1", "00123/2", [], id="mt940-next-page"),
    pytest.param("00123/2", "00124/1", [], id="mt940-next-statement"),
    pytest.param("00123/2", "00125/1", ["sequence_gap"], id="mt940-gap"),
])
def test_sequence_continuity(prev, cur, expected):
    assert codes(check_continuity(stmt(prev, "0.00", "10.00", "10.00", day=2),
                                  stmt(cur, "10.00", "10.00", day=3))) == expected


def test_a_gap_names_both_sequences():
    (p,) = check_continuity(stmt("41", "0.00", "0.00"), stmt("44", "0.00", "0.00", day=3))
    assert (p.expected, p.actual) == ("41", "44") and "sequence 44 does not follow 41" in p.message


def test_a_legal_sequence_may_restart_with_the_year():
    last = stmt("250", "0.00", "0.00", year=2025, day=31)
    first = stmt("1", "0.00", "0.00", year=2026, day=1)
    assert check_continuity(last, first) == []


def test_closing_must_be_the_next_opening():
    (p,) = check_continuity(stmt("41", "0.00", "10.00", "10.00"), stmt("42", "12.00", "12.00", day=3))
    assert (p.code, p.expected, p.actual) == ("opening_mismatch", Decimal("10.00"), Decimal("12.00"))
    assert "previous closing balance 10.00 (statement S41; difference 2.00 EUR)" in p.message


def test_an_overlapping_file_without_sequences_is_a_warning_not_a_balance_error():
    prev = stmt(None, "0.00", "10.00", "10.00", day=10, fmt="csv", opening_day=1)
    cur = stmt(None, "7.00", "20.00", "13.00", day=20, fmt="csv", opening_day=9)
    (p,) = check_continuity(prev, cur)
    assert (p.code, p.severity) == ("overlap", "warning")


def test_check_statements_runs_balance_and_continuity_per_account_against_the_last_import():
    last = stmt("41", "0.00", "10.00", "10.00")
    batch = [stmt("43", "10.00", "15.00", "5.00", day=4), stmt("43", "15.00", "16.00", "2.00", day=5)]
    assert codes(check_statements(batch, {IBAN: last})) == ["sequence_gap", "balance", "repeat"]


def test_continuity_across_accounts_is_a_programming_error():
    other = stmt("1", "0.00", "0.00").model_copy(update={"account_iban": "NL91ABNA0417164300"})
    with pytest.raises(ValueError, match="NL91ABNA0417164300"):
        check_continuity(other, stmt("2", "0.00", "0.00"))


def test_the_same_statement_again_is_a_re_import_with_nothing_to_report():
    from ofm.rules.bank import entry_ids

    last = stmt("5", "100.00", "130.00", "10.00", "20.00")
    [ids] = entry_ids([last])
    assert codes(check_continuity(last, last)) == ["repeat", "opening_mismatch"]  # not knowing what Odoo has
    assert check_statements([last], {IBAN: last}, [ids], set(ids)) == []
    empty = stmt("6", "130.00", "130.00")  # a day without entries, received twice
    assert check_statements([empty], {IBAN: empty}, [()], set()) == []


def test_an_older_statement_imported_again_reports_nothing_but_one_with_new_entries_repeats():
    from ofm.rules.bank import entry_ids

    older, last = stmt("4", "70.00", "100.00", "30.00"), stmt("5", "100.00", "130.00", "30.00", day=3)
    [ids] = entry_ids([older])
    assert check_statements([older], {IBAN: last}, [ids], set(ids)) == []
    assert codes(check_statements([older], {IBAN: last}, [ids], set())) == ["repeat", "opening_mismatch"]


@pytest.mark.parametrize(("seq", "opening", "expected"), [
    ("6", "110.00", []),                     # next statement, repeating the last 20.00 of the previous one
    ("5", "110.00", []),                     # the same (intraday) statement, grown
    ("6", "100.00", ["opening_mismatch"]),   # opens 10.00 short of where the repeated entries start
    ("8", "110.00", ["sequence_gap"]),
])
def test_a_file_repeating_the_end_of_the_last_one_is_judged_on_what_is_new(seq, opening, expected):
    from ofm.rules.bank import entry_ids, imported_of

    last = stmt("5", "100.00", "130.00", "10.00", "20.00")
    repeated = last.entries[1]
    new = BankEntry(booking_date=date(2026, 3, 2), amount=eur("5.00"))
    current = last.model_copy(update={"sequence": seq, "statement_id": f"S{seq}x",
                                      "opening_balance": eur(opening), "entries": (repeated, new),
                                      "closing_balance": eur(str(Decimal(opening) + Decimal("25.00")))})
    [known] = entry_ids([last.model_copy(update={"entries": (repeated,)})])
    [ids] = entry_ids([current])
    assert imported_of(current, ids, set(known)).amount == Decimal("20.00")
    problems = check_statements([current], {IBAN: last}, [ids], set(known))
    assert codes(problems) == expected
    if expected == ["opening_mismatch"]:
        assert "opening balance 120.00 after the 1 entries already imported differs from the previous closing " \
               "balance 130.00" in problems[0].message


@pytest.mark.parametrize("fmt", ["camt.053.001.08", "camt.052.001.02", "mt940", "ofx.102"])
def test_no_closing_balance_skips_the_check_with_a_warning_not_an_error(fmt):
    (p,) = check_balance(stmt("1", "100.00", None, "50.00", "-19.50", fmt=fmt))
    assert (p.code, p.severity) == ("balance_unchecked", "warning")
    assert p.message.endswith("the balance check is skipped; opening + booked entries = 130.50")


def test_no_balance_at_all_is_noted_without_a_computed_closing():
    (p,) = check_balance(stmt("1", None, None, "50.00", fmt="mt940"))
    assert p.code == "balance_unchecked" and "opening + booked" not in p.message


@pytest.mark.parametrize("fmt", ["camt.054.001.04", "csv"])
def test_formats_without_balances_get_no_note(fmt):
    assert check_balance(stmt("1", None, None, "50.00", fmt=fmt)) == []


def test_closing_or_computed_prefers_the_banks_closing_and_counts_booked_entries_only():
    assert stmt("1", "100.00", "140.00", "50.00").closing_or_computed == eur("140.00")
    s = stmt("1", "100.00", None, "50.00", "-19.50")
    s = s.model_copy(update={"entries": (*s.entries, BankEntry(amount=eur("9.00"), status=EntryStatus.PENDING))})
    assert s.closing_or_computed == eur("130.50")
    assert stmt("1", None, None, "50.00").closing_or_computed is None


def test_a_re_imported_statement_without_a_closing_balance_says_nothing_again():
    from ofm.rules.bank import entry_ids

    interim = stmt("7", "100.00", None, "50.00", fmt="camt.052.001.02")
    [ids] = entry_ids([interim])
    assert codes(check_statements([interim], {}, [ids], set())) == ["balance_unchecked"]
    assert check_statements([interim], {IBAN: interim}, [ids], set(ids)) == []
