"""Ledger mappings: the bundled deliveries read as the canonical batch; a broken entry or file is named."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ofm.mappings.ledger import (
    BUNDLED_DIR,
    LedgerFileError,
    LedgerMappingError,
    load_ledger_mapping,
    mapping_for,
    parse_delivery,
)
from ofm.sandbox.ledger import expenses_json, payroll_csv, sales_csv

NOV = date(2026, 11, 30)


def parse(name: str, text: str):
    return parse_delivery(mapping_for(name), text, name)


def test_a_payroll_csv_with_decimal_commas_and_a_trailer():
    d = parse("payroll-2026-11.csv", payroll_csv("PAY-2026-11", "2026-11", NOV, entries=2))
    b = d.batch
    assert (b.source, b.batch_id, b.legal_entity, b.period, b.journal_code, b.locked_period.value) == \
        ("payroll", "PAY-2026-11", "ACME-BE", "2026-11", "MISC", "defer")
    assert [e.number for e in b.entries] == ["1", "2"] and len(b.entries[0].lines) == 5
    gross = b.entries[0].lines[0]
    assert (gross.account_code, gross.debit, gross.analytic) == ("620200", Decimal("3959.00"),
                                                                 (("ADMIN", Decimal(60)), ("SALES", Decimal(40))))
    assert b.control.debit == d.sums["debit"] and b.control.lines == d.sums["lines"] == 10
    assert d.failures == []


def test_an_expense_json_with_nested_lines_and_analytic_lists():
    d = parse("expenses-2026-11-30.json", expenses_json("EXP-1", "2026-11", NOV))
    er1 = d.batch.entries[0]
    assert (er1.number, er1.ref, str(er1.accounting_date)) == ("ER-1", "Sales trip Antwerp", "2026-11-30")
    assert er1.lines[1].analytic == (("SALES", Decimal(50)), ("ADMIN", Decimal(50)))
    assert d.batch.control.entries == 4 and d.batch.control.credit == Decimal("668.50")


def test_a_sales_summary_marks_the_vat_lines_odoo_computes():
    d = parse("sales-2026-11-30.csv", sales_csv("WEB-1", "2026-11", [NOV]))
    [day] = d.batch.entries
    assert [(x.account_code, x.tax_code, x.tax_line) for x in day.lines] == [
        ("400000", None, False), ("700000", "VAT21", False), ("700000", "VAT6", False),
        ("451000", "VAT21", True), ("451000", "VAT6", True)]
    assert d.batch.legal_entity == "ACME-BE"  # a constant in the mapping


def test_an_entry_that_does_not_map_is_a_failure_naming_the_field_and_the_rest_goes_on():
    doc = json.loads(expenses_json("EXP-1", "2026-11", NOV))
    doc["reports"][1]["lines"][0]["debit"] = "12,x"
    doc["reports"][2]["approved_on"] = ""
    doc["reports"][3]["lines"][0]["debit"] = 12.3
    d = parse("expenses-x.json", json.dumps(doc))
    assert [e.number for e in d.batch.entries] == ["ER-1", "ER-4"]
    assert [(f.number, f.field) for f in d.failures] == [("ER-2", "lines[0].debit"), ("ER-3", "approved_on")]
    assert "not a decimal amount: '12,x'" in d.failures[0].reason
    assert d.batch.entries[1].lines[0].debit == Decimal("12.3")  # a JSON number is read as the decimal it says
    assert d.received == 4


def test_a_repeated_entry_number_in_a_json_delivery_is_its_own_failed_record():
    doc = json.loads(expenses_json("EXP-1", "2026-11", NOV))
    doc["reports"][1]["report"] = "ER-1"
    d = parse("expenses-x.json", json.dumps(doc))
    assert [(f.number, f.reason) for f in d.failures] == [("ER-1@2", "entry number ER-1 repeated in the file")]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("expenses-a.json", "[1, 2]", "a JSON delivery is an object"),
    ("expenses-b.json", "{oops", "not JSON"),
    ("expenses-c.json", json.dumps({"batch": {"id": "X", "entity": "ACME-BE"}, "reports": []}),
     "the batch header has no batch.period"),
    ("payroll-d.csv", "record_type;batch\nT;X\n", "no journal lines"),
    ("ledger.txt", "", "0 ledger mappings read this file name"),
])
def test_a_file_that_is_no_batch_is_one_error_naming_the_file(name, text, message):
    with pytest.raises(LedgerFileError, match=message):
        parse_delivery(mapping_for(name), text, name) if name != "ledger.txt" else mapping_for(name)


def test_a_broken_mapping_file_names_the_key(tmp_path: Path):
    doc = (BUNDLED_DIR / "expenses.yaml").read_text().replace("locked_period: refuse", "locked_period: later")
    path = tmp_path / "broken.yaml"
    path.write_text(doc)
    with pytest.raises(LedgerMappingError, match="locked_period: one of refuse, defer, next_open_date"):
        load_ledger_mapping(path)
    path.write_text(doc.replace("locked_period: later", "locked_period: refuse").replace("journal: MISC", "jurnal: X"))
    with pytest.raises(LedgerMappingError, match="jurnal: unknown key"):
        load_ledger_mapping(path)


def test_tax_use_names_the_kind_of_odoo_tax_and_nothing_else(tmp_path: Path):
    assert load_ledger_mapping(BUNDLED_DIR / "expenses.yaml").tax_use == "purchase"
    assert load_ledger_mapping(BUNDLED_DIR / "sales_summary.yaml").tax_use == "sale"
    assert load_ledger_mapping(BUNDLED_DIR / "payroll.yaml").tax_use is None
    path = tmp_path / "broken.yaml"
    path.write_text((BUNDLED_DIR / "expenses.yaml").read_text().replace("tax_use: purchase", "tax_use: both"))
    with pytest.raises(LedgerMappingError, match="tax_use: sale or purchase"):
        load_ledger_mapping(path)


def test_a_value_table_is_a_line_field_only_and_not_empty(tmp_path: Path):
    doc = (BUNDLED_DIR / "payroll.yaml").read_text()
    path = tmp_path / "broken.yaml"
    path.write_text(doc.replace("  account_code: account\n", "  account_code: {column: account, map: {}}\n"))
    with pytest.raises(LedgerMappingError, match=r"line.account_code: .*\{column: \.\.\., map:"):
        load_ledger_mapping(path)
    path.write_text(doc.replace("batch_id: batch,", "batch_id: {column: batch, map: {A: B}},"))
    with pytest.raises(LedgerMappingError, match=r"batch.batch_id: a column / JSON path, or \{value: constant\}$"):
        load_ledger_mapping(path)
    path.write_text(doc.replace("  account_code: account\n", "  account_code: {column: account, map: {'620200': "
                                                              "'620000'}}\n"))
    m = load_ledger_mapping(path)
    assert m.line["account_code"].table == {"620200": "620000"}
