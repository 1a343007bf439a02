"""The card acquirer's settlement report read as journal entries: one per payout, the signed amounts as debits
and credits, the SUMMARY row's control totals; an unbalanced payout and a wrong summary refused (no Odoo)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ofm.mappings.ledger import BUNDLED_DIR, LedgerFileError, load_ledger_mapping, mapping_for, parse_delivery
from ofm.rules.ledger import AccountRef, LedgerReferences, check_batch
from ofm.sandbox.ledger import card_settlements_csv

DAYS = [date(2026, 11, 29), date(2026, 11, 30)]
NAME = "card-settlement-2026-11-30.csv"
# be_comp's types of the three accounts, as both Odoo 18 and 19 have them
ACCOUNTS = {c: AccountRef(i, c, True, t, (1,)) for i, (c, t) in enumerate(
    [("400000", "asset_receivable"), ("653000", "expense"), ("580000", "asset_current"),
     ("455000", "liability_current")], start=10)}


def parse(text: str, name: str = NAME):
    return parse_delivery(mapping_for(name), text, name)


def refs() -> LedgerReferences:
    return LedgerReferences(company_id=1, company_currency="EUR",
                            journal={"id": 3, "code": "MISC", "type": "general", "active": True},
                            accounts=ACCOUNTS, taxes={}, analytic={}, partners={}, currencies={"EUR": 126})


def booked(entry) -> list[tuple[str, Decimal, Decimal, str]]:
    return [(x.account_code, x.debit, x.credit, x.label) for x in entry.lines]


def test_the_mapping_reads_the_acquirers_report_and_nothing_else():
    m = load_ledger_mapping(BUNDLED_DIR / "card_settlements.yaml")
    assert (m.source, m.journal, m.locked_period.value, m.legal_entities) == \
        ("card_settlements", "MISC", "next_open_date", {"AcmeBE_ECOM": "My Company"})
    assert mapping_for("card-settlement-2026-11-30.csv") is m and mapping_for("card-settlements.csv") is m
    with pytest.raises(LedgerFileError, match="0 ledger mappings"):
        mapping_for("settlement-2026-11-30.csv")


def test_one_entry_per_payout_with_the_signed_amounts_as_debits_and_credits():
    d = parse(card_settlements_csv("STL-2026-11-30", "2026-11", DAYS))
    b = d.batch
    assert (b.source, b.batch_id, b.legal_entity, b.period, b.currency) == \
        ("card_settlements", "STL-2026-11-30", "AcmeBE_ECOM", "2026-11", "EUR")
    assert [(e.number, str(e.accounting_date), e.ref) for e in b.entries] == [
        ("4101", "2026-11-29", "PO-STL-2026-11-30-4101"), ("4102", "2026-11-30", "PO-STL-2026-11-30-4102")]
    zero = Decimal(0)
    assert booked(b.entries[0]) == [
        ("400000", zero, Decimal("2573.35"), "Card sales captured (43 transactions)"),
        ("653000", Decimal("15.44"), zero, "Commission"), ("653000", Decimal("7.72"), zero, "Interchange"),
        ("653000", Decimal("3.09"), zero, "Scheme fees"),
        ("580000", Decimal("2547.10"), zero, "Payout to BE71 0961 2345 6769 (4101)")]
    chargebacks = [x for x in booked(b.entries[1]) if x[0] == "400000" and x[1]]
    assert chargebacks == [("400000", Decimal("59.90"), zero, "Refunds (1)"),
                           ("400000", Decimal("89.90"), zero, "Chargeback")]
    for e in b.entries:  # gross = fees + chargebacks/refunds + net payout
        assert sum((x.debit for x in e.lines), zero) == sum((x.credit for x in e.lines), zero)
    assert d.failures == []


def test_the_summary_row_is_the_control_totals_and_matches_what_the_report_holds():
    d = parse(card_settlements_csv("STL-1", "2026-11", DAYS))
    c = d.batch.control
    assert (c.credit, c.debit, c.lines, c.entries) == (Decimal("5320.05"), Decimal("5320.05"), 13, 2)
    assert {k: d.sums[k] for k in ("credit", "debit", "lines", "entries")} == \
        {"credit": c.credit, "debit": c.debit, "lines": 13, "entries": 2}
    assert check_batch(d.batch, mapping_for(NAME), refs(), d.sums).refused == []


def test_a_payout_short_of_its_net_is_refused_naming_the_lines_and_the_other_payout_passes():
    d = parse(card_settlements_csv("STL-1", "2026-11", DAYS, dirty=True))
    assert d.batch.control.debit == d.sums["debit"] == Decimal("5318.55")  # the summary adds up what is there
    result = check_batch(d.batch, mapping_for(NAME), refs(), d.sums)
    [refusal] = result.refused
    assert (refusal.number, refusal.field) == ("4102", "lines")
    assert "does not balance" in refusal.reason and "difference -1.50 EUR" in refusal.reason
    assert [e.number for e in result.passed] == ["4101"]


def test_a_summary_that_disagrees_refuses_the_whole_report():
    d = parse(card_settlements_csv("STL-1", "2026-11", DAYS, trailer_credit=Decimal("5320.00")))
    result = check_batch(d.batch, mapping_for(NAME), refs(), d.sums)
    assert result.batch_problem == "control totals: the trailer says credit 5320.00, the delivery holds 5320.05"
    assert [(r.number, r.field) for r in result.refused] == [("4101", "batch"), ("4102", "batch")]
    assert result.passed == []


def test_a_line_type_the_mapping_has_no_account_for_and_an_amount_that_is_no_number_are_named():
    text = card_settlements_csv("STL-1", "2026-11", DAYS)
    assert ",fee,-15.44," in text
    text = text.replace(",fee,-15.44,", ",reserve,-15.44,").replace("-89.90", '"-89,90"')
    d = parse(text)
    assert [(f.number, f.field) for f in d.failures] == [("4101", "lines[1].line_type"), ("4102", "lines[2].amount")]
    assert "'reserve' is not in the mapping's table for it (mapped: sale, refund, chargeback, fee, payout)" in \
        d.failures[0].reason
    assert "not a decimal amount: '-89,90'" in d.failures[1].reason  # a decimal comma in a decimal-point report
    assert d.batch.entries == () and d.received == 2


def test_the_account_of_each_line_comes_from_the_mapping_not_the_acquirer():
    [first, _] = parse(card_settlements_csv("STL-1", "2026-11", DAYS)).batch.entries
    assert [(x.account_code, x.debit, x.credit) for x in first.lines][:2] == [
        ("400000", Decimal(0), Decimal("2573.35")), ("653000", Decimal("15.44"), Decimal(0))]
    assert first.lines[-1].account_code == "580000" and first.lines[-1].debit > 0


def test_a_report_without_its_merchant_account_is_held_whole():
    text = card_settlements_csv("STL-1", "2026-11", DAYS).replace("AcmeBE_ECOM", "")
    with pytest.raises(LedgerFileError, match="the batch header has no merchant_account"):
        parse(text)
