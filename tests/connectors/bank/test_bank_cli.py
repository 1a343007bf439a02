"""`ofm bank parse`: human and --json output, one-line errors with exit 1, no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from bank_regen import GOLDEN_DIR
from typer.testing import CliRunner

from ofm.cli.bank import bank_app

runner = CliRunner()


def test_parse_prints_statement_balances_and_entries():
    result = runner.invoke(bank_app, ["parse", str(GOLDEN_DIR / "mt940-german-structured.sta")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "mt940  37040044/0532013000  EUR" in out
    assert "opening  2026-02-27  12500.00 EUR" in out and "closing  2026-03-02  13317.40 EUR" in out
    assert "-450.00" in out and "[reversal]" in out and "4 entries, sum 817.40" in out
    assert "note:" not in out  # the balances add up


def test_parse_json_is_a_list_with_signed_string_amounts():
    result = runner.invoke(bank_app, ["parse", str(GOLDEN_DIR / "camt054-v04-notification.xml"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["account"] for s in data] == ["NL91ABNA0417164300", "CH9300762011623852957"]
    assert [e["amount"] for e in data[0]["entries"]] == ["2420.00", "-61.17"]
    assert {"opening_balance", "closing_balance", "entries"} <= set(data[0])


def test_csv_mapping_option():
    path = GOLDEN_DIR / "csv-debit_credit_semicolon-export.csv"
    result = runner.invoke(bank_app, ["parse", str(path), "--json", "--csv-mapping", "debit_credit_semicolon"])
    assert result.exit_code == 0, result.output
    assert [e["amount"] for e in json.loads(result.stdout)[0]["entries"]] == ["1190.00", "-99.90", "-12.50"]


def test_unreadable_file_is_one_line_on_stderr(tmp_path):
    bad = tmp_path / "cut.xml"
    bad.write_bytes((GOLDEN_DIR / "camt053-v05-references.xml").read_bytes()[:900])
    result = runner.invoke(bank_app, ["parse", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: line ") and "Traceback" not in result.stderr


def test_max_mb_option(tmp_path):
    big = tmp_path / "big.sta"
    big.write_bytes(b":20:X\n" + b"x" * (1024 * 1024 + 1))
    result = runner.invoke(bank_app, ["parse", str(big), "--max-mb", "1"])
    assert result.exit_code == 1 and "more than the 1048576 bytes" in result.stderr


def test_bank_parse_imports_nothing_heavy():
    code = ("import sys; from ofm.cli.bank import parse; from ofm.connectors import bank; "
            "print([m for m in ('prefect', 'pandas', 'great_expectations', 'sqlalchemy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_balance_note_counts_booked_entries_only(tmp_path):
    report = runner.invoke(bank_app, ["parse", str(GOLDEN_DIR / "camt052-v02-intraday.xml")])
    assert report.exit_code == 0 and "[pending]" in report.stdout and "note:" not in report.stdout
    off = tmp_path / "off.sta"
    off.write_bytes((GOLDEN_DIR / "mt940-german-structured.sta").read_bytes().replace(b"62F:C260302EUR13317,40",
                                                                                       b"62F:C260302EUR13317,41"))
    result = runner.invoke(bank_app, ["parse", str(off)])
    assert "note: opening + booked entries = 13317.40, but the closing balance is 13317.41" in result.stdout


def test_bad_mt940_is_one_line_without_library_chatter(tmp_path):
    bad = tmp_path / "bad.sta"
    bad.write_bytes((GOLDEN_DIR / "mt940-german-structured.sta").read_bytes().replace(b":60F:C2602", b":60F:X2602"))
    result = runner.invoke(bank_app, ["parse", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"error: {bad}: line 4: :60F: does not match the field's "
                                                  "format: 'X260227EUR12500,00'"]


def _hostile(name: str, cut: int) -> bytes:
    """A golden file cut in the middle and followed by junk: what a broken transfer or an attacker sends."""
    data = (GOLDEN_DIR / name).read_bytes()
    return data[:cut] + b"\x00\xff<<:61:\x1b[2J" + b"A" * 500


@pytest.mark.parametrize(("name", "says"), [
    ("camt052-v08-intraday-no-closing.xml", "note: no closing balance in the file: the balance check is skipped; "
                                            "opening + booked entries = 50051.42"),
    ("mt942-interim-no-balances.sta", "note: no closing balance in the file: the balance check is skipped"),
    ("ofx102-no-ledgerbal.ofx", "note: no closing balance in the file"),
    ("ofx211-investment-cash.ofx", "2 entries, sum 4975.00"),
    ("camt052-v01-report.xml", "closing  2026-03-02  13885.10 EUR"),
    ("mt940-german-ns-no-currency.sta", "closing  2026-03-03  9344.55 EUR"),
])
def test_new_cases_are_read(name, says):
    result = runner.invoke(bank_app, ["parse", str(GOLDEN_DIR / name)])
    assert result.exit_code == 0, result.output
    assert says in result.stdout


@pytest.mark.parametrize(("name", "cut"), [
    ("camt052-v08-intraday-no-closing.xml", 1500),
    ("camt052-v01-report.xml", 2500),
    ("mt942-interim-no-balances.sta", 300),
    ("mt940-german-ns-no-currency.sta", 420),
    ("ofx102-no-ledgerbal.ofx", 700),
    ("ofx211-investment-cash.ofx", 2600),
])
def test_hostile_variant_of_each_new_case_is_one_line_and_exit_1(tmp_path, name, cut):
    bad = tmp_path / f"hostile-{name}"
    bad.write_bytes(_hostile(name, cut))
    result = runner.invoke(bank_app, ["parse", str(bad)])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: "), lines
    assert "Traceback" not in result.stderr and "validation error" not in result.stderr


def test_investment_without_cash_lines_exits_1_saying_so(tmp_path):
    data = (GOLDEN_DIR / "ofx211-investment-cash.ofx").read_bytes()
    start, end = data.index(b"<INVBANKTRAN>"), data.rindex(b"</INVBANKTRAN>") + len(b"</INVBANKTRAN>")
    bad = tmp_path / "positions-only.ofx"
    bad.write_bytes(data[:start] + data[end:])
    result = runner.invoke(bank_app, ["parse", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {bad}: INVSTMTRS[1]: an investment account statement with no cash "
                                     "lines (INVBANKTRAN): nothing to read as bank entries (2 security "
                                     "transactions, 1 positions)")


def test_currency_option_for_balances_without_one(tmp_path):
    path = tmp_path / "nocur.sta"
    path.write_bytes((GOLDEN_DIR / "mt940-german-ns-no-currency.sta").read_bytes()
                     .replace(b":60F:C260302EUR8450,00", b":60F:C2603028450,00"))
    refused = runner.invoke(bank_app, ["parse", str(path)])
    assert refused.exit_code == 1 and "line 8: :60F: balance without a currency" in refused.stderr
    read = runner.invoke(bank_app, ["parse", str(path), "--json", "--currency", "eur"])
    assert read.exit_code == 0, read.output
    assert [s["opening_balance"] for s in json.loads(read.stdout)] == ["8450.00", "9389.55"]
    by_env = runner.invoke(bank_app, ["parse", str(path)], env={"OFM_BANK_DEFAULT_CURRENCY": "EUR"})
    assert by_env.exit_code == 0, by_env.output
    wrong = runner.invoke(bank_app, ["parse", str(path), "--currency", "euro"])
    assert wrong.exit_code == 2 and "ISO 4217" in wrong.output


def test_the_installed_command_exits_1_with_one_line_for_each_new_case(tmp_path):
    """The real `ofm` process, not the in-process runner: exit status 1 and one stderr line per file."""
    cases = [("camt052-v01-report.xml", 2500), ("mt942-interim-no-balances.sta", 300),
             ("mt940-german-ns-no-currency.sta", 420), ("ofx211-investment-cash.ofx", 2600),
             ("camt052-v08-intraday-no-closing.xml", 1500), ("ofx102-no-ledgerbal.ofx", 700)]
    code = ("import sys; from ofm.cli.main import main; sys.argv = ['ofm', 'bank', 'parse', sys.argv[1]]; "
            "main()")
    for name, cut in cases:
        bad = tmp_path / f"hostile-{name}"
        bad.write_bytes(_hostile(name, cut))
        done = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, (name, done.stderr)
        assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, (name, done.stderr)
        assert done.stderr.startswith(f"error: {bad}: "), done.stderr
