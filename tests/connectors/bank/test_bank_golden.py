"""Golden files: each input in golden/ parses to exactly its committed expected JSON.

A failure here means a parser's output changed. If the change is intended, regenerate with
`.venv/bin/python -m tests.connectors.bank.bank_regen` and review the diff.
"""

from __future__ import annotations

import json

import pytest
from bank_regen import expected_path, golden_inputs, render
from bank_testkit import balances_add_up

from ofm.connectors.bank import parse_file
from ofm.rules.bank import check_balance

INPUTS = golden_inputs()
# Files banks send without a closing balance: intraday and MT942 interim reports, OFX without
# LEDGERBAL, an investment account's cash lines. Read, and their balance check skipped with a note.
NO_CLOSING = {"camt052-v08-intraday-no-closing.xml", "mt942-interim-no-balances.sta", "ofx102-no-ledgerbal.ofx",
              "ofx211-investment-cash.ofx"}


def test_every_golden_input_has_an_expected_file():
    assert len(INPUTS) >= 8
    missing = [p.name for p in INPUTS if not expected_path(p).is_file()]
    assert missing == []


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.name)
def test_golden_output_unchanged(source):
    assert render(source) == expected_path(source).read_text(encoding="utf-8")


@pytest.mark.parametrize("source", [p for p in INPUTS if not p.name.startswith("csv-") and p.name not in NO_CLOSING],
                         ids=lambda p: p.name)
def test_golden_balances_add_up(source):
    statements = parse_file(source)
    with_balances = [s for s in statements if s.opening_balance and s.closing_balance]
    for statement in with_balances:
        assert balances_add_up(statement), statement.statement_id
    if not source.name.startswith("camt054"):
        assert with_balances, "every golden statement file except notifications carries balances"


def test_no_closing_inputs_are_golden_files():
    assert {p.name for p in INPUTS} >= NO_CLOSING


@pytest.mark.parametrize("name", sorted(NO_CLOSING))
def test_golden_without_closing_is_read_and_only_noted(name):
    statements = parse_file(next(p for p in INPUTS if p.name == name))
    assert statements and all(s.closing_balance is None and s.entries for s in statements)
    for statement in statements:
        problems = check_balance(statement)
        assert [(p.code, p.severity) for p in problems] == [("balance_unchecked", "warning")]
        assert "the balance check is skipped" in problems[0].message


def test_golden_json_shape():
    """--json contract: a list of statements; amounts are signed decimal strings."""
    data = json.loads(expected_path(next(p for p in INPUTS if p.name.startswith("camt053"))).read_text())
    statement = data[0]
    assert statement["opening_balance"] == "10000.00" and statement["closing_balance"] == "13305.80"
    amounts = [e["amount"] for e in statement["entries"]]
    assert amounts == ["1250.50", "830.00", "-120.00", "-443.70", "-1800.00", "-1200.00", "4789.00"]
    fx = statement["entries"][3]
    assert (fx["original_amount"], fx["original_currency"]) == ("-500.00", "USD")
