"""MT940 sample files (WoLpH/mt940 test data) parse to the entries, amounts and balances it asserts.

The expected *.yml files are pickled-object YAML written by that project; they are trusted test
data and loaded with yaml.unsafe_load here only. That project merges all statements of a file into
one collection (the last statement's balances win); we keep one statement per `:20:`, so entries
are compared in file order and balances by statement, as read from the files by eye.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from bank_testkit import balances_add_up, require_sample

from ofm.connectors.bank import parse_file

# (opening, closing) per statement, read from the .sta files.
BALANCES = {
    "jejik-abnamro": [("3236.28", "876.84"), ("2876.84", "1849.75")],
    "jejik-ing": [("0.00", "3.47")],
    "jejik-rabobank": [("473.17", "395.82"), ("1000.89", "1000.89"), ("1295.82", "1250.87"), ("4196.12", "4101.82")],
    "self-provided-sparkassen": [(None, None)],
}
# Statements whose balances add up in the file; the others are anonymised test data that do not.
ADDS_UP = {("jejik-rabobank", 1), ("jejik-rabobank", 3)}


def _expected(name: str):
    pytest.importorskip("mt940")
    return yaml.unsafe_load(require_sample("mt940", f"{name}.expected.yml").read_text())  # trusted test data


@pytest.mark.parametrize("name", sorted(BALANCES))
def test_entries_match_wolph(name):
    expected = _expected(name)
    statements = parse_file(require_sample("mt940", f"{name}.sta"))
    entries = [e for s in statements for e in s.entries]
    assert len(entries) == len(expected.transactions)
    for ours, theirs in zip(entries, expected.transactions, strict=True):
        data = theirs.data
        assert ours.amount.amount == data["amount"].amount
        assert ours.value_date == data["date"]
        assert ours.booking_date == (data.get("entry_date") or data["date"])
        assert ours.transaction_code == data["id"]
        assert ours.bank_reference == data.get("bank_reference")
        assert ours.reversal is data["status"].startswith("R")
        if data["amount"].currency:
            assert ours.amount.currency == data["amount"].currency


@pytest.mark.parametrize("name", sorted(BALANCES))
def test_balances(name):
    expected = _expected(name)
    statements = parse_file(require_sample("mt940", f"{name}.sta"))
    ours = [(str(s.opening_balance.amount) if s.opening_balance else None,
             str(s.closing_balance.amount) if s.closing_balance else None) for s in statements]
    assert ours == BALANCES[name]
    # Every balance WoLpH kept (those of the last statement to carry each kind) is one of ours.
    for key, balance in expected.data.items():
        if key.endswith("opening_balance"):
            assert str(balance.amount.amount) in {o for o, _ in ours}, key
        elif key.endswith("closing_balance"):
            assert str(balance.amount.amount) in {c for _, c in ours}, key
    for i, statement in enumerate(statements):
        if statement.opening_balance is not None:
            assert balances_add_up(statement) is ((name, i) in ADDS_UP), (name, i)


def test_accounts_and_statement_fields():
    abn = parse_file(require_sample("mt940", "jejik-abnamro.sta"))
    assert [(s.account_number, s.statement_id, s.sequence) for s in abn] == [
        ("517852257", "ABN AMRO BANK NV", "19321/1"), ("517852257", "ABN AMRO BANK NV", "19322/1")]
    rabo = parse_file(require_sample("mt940", "jejik-rabobank.sta"))
    assert [s.account for s in rabo] == ["1291.99.348"] * 3 + ["1526.89.184"]  # trailing EUR is no account
    [spk] = parse_file(require_sample("mt940", "self-provided-sparkassen.sta"))
    assert spk.currency == "XXX"  # the fragment never names its currency
    [entry] = spk.entries
    assert (entry.amount.amount, entry.remittance) == (Decimal("30.00"), "Test")


def test_ing_statement_information_is_no_entry_text():
    [ing] = parse_file(require_sample("mt940", "jejik-ing.sta"))
    last = ing.entries[-1]
    assert last.remittance.endswith("Betaling transactiedatum: 22-07-2010")
    assert "D000004C000002D25,24C28,71" not in last.remittance  # the :86: after :62F: is statement info
