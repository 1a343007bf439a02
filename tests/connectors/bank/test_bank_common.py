"""Shared rules: amounts, accounts and creditor references mean the same in every format."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ofm.connectors.bank.common import (
    creditor_reference,
    french_rib_iban,
    money,
    parse_amount,
    split_account,
    value,
)
from ofm.connectors.bank.errors import BankFileError


@pytest.mark.parametrize(("ref", "code", "proprietary", "expected"), [
    ("RF18 5390 0754 7034", "SCOR", None, ("RF18539007547034", "RF")),
    ("RF19539007547034", "SCOR", None, ("RF19539007547034", "SCOR")),  # check digits wrong: not RF
    ("210000000003139471430009017", "SCOR", None, ("210000000003139471430009017", "QRR")),
    ("210000000003139471430009018", "SCOR", None, ("210000000003139471430009018", "SCOR")),
    ("000000000000000000000000003", None, "QRR", ("000000000000000000000000003", "QRR")),
    ("30 23882 92000 01111 11111 11111", None, "ISR Reference", ("302388292000011111111111111", "ISR")),
    ("+++090/9337/55493+++", "SCOR", None, ("+++090/9337/55493+++", "SCOR")),
    ("4654654654654654", "RADM", None, ("4654654654654654", "RADM")),
    ("NOTPROVIDED", "SCOR", None, (None, None)),
    (None, None, None, (None, None)),
])
def test_creditor_reference(ref, code, proprietary, expected):
    assert creditor_reference(ref, code, proprietary) == expected


@pytest.mark.parametrize(("raw", "sep", "expected"), [("9,", ",", "9"), ("1456.00", ".", "1456.00"),
                                                     ("0.5", ".", "0.5")])
def test_parse_amount(raw, sep, expected):
    assert parse_amount(raw, sep) == Decimal(expected)


@pytest.mark.parametrize("raw", ["NaN", "-1", "1e3", "1,000.00", "", None, "Infinity"])
def test_parse_amount_refuses(raw):
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(raw)


def test_money_pads_never_rounds():
    assert str(money(Decimal("9"), "EUR").amount) == "9.00"
    assert str(money(Decimal("2700"), "JPY").amount) == "2700"
    assert str(money(Decimal("1.005"), "EUR").amount) == "1.005"
    assert str(money(Decimal("1.5"), "KWD").amount) == "1.500"


def test_accounts():
    assert split_account("de89 3704 0044 0532 0130 00") == ("DE89370400440532013000", None)
    assert split_account("DE89370400440532013001") == (None, "DE89370400440532013001")  # check digits fail
    assert split_account(" 517852257 ") == (None, "517852257")
    assert split_account("") == (None, None)
    assert french_rib_iban("30001", "00794", "12345678901") == "FR7630001007941234567890185"
    assert french_rib_iban("000000123", "", "123456") is None


def test_value_treats_bank_placeholders_as_nothing():
    assert [value(v) for v in ("NOTPROVIDED", " NONREF ", "  a  b ", "", None)] == [None, None, "a b", None, None]


def test_error_is_one_line():
    error = BankFileError("f.sta", "line 3", "bad\nthing   here")
    assert str(error) == "f.sta: line 3: bad thing here"
    assert str(BankFileError("f.sta", None, "empty")) == "f.sta: empty"
