"""Doubt is never reconciled: ties, competing claims, one use per open item, currencies and signs."""

from __future__ import annotations

import pytest
from bank_match_factory import IBAN_D, IBAN_M, entries, items, outcome, policy, run

from ofm.rules.bank import match


def test_two_invoices_of_one_partner_with_the_same_amount_are_both_suggested_not_matched():
    result = run([dict(amount_minor=5000, counterparty_iban=IBAN_M)],
                 [dict(residual_minor=5000), dict(residual_minor=5000, date_maturity="2026-03-01")])
    (u,) = result.unmatched
    assert u.ambiguous and u.reason.startswith("ambiguous: 2 equally good candidates (same partner")
    assert [s.line_ids for s in u.suggestions] == [(101,), (102,)]
    assert result.matches.empty


def test_two_entries_claiming_one_invoice_get_neither_and_name_each_other():
    result = run([dict(amount_minor=10000, remittance="INV/2026/00101"),
                  dict(amount_minor=10000, remittance="INV/2026/00101 (2nd try)")], [dict(residual_minor=10000)])
    reasons = {u.entry_id: u.reason for u in result.unmatched}
    assert reasons == {
        "E1": "ambiguous: open item 101 is also claimed by entry E2 (reference in the remittance and exact residual)",
        "E2": "ambiguous: open item 101 is also claimed by entry E1 (reference in the remittance and exact residual)"}
    assert all(u.suggestions[0].line_ids == (101,) for u in result.unmatched)


def test_two_installments_with_one_name_and_amount_are_ambiguous():
    result = run([dict(amount_minor=5000, remittance="INV/2026/00101")],
                 [dict(residual_minor=5000), dict(residual_minor=5000, move_name="INV/2026/00101")])
    assert outcome(result)["E1"][1].startswith("ambiguous: 2 equally good candidates (reference")


def test_a_strictly_better_claim_wins_the_item():
    """Both entries want item 101 by partner and amount; the IBAN-identified one is surer than the name."""
    result = run([dict(amount_minor=100, counterparty_name="Mueller"),
                  dict(amount_minor=100, counterparty_iban=IBAN_M)], [dict(residual_minor=100)])
    got = outcome(result)
    assert got["E2"] == ("partner_amount", (101,), (100,), 0)
    assert got["E1"][0] == "unmatched" and not got["E1"][1].startswith("ambiguous")


def test_a_cheaper_rule_takes_the_item_first_and_each_item_is_used_once():
    result = run([dict(amount_minor=100, counterparty_iban=IBAN_M), dict(amount_minor=100, remittance="INV/2026/00101"),
                  dict(amount_minor=40, remittance="INV/2026/00101")], [dict(residual_minor=100)])
    got = outcome(result)
    assert got["E2"] == ("reference", (101,), (100,), 0)
    assert got["E1"][0] == got["E3"][0] == "unmatched"
    assert got["E3"][1] == "no match: the referenced open item is already settled by another entry"
    assert sum(len(m.line_ids) for m in result.match_list()) == 1


def test_an_ambiguous_entry_does_not_fall_through_to_a_looser_rule():
    """Ambiguous under partner_amount; the fees rule would find item 103 alone, but must not get the chance."""
    result = run([dict(amount_minor=5000, counterparty_iban=IBAN_M)],
                 [dict(residual_minor=5000), dict(residual_minor=5000), dict(residual_minor=5010, partner_id=8)])
    assert outcome(result)["E1"][1].startswith("ambiguous")


def test_a_reference_is_not_overruled_by_the_partner():
    """The remittance names invoice 101 (amount off); partner 7's other invoice 102 has the amount: no guess."""
    result = run([dict(amount_minor=9000, remittance="INV/2026/00101", counterparty_iban=IBAN_M)],
                 [dict(residual_minor=8000), dict(residual_minor=9000)])
    (u,) = result.unmatched
    assert u.reason.startswith("no match: referenced open item found")
    assert {s.line_ids for s in u.suggestions} == {(101,), (102,)}


@pytest.mark.parametrize(("entry_currency", "item_currency", "expected"), [
    ("EUR", "EUR", "reference"), ("USD", "USD", "reference"), ("USD", "EUR", "unmatched"), ("CHF", "EUR", "unmatched"),
])
def test_currency_must_match(entry_currency, item_currency, expected):
    result = run([dict(amount_minor=10000, currency=entry_currency, remittance="INV/2026/00101")],
                 [dict(residual_minor=10000, currency=item_currency)])
    assert outcome(result)["E1"][0] == expected
    if expected == "unmatched":
        assert outcome(result)["E1"][1] == "no match: the referenced open item is in another currency"


def test_one_batch_in_several_currencies_pairs_each_with_its_own():
    result = run([dict(amount_minor=5000, currency="USD", counterparty_iban=IBAN_M),
                  dict(amount_minor=5000, currency="EUR", counterparty_iban=IBAN_M),
                  dict(amount_minor=5000, currency="GBP", counterparty_iban=IBAN_M)],
                 [dict(residual_minor=5000, currency="EUR"), dict(residual_minor=5000, currency="USD")])
    got = outcome(result)
    assert (got["E1"][1], got["E2"][1], got["E3"][0]) == ((102,), (101,), "unmatched")
    assert result.stats["rules"]["partner_amount"]["amount_minor"] == {"EUR": 5000, "USD": 5000}


@pytest.mark.parametrize(("amount", "residual", "move_name", "partner", "rule"), [
    pytest.param(10000, 10000, "INV/2026/00101", 7, "reference", id="customer-receipt"),
    pytest.param(-10000, -10000, "BILL/2026/03/00101", 8, "reference", id="vendor-payment"),
    pytest.param(-2500, -2500, "RINV/2026/00101", 7, "reference", id="refund-to-customer"),
    pytest.param(10000, -10000, "BILL/2026/03/00101", 8, "unmatched", id="incoming-never-pays-a-bill"),
    pytest.param(-10000, 10000, "INV/2026/00101", 7, "unmatched", id="outgoing-never-pays-an-invoice"),
])
def test_sign_conventions(amount, residual, move_name, partner, rule):
    result = run([dict(amount_minor=amount, remittance=move_name, counterparty_iban=IBAN_D)],
                 [dict(residual_minor=residual, move_name=move_name, partner_id=partner)])
    assert outcome(result)["E1"][0] == rule


def test_duplicate_entry_ids_are_refused():
    with pytest.raises(ValueError, match="entry_id must be unique: 'E1'"):
        match(entries(dict(amount_minor=1), dict(amount_minor=2, entry_id="E1")), items(dict(residual_minor=1)),
              None, policy())


def test_stats_count_entries_lines_and_amounts_per_rule():
    result = run([dict(amount_minor=15000, remittance="INV/2026/00101 INV/2026/00102"),
                  dict(amount_minor=-700, counterparty_iban=IBAN_D), dict(amount_minor=1)],
                 [dict(residual_minor=10000), dict(residual_minor=5000), dict(residual_minor=-700, partner_id=8)])
    stats = result.stats
    assert stats["rules"]["reference"] == {"entries": 1, "lines": 2, "amount_minor": {"EUR": 15000}}
    assert stats["rules"]["partner_amount"] == {"entries": 1, "lines": 1, "amount_minor": {"EUR": 700}}
    assert (stats["matched"], stats["unmatched"], stats["match_rate"]) == (2, {"entries": 1, "ambiguous": 0}, 0.6667)
