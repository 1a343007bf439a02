"""Frames for the engine: Odoo's float residuals become exact minor units; statements become rows."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ofm.canonical.bank import BankEntry, BankStatement, EntryStatus
from ofm.canonical.money import Money
from ofm.rules.bank import entries_frame, entry_ids, items_frame, load_policy, match, partner_banks_frame

ROW = {"id": 11, "move_id": [5, "INV/2026/00012"], "move_name": "INV/2026/00012", "partner_id": [7, "Müller GmbH"],
       "amount_residual": 1234.56, "currency_id": [1, "EUR"], "date_maturity": "2026-03-05", "ref": False}


@pytest.mark.parametrize(("changes", "column", "expected"), [
    pytest.param({}, "residual_minor", 123456, id="residual-in-cents"),
    pytest.param({"amount_residual": 0.1 + 0.2}, "residual_minor", 30, id="float-noise-rounds-away"),
    pytest.param({"amount_residual": -0.07}, "residual_minor", -7, id="negative-payable"),
    pytest.param({"amount_residual": 1234.0, "amount_residual_currency": 1500.5, "currency_id": [2, "USD"]},
                 "residual_minor", 150050, id="foreign-currency-residual"),
    pytest.param({"amount_residual": 1500.0, "currency_id": [3, "JPY"]}, "residual_minor", 1500, id="no-decimals"),
    pytest.param({"partner_id": False}, "partner_id", 0, id="no-partner"),
    pytest.param({"move_name": False}, "move_name", "INV/2026/00012", id="name-from-move"),
    pytest.param({"date_maturity": False, "date": "2026-02-01"}, "date_maturity", np.datetime64("2026-02-01"),
                 id="date-when-no-due-date"),
])
def test_items_frame_from_search_read(changes, column, expected):
    frame = items_frame([{**ROW, **changes}])
    assert frame[column].iloc[0] == expected
    assert frame.residual_minor.dtype == np.int64 and frame.line_id.dtype == np.int64


def test_items_frame_refuses_a_row_without_a_currency():
    with pytest.raises(ValueError, match="open item 11: currency_id"):
        items_frame([{**ROW, "currency_id": False}])


def test_partner_banks_frame_compacts_ibans_and_drops_orphans():
    frame = partner_banks_frame([{"partner_id": [7, "M"], "acc_number": "de89 3704 0044 0532 0130 00"},
                                 {"partner_id": False, "acc_number": "NL91ABNA0417164300"}])
    assert frame.to_dict("records") == [{"partner_id": 7, "iban": "DE89370400440532013000"}]


def test_statement_to_match_end_to_end():
    statement = BankStatement(format="camt.053", account_iban="DE02120300000000202051", currency="EUR", entries=(
        BankEntry(booking_date=date(2026, 3, 10), amount=Money(amount="1234.56", currency="EUR"),
                  remittance="Rechnung INV/2026/00012", counterparty_iban="de89 3704 0044 0532 0130 00"),
        BankEntry(booking_date=date(2026, 3, 10), amount=Money(amount="5", currency="EUR"),
                  status=EntryStatus.PENDING)))
    entries = entries_frame([statement])
    assert entries.entry_id.tolist() == [entry_ids([statement])[0][0]]  # the pending one is left out
    assert entries.counterparty_iban.iloc[0] == "DE89370400440532013000"
    assert entries.amount_minor.iloc[0] == 123456 and entries.amount_minor.dtype == np.int64
    result = match(entries, items_frame([ROW]), partner_banks_frame([]), load_policy())
    assert [(m.rule, m.line_ids, m.partner_id) for m in result.match_list()] == [("reference", (11,), 7)]
