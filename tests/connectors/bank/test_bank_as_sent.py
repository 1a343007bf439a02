"""Bank files as banks really send them: no closing balance, German MT940 with :NS: and balances
without a currency, camt.052.001.01, OFX investment statements. Read, or refused on one line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bank_regen import GOLDEN_DIR

from ofm.canonical.bank import EntryStatus
from ofm.connectors.bank import BankFileError, parse_bytes
from ofm.connectors.bank.mt940_currency import currency_hint
from ofm.connectors.bank.mt940_details import parse_non_swift
from ofm.connectors.bank.mt940_lines import Field
from ofm.rules.bank import check_balance

GERMAN = (GOLDEN_DIR / "mt940-german-ns-no-currency.sta").read_bytes()
MT942 = (GOLDEN_DIR / "mt942-interim-no-balances.sta").read_bytes()
CAMT052_V01 = (GOLDEN_DIR / "camt052-v01-report.xml").read_bytes()
CAMT053 = (GOLDEN_DIR / "camt053-v05-references.xml").read_bytes()
INVEST = (GOLDEN_DIR / "ofx211-investment-cash.ofx").read_bytes()
BANK_OFX = (GOLDEN_DIR / "ofx211-checking.ofx").read_bytes()


def _refused(data: bytes, name: str, **kwargs) -> BankFileError:
    with pytest.raises(BankFileError) as info:
        parse_bytes(data, name, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    assert "validation error" not in message and "errors.pydantic.dev" not in message
    return info.value


# --- statements without a closing balance -------------------------------------------------------

def test_partial_mt940_ended_by_the_bank_is_read_without_closing():
    data = GERMAN.replace(b":62M:C260303 9389,55\n", b"")
    first, second = parse_bytes(data, "partial.sta")
    assert first.closing_balance is None and first.opening_balance.amount == Decimal("8450.00")
    assert first.closing_or_computed.amount == Decimal("9389.55")  # opening + booked entries
    assert second.closing_balance.amount == Decimal("9344.55")


def test_mt940_cut_inside_an_opened_statement_is_still_refused_as_truncated():
    lines = GERMAN.splitlines(keepends=True)
    error = _refused(b"".join(lines[:20]), "cut.sta")  # ends in the second :61: of the first statement
    assert error.position == "line 19" and "truncated?" in error.reason  # its last field, an :NS:


def test_mt942_interim_report_without_balances_is_read():
    [report] = parse_bytes(MT942, "interim.sta")
    assert (report.opening_balance, report.closing_balance, report.closing_or_computed) == (None, None, None)
    assert report.currency == "EUR" and [str(e.amount.amount) for e in report.entries] == ["2420.00", "-89.90"]
    assert report.created_at is not None and report.created_at.hour == 11


def test_mt942_cut_before_its_totals_and_end_line_is_refused():
    lines = MT942.splitlines(keepends=True)
    error = _refused(b"".join(lines[:11]), "cut942.sta")
    assert error.position == "line 11" and "truncated?" in error.reason


def test_camt053_without_closing_is_read_and_its_check_is_a_warning():
    data = CAMT053.replace(b"<Cd>CLBD</Cd>", b"<Cd>CLAV</Cd>")  # the available balance is never a closing
    [statement] = parse_bytes(data, "no-clbd.xml")
    assert statement.closing_balance is None
    [problem] = check_balance(statement)
    assert (problem.code, problem.severity) == ("balance_unchecked", "warning")
    assert problem.message.endswith("opening + booked entries = 13305.80")


def test_ofx_without_ledgerbal_has_neither_balance():
    [statement] = parse_bytes((GOLDEN_DIR / "ofx102-no-ledgerbal.ofx").read_bytes(), "no-ledger.ofx")
    assert (statement.opening_balance, statement.closing_balance) == (None, None)
    assert statement.account_number == "4012884471" and len(statement.entries) == 3


# --- German MT940: :NS: fields and balances without a currency ---------------------------------

def test_balances_without_currency_take_it_from_the_statements_other_balance():
    first, second = parse_bytes(GERMAN, "de.sta")
    assert first.closing_balance.currency == "EUR" and first.closing_balance.amount == Decimal("9389.55")
    # the second statement writes no currency at all: its account's other statement in the file does
    assert second.currency == "EUR" and second.opening_balance.amount == Decimal("9389.55")
    assert second.closing_balance.amount == Decimal("9344.55")


def test_balance_without_currency_takes_the_account_suffix_of_25():
    data = (b":20:STARTUMS\n:25:10020030/1234567CHF\n:28C:5/1\n:60F:C2603021000,00\n"
            b":61:2603030303DR100,00NTRFNONREF\n:62F:C260303900,00\n-\n")
    [statement] = parse_bytes(data, "chf.sta")
    assert (statement.currency, statement.account_number) == ("CHF", "10020030/1234567")
    assert statement.closing_balance.amount == Decimal("900.00") and statement.entries[0].amount.currency == "CHF"


def test_no_currency_anywhere_is_refused_unless_a_default_is_given():
    data = GERMAN.replace(b":60F:C260302EUR8450,00", b":60F:C2603028450,00")
    error = _refused(data, "nocur.sta")
    assert error.position == "line 8" and ":60F: balance without a currency" in error.reason
    assert "--currency" in error.reason
    first, _ = parse_bytes(data, "nocur.sta", default_currency="EUR")
    assert first.opening_balance.currency == "EUR" and first.opening_balance.amount == Decimal("8450.00")


def test_the_files_own_currency_wins_over_the_default():
    first, _ = parse_bytes(GERMAN, "de.sta", default_currency="USD")
    assert first.currency == "EUR" and first.opening_balance.currency == "EUR"


def test_a_bad_default_currency_is_the_callers_error():
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_bytes(GERMAN, "de.sta", default_currency="euro")


def test_non_swift_details_fill_what_86_left_out():
    first, _ = parse_bytes(GERMAN, "de.sta")
    credit, debit = first.entries
    assert credit.counterparty_name == "Nordlicht Handels GmbH"  # :NS: 15
    assert credit.remittance == "RE-2026-0117 Kundennr 4711 Danke fuer Ihren Auftrag"  # :NS: 01 + 02
    assert debit.remittance == "Strom 03/2026" and debit.end_to_end_id == "DD-88211"  # its :86: wins
    assert debit.counterparty_iban == "DE44500105175407324931"


@pytest.mark.parametrize(("lines", "expected"), [
    (["01Verwendungszweck 1", "02Verwendungszweck 2", "15Empfaenger", "17Buchungstext", "1812345"],
     {"remittance": "Verwendungszweck 1 Verwendungszweck 2", "counterparty_name": "Empfaenger"}),
    (["17ENTGELT"], {}),
    (["free text without sub-fields"], {}),
    ([], {}),
])
def test_parse_non_swift(lines, expected):
    assert parse_non_swift(lines) == expected


def test_statement_level_ns_with_sub_field_lines_is_no_entry_text():
    [statement] = parse_bytes(b":20:X\n:25:1222333444\n:28:1/1\n:NS:22Test GmbH\n23Testkonto\n3037010000\n"
                              b":60F:C020315DEM0,00\n:61:0203170320CM5000,00S05168790452\n:NS:01Zweck\n"
                              b":62M:C0203155000,00\n", "spec.sta")
    assert statement.currency == "DEM" and statement.closing_balance.amount == Decimal("5000.00")
    [entry] = statement.entries
    assert (entry.amount.amount, entry.remittance, entry.counterparty_name) == (Decimal("5000.00"), "Zweck", None)


# --- camt.052.001.01 --------------------------------------------------------------------------------

def test_camt052_v01_reads_balances_split_batch_and_pending():
    [report] = parse_bytes(CAMT052_V01, "v01.xml")
    assert report.format == "camt.052.001.01" and report.account_bic == "COBADEFFXXX"
    assert (report.opening_balance.amount, report.closing_balance.amount) == (Decimal("12500.00"),
                                                                              Decimal("13885.10"))
    amounts = [str(e.amount.amount) for e in report.entries]
    assert amounts == ["1190.00", "650.00", "255.00", "-709.90", "-250.00"]  # the 905.00 batch split in two
    assert report.entries[-1].status is EntryStatus.PENDING
    assert check_balance(report) == []


def test_camt052_v01_proprietary_account_is_an_account_number():
    data = CAMT052_V01.replace(b"<Id><IBAN>DE89370400440532013000</IBAN></Id>",
                               b"<Id><PrtryAcct><Id>0532013000</Id></PrtryAcct></Id>")
    [report] = parse_bytes(data, "v01.xml")
    assert (report.account_iban, report.account_number) == (None, "0532013000")


def test_camt052_v01_structured_reference_in_its_own_element_names():
    data = CAMT052_V01.replace(b"<RmtInf><Ustrd>Rechnung RE-2026-00012 Kundennr 4711</Ustrd></RmtInf>",
                               b"<RmtInf><Strd><CdtrRefInf><CdtrRefTp><Cd>SCOR</Cd></CdtrRefTp>"
                               b"<CdtrRef>RF18539007547034</CdtrRef></CdtrRefInf></Strd></RmtInf>")
    [report] = parse_bytes(data, "v01.xml")
    assert (report.entries[0].creditor_reference, report.entries[0].creditor_reference_type) == (
        "RF18539007547034", "RF")


@pytest.mark.parametrize(("data", "reason"), [
    (CAMT052_V01.replace(b"camt.052.001.01", b"camt.053.001.01"), "camt.053.001.01 is not a supported version"),
    (CAMT052_V01.replace(b"BkToCstmrAcctRptV01", b"BkToCstmrAcctRpt"), "without BkToCstmrAcctRptV01"),
    (CAMT052_V01.replace(b"<Tp><Cd>CLBD</Cd></Tp>\n        <Amt Ccy=\"EUR\">13885.10",
                         b"<Tp><Cd>CLBD</Cd></Tp>\n        <Amt Ccy=\"EUR\">13.885,10"), "not an amount"),
])
def test_camt052_v01_refusals(data, reason):
    assert reason in _refused(data, "v01.xml").reason


# --- OFX investment statements --------------------------------------------------------------------

def test_investment_statement_gives_its_cash_lines_only():
    [statement] = parse_bytes(INVEST, "invest.ofx")
    assert (statement.account_number, statement.currency) == ("X7731-0042", "USD")
    assert [(str(e.amount.amount), e.bank_reference) for e in statement.entries] == [
        ("5000.00", "C-20260203-WIRE"), ("-25.00", "C-20260227-FEE")]
    assert (statement.opening_balance, statement.closing_balance) == (None, None)  # AVAILCASH moves with trades


def test_investment_statement_without_cash_lines_is_refused_saying_so():
    start = INVEST.index(b"<INVBANKTRAN>")
    end = INVEST.rindex(b"</INVBANKTRAN>") + len(b"</INVBANKTRAN>")
    error = _refused(INVEST[:start] + INVEST[end:], "nocash.ofx")
    assert error.position == "INVSTMTRS[1]"
    assert error.reason == ("an investment account statement with no cash lines (INVBANKTRAN): nothing to read as "
                            "bank entries (2 security transactions, 1 positions)")


def test_bank_and_investment_statements_in_one_file():
    bank_body = BANK_OFX[BANK_OFX.index(b"<BANKMSGSRSV1>"): BANK_OFX.index(b"</BANKMSGSRSV1>") + 15]
    data = INVEST.replace(b"<INVSTMTMSGSRSV1>", bank_body + b"\n<INVSTMTMSGSRSV1>")
    bank, invest = parse_bytes(data, "both.ofx")
    assert bank.closing_balance is not None and invest.account_number == "X7731-0042"


def test_investment_cash_line_in_another_currency_is_refused_with_its_path():
    data = INVEST.replace(b"<TRNAMT>-25.00</TRNAMT>",
                          b"<TRNAMT>-25.00</TRNAMT><CURRENCY><CURRATE>1.1</CURRATE><CURSYM>EUR</CURSYM></CURRENCY>")
    error = _refused(data, "fx.ofx")
    assert error.position == "INVSTMTRS[1]/INVTRANLIST/INVBANKTRAN[2]" and "another currency" in error.reason


def test_a_bad_currency_is_one_line_not_a_validation_dump():
    error = _refused(INVEST.replace(b"<CURDEF>USD</CURDEF>", b"<CURDEF>U$D</CURDEF>"), "cur.ofx")
    assert error.position.startswith("INVSTMTRS[1]") and "currency must be an ISO 4217 code" in error.reason


@pytest.mark.parametrize(("fields", "expected"), [
    ([("60F", "C020315105000,00"), ("62F", "C020315DEM105000,00")], "DEM"),  # digits are never a currency
    ([("25", "10020030/1234567EUR"), ("60F", "C020315 1,00")], "EUR"),
    ([("25", "DE89370400440532013000"), ("34F", "CHFD0,"), ("90D", "2CHF10,00")], "CHF"),
    ([("90C", "1GBP5,00")], "GBP"),
    ([("25", "DE89370400440532013000"), ("60F", "C020315   1,00")], None),
])
def test_currency_hint(fields, expected):
    assert currency_hint([Field(tag, i + 1, [text]) for i, (tag, text) in enumerate(fields)]) == expected
