"""OFX sample files (OCA, ofxparse) parse to the entries and balances read from them by eye.

OFX gives only the closing (ledger) balance; the opening balance is derived from it, so it adds
up by construction and is checked as closing minus the entries.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from bank_testkit import balances_add_up, require_sample

from ofm.connectors.bank import BankFileError, parse_file

CASES = {
    # file: (format, account, currency, entry count, sum, closing)
    "oca-test_ofx.ofx": ("ofx.211", "123456", "USD", 4, "-360.00", "2156.56"),
    "oca-test_ofx_iban.ofx": ("ofx.211", "FR7630001007941234567890185", "USD", 4, "-360.00", "2156.56"),
    "ofxparse-bank_medium.ofx": ("ofx.102", "12300 000012345678", "CAD", 3, "-345.27", "382.34"),
    "ofxparse-checking.ofx": ("ofx.102", "1452687~7", "USD", 3, "-59.50", "100.99"),
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.agpl_sample] if n.startswith("oca-") else [])
                                  for n in sorted(CASES)])
def test_ofx_sample(name):
    fmt, account, currency, count, total, closing = CASES[name]
    statement = parse_file(require_sample("ofx", name))[0]
    assert (statement.format, statement.account, statement.currency) == (fmt, account, currency)
    assert len(statement.entries) == count
    assert sum(e.amount.amount for e in statement.entries) == Decimal(total)
    assert statement.closing_balance.amount == Decimal(closing)
    assert statement.opening_balance.amount == Decimal(closing) - Decimal(total)
    assert balances_add_up(statement)


@pytest.mark.agpl_sample
def test_oca_entries_and_credit_card_statement():
    bank, card = parse_file(require_sample("ofx", "oca-test_ofx.ofx"))
    assert [(e.bank_reference, e.counterparty_name, e.amount.amount) for e in bank.entries] == [
        ("219378", "Agrolait", Decimal("-80.00")), ("219379", "China Export", Decimal("-90.00")),
        ("219380", "Axelor Scuba", Decimal("-100.00")), ("219381", "China Scuba", Decimal("-90.00"))]
    assert {str(e.booking_date) for e in bank.entries} == {"2013-08-24"}
    assert (card.account, card.entries, card.closing_balance.amount) == ("123412341234", (), Decimal("-562.00"))


def test_ofxparse_fields():
    [s] = parse_file(require_sample("ofx", "ofxparse-checking.ofx"))
    first = s.entries[0]
    assert (first.transaction_code, first.bank_reference, first.amount.amount) == ("CREDIT", "0000486", Decimal("0.01"))
    assert first.remittance.startswith("DIVIDEND EARNED FOR PERIOD OF 03/01/2011")
    assert str(s.closing_date) == "2013-05-25" and str(s.opening_date) == "2000-01-01"


def test_fidelity_investment_statement_gives_its_cash_lines():
    """A real brokerage download: INVBANKTRAN cash lines among trades; Fidelity writes a CURRENCY
    aggregate in the account's own currency (rate 1.00), which is no foreign amount."""
    [s] = parse_file(require_sample("ofx", "ofxparse-fidelity.ofx"))
    assert (s.format, s.account, s.currency, s.opening_balance, s.closing_balance) == (
        "ofx.102", "01234567890", "USD", None, None)
    assert [(str(e.booking_date), e.amount.amount, e.counterparty_name) for e in s.entries] == [
        ("2012-07-31", Decimal("0.24"), "INTEREST EARNED"), ("2012-08-20", Decimal("-0.97"), "LATE SETTLEMENT FEE"),
        ("2012-08-31", Decimal("0.16"), "INTEREST EARNED")]


@pytest.mark.parametrize(("name", "position", "reason"), [
    ("ofxparse-vanguard.ofx", "INVSTMTRS[1]", "an investment account statement with no cash lines (INVBANKTRAN): "
                                              "nothing to read as bank entries (1 security transactions, 2 positions)"),
    ("ofxparse-investment_medium.ofx", "INVSTMTRS[1]/INVTRANLIST/INVBANKTRAN[1]",
     "amounts in another currency (<CURRENCY> USD) are not supported"),
])
def test_investment_samples_refused_on_one_line(name, position, reason):
    with pytest.raises(BankFileError) as info:
        parse_file(require_sample("ofx", name))
    assert (info.value.position, info.value.reason) == (position, reason)
