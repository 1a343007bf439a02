"""CSV through declared mappings: mappings are checked when loaded, cells fail with line and column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ofm.connectors.bank import BankFileError, bundled_csv_mappings, load_csv_mapping, parse_bytes

GENERIC_HEADER = "date,amount,currency,counterparty,remittance\n"


def _mapping(tmp_path, text: str):
    path = tmp_path / "bank.yaml"
    path.write_text(text)
    return path


def test_bundled_mappings_load():
    assert {"generic", "debit_credit_semicolon"} <= set(bundled_csv_mappings())
    for name in bundled_csv_mappings():
        assert load_csv_mapping(name).name == name


@pytest.mark.parametrize(("text", "position", "reason"), [
    ("name: x\ncurrency: EUR\ncolumns: {booking_date: d, amont: a}\n", "key 'columns.amont'", "Extra inputs"),
    ("name: x\ncurrency: EUR\ncolumns: {booking_date: d, amount: a, debit: s}\n", "key 'columns'", "either 'amount'"),
    ("name: x\ncolumns: {booking_date: d, amount: a}\n", "key '(top level)'", "currency"),
    ("name: x\ncurrency: EUR\ndecimal_separator: ';'\ncolumns: {booking_date: d, amount: a}\n",
     "key 'decimal_separator'", "Input should be"),
    ("name: x\ncurrency: EUR\noptional_columns: [iban]\ncolumns: {booking_date: d, amount: a}\n",
     "key '(top level)'", "unknown keys"),
    ("name: [x\n", "line 2 column 1", "not valid YAML"),
])
def test_mapping_errors_name_file_and_key(tmp_path, text, position, reason):
    path = _mapping(tmp_path, text)
    with pytest.raises(BankFileError) as info:
        load_csv_mapping(path)
    assert info.value.file == str(path)
    assert info.value.position == position
    assert reason in info.value.reason


def test_unknown_bundled_mapping():
    with pytest.raises(BankFileError, match="no bundled CSV mapping.*generic"):
        load_csv_mapping("nosuchbank")


def test_generic_signed_amounts_and_grouping():
    data = (GENERIC_HEADER + "2026-03-01,-10.50,EUR,Shop,a\n2026-03-02,1.234.5,EUR,x,y\n").encode()
    with pytest.raises(BankFileError) as info:
        parse_bytes(data, "bank.csv")
    assert (info.value.position, info.value.reason) == ("line 3", "column 'amount': not an amount: '1.234.5'")
    ok = (GENERIC_HEADER + "2026-03-01,-10.50,EUR,Shop,a\n2026-03-02,7,EUR,,\n").encode()
    [statement] = parse_bytes(ok, "bank.csv")
    assert [e.amount.amount for e in statement.entries] == [Decimal("-10.50"), Decimal("7.00")]
    assert statement.entries[1].counterparty_name is None


@pytest.mark.parametrize(("row", "position", "reason"), [
    ("2026-03-01,-1.00,EUR,Shop\n", "line 2", "4 cells, the header has 5"),
    ("01.03.2026,-1.00,EUR,Shop,x\n", "line 2", "is not a date in the format"),
    ("2026-03-01,-1.00,euro,Shop,x\n", "line 2", "not a valid entry"),
    (",-1.00,EUR,Shop,x\n", "line 2", "column 'date': no date"),
])
def test_bad_rows(row, position, reason):
    with pytest.raises(BankFileError) as info:
        parse_bytes((GENERIC_HEADER + row).encode(), "bank.csv")
    assert info.value.position == position and reason in info.value.reason


def test_missing_required_column_names_the_mapping_key():
    with pytest.raises(BankFileError) as info:
        parse_bytes(b"date,currency\n2026-03-01,EUR\n", "bank.csv")
    assert info.value.position == "line 1" and "columns.amount" in info.value.reason


def test_csv_mapping_forces_csv_whatever_the_name(tmp_path):
    path = _mapping(tmp_path, "name: mine\ncurrency: CHF\ndelimiter: '|'\ndate_format: '%d/%m/%Y'\n"
                              "columns: {booking_date: When, debit: Out, credit: In, remittance: [A, B]}\n")
    data = b"When|Out|In|A|B\n01/03/2026|5.00||rent|march\n02/03/2026||7.25||\n"
    [statement] = parse_bytes(data, "export.txt", csv_mapping=path)
    assert statement.format == "csv:mine" and statement.currency == "CHF"
    assert [(e.amount.amount, e.remittance) for e in statement.entries] == [
        (Decimal("-5.00"), "rent march"), (Decimal("7.25"), None)]


def test_debit_credit_both_empty_is_an_error(tmp_path):
    path = _mapping(tmp_path, "name: m\ncurrency: EUR\ncolumns: {booking_date: d, debit: o, credit: i}\n")
    with pytest.raises(BankFileError, match="line 2: neither 'o' nor 'i' has an amount"):
        parse_bytes(b"d,o,i\n2026-03-01,,\n", "x.csv", csv_mapping=path)
