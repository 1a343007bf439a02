"""The posting checks of a journal batch, as a table: each broken entry is refused naming its field (no Odoo)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ofm.canonical.ledger import ControlTotals, JournalBatch, JournalEntry, JournalLine
from ofm.mappings.ledger import BUNDLED_DIR, load_ledger_mapping
from ofm.rules.ledger import AccountRef, Landed, LedgerReferences, check_batch
from ofm.rules.ledger.checks import move_ref, parse_anchor

MAPPING = load_ledger_mapping(BUNDLED_DIR / "expenses.yaml")
ACCOUNTS = {c: AccountRef(i, c, True, t, (1,)) for i, (c, t) in enumerate(
    [("616501", "expense"), ("455000", "liability_current"), ("616580", "expense")], start=10)}
ACCOUNTS["616000"] = AccountRef(99, "616000", False, "expense", (1,))
ACCOUNTS["616100"] = AccountRef(98, "616100", True, "expense", (2,))


def refs(**changes) -> LedgerReferences:
    values = {"company_id": 1, "company_currency": "EUR",
              "journal": {"id": 3, "code": "MISC", "type": "general", "active": True}, "accounts": ACCOUNTS,
              "taxes": {"21% S": [19], "6% S": [23, 24]}, "analytic": {"Sales": 5, "Administration": 6},
              "partners": {"EMP-1": 7}, "currencies": {"EUR": 126, "USD": 1}}
    return LedgerReferences(**{**values, **changes})


def line(account: str = "616501", debit: str = "0", credit: str = "0", **kw) -> JournalLine:
    return JournalLine(account_code=account, debit=debit, credit=credit, currency=kw.pop("currency", "EUR"), **kw)


def entry(*lines: JournalLine, number: str = "ER-1", on: str = "2026-11-30", ref: str | None = None) -> JournalEntry:
    lines = lines or (line(debit="10"), line("455000", credit="10"))
    return JournalEntry(number=number, accounting_date=on, lines=lines, ref=ref)


def batch(*entries: JournalEntry, **kw) -> JournalBatch:
    return JournalBatch(source="expenses", batch_id=kw.pop("batch_id", "EXP-1"), legal_entity="ACME-BE",
                        period="2026-11", journal_code="MISC", currency="EUR", entries=entries or (entry(),), **kw)


@pytest.mark.parametrize(("broken", "field", "reason"), [
    (entry(line(debit="10"), line("455000", credit="9")), "lines", "difference 1.00 EUR"),
    (entry(line("616999", debit="10"), line("455000", credit="10")), "lines[0].account_code",
     "616999 does not exist"),
    (entry(line("616000", debit="10"), line("455000", credit="10")), "lines[0].account_code", "is archived"),
    (entry(line("616100", debit="10"), line("455000", credit="10")), "lines[0].account_code",
     "does not belong to the batch's company"),
    (entry(line(debit="10", credit="10"), line("455000")), "lines[0].debit", "a debit or a credit"),
    (entry(line(debit="10", tax_code="VAT99"), line("455000", credit="10")), "lines[0].tax_code", "not mapped"),
    (entry(line(debit="10", tax_code="VAT6S"), line("455000", credit="10")), "lines[0].tax_code",
     "ambiguous in Odoo"),
    (entry(line(debit="10", analytic=[("SALES", Decimal(60)), ("ADMIN", Decimal(30))]),
           line("455000", credit="10")), "lines[0].analytic", "sums to 90 %"),
    (entry(line(debit="10", analytic=[("OPS", Decimal(100))]), line("455000", credit="10")), "lines[0].analytic",
     "'Operations' (code OPS) does not exist in Odoo"),
    (entry(line(debit="10", analytic=[("XX", Decimal(100))]), line("455000", credit="10")), "lines[0].analytic",
     "code XX is not mapped"),
    (entry(line(debit="10", partner_ref="EMP-9"), line("455000", credit="10")), "lines[0].partner_ref",
     "EMP-9 does not exist"),
    (entry(line(debit="10", currency="USD"), line("455000", credit="10")), "lines[0].amount_currency",
     "needs its amount in USD"),
    (entry(line(debit="10", currency="USD", amount_currency=Decimal(12)), line("455000", credit="10", currency="USD",
                                                                          amount_currency=Decimal(-11))),
     "lines.amount_currency", "USD lines do not balance"),
    (entry(line(debit="10"), line("455000", credit="10", tax_code="VAT21S", tax_line=True)), "lines[1].tax_line",
     "without a base line"),
    (entry(on="2026-12-01"), "accounting_date", "outside the batch's period 2026-11"),
])
def test_a_broken_entry_is_refused_naming_its_field(broken, field, reason):
    result = check_batch(batch(broken), MAPPING, refs())
    [refusal] = result.refused
    assert (refusal.number, refusal.field) == ("ER-1", field) and reason in refusal.reason
    assert result.passed == []


def test_a_good_entry_passes_with_mapped_tax_and_distribution():
    good = entry(line(debit="10", tax_code="VAT21S", analytic=[("SALES", Decimal(50)), ("ADMIN", Decimal(50))]),
                 line("455000", credit="10"))
    assert check_batch(batch(good), MAPPING, refs()).passed == [good]


@pytest.mark.parametrize(("change", "problem"), [
    ({"company_id": None}, "has no Odoo company"),
    ({"journal": None}, "journal 'MISC' does not exist"),
    ({"journal": {"id": 6, "code": "MISC", "type": "bank", "active": True}}, "bank journal"),
    ({"company_currency": "USD"}, "not the company currency USD"),
])
def test_a_batch_problem_refuses_every_entry(change, problem):
    two = batch(entry(), entry(line(debit="5"), line("455000", credit="5"), number="ER-2"))
    result = check_batch(two, MAPPING, refs(**change))
    assert problem in result.batch_problem and [r.number for r in result.refused] == ["ER-1", "ER-2"]


def test_control_totals_are_compared_with_what_the_delivery_holds():
    b = batch(control=ControlTotals(debit=Decimal("10.00"), lines=3))
    sums = {"debit": Decimal(10), "credit": Decimal(10), "lines": 2, "entries": 1}
    assert "the trailer says lines 3, the delivery holds 2" in check_batch(b, MAPPING, refs(), sums).batch_problem


def landed(number: str, e: JournalEntry, batch_id: str = "EXP-1", name: str = "MISC/2026/11/0001") -> Landed:
    parsed = parse_anchor(move_ref(batch(batch_id=batch_id), e))
    return Landed(41, name, "2026-11-30", "posted", batch_id, number, parsed[3])


def test_an_entry_in_odoo_with_the_same_content_is_already_posted():
    e = entry()
    result = check_batch(batch(e), MAPPING, refs(landed={"ER-1": landed("ER-1", e)}))
    assert list(result.already) == ["ER-1"] and result.passed == result.refused == []


def test_a_batch_id_posted_with_other_content_is_refused_naming_the_odoo_entry():
    other = entry(line(debit="99"), line("455000", credit="99"))
    result = check_batch(batch(entry()), MAPPING, refs(landed={"ER-1": landed("ER-1", other)}))
    assert "already posted with other content: MISC/2026/11/0001" in result.batch_problem
    assert result.refused[0].field == "batch_id"


def test_deferred_entries_of_a_batch_are_not_a_reused_batch_id():
    """Taken up again, deferred entries come without their posted siblings: that is no reuse of the id."""
    sibling = entry(line(debit="7"), line("455000", credit="7"), number="ER-9")
    result = check_batch(batch(entry()), MAPPING, refs(landed={"ER-9": landed("ER-9", sibling)}), complete=False)
    assert result.batch_problem is None and len(result.passed) == 1


def test_an_entry_repeated_in_the_batch_or_under_another_batch_id_is_refused():
    e, twin = entry(), entry(number="ER-2")
    third = entry(line(debit="3"), line("455000", credit="3"), number="ER-3")
    posted = {"ER-3": landed("ER-3", third, batch_id="EXP-0", name="MISC/2026/11/0007")}
    result = check_batch(batch(e, twin, third), MAPPING, refs(posted={p.hash: p for p in posted.values()}))
    assert [r.reason for r in result.refused] == [
        "repeats entry ER-1 of this batch",
        "repeats MISC/2026/11/0007 (account.move 41, batch EXP-0 entry ER-3), already in Odoo"]
    assert result.passed == [e]


def test_the_anchor_round_trips_and_keeps_the_original_date():
    e = entry(ref="Sales trip")
    text = move_ref(batch(), e, date(2026, 10, 15))
    assert text.startswith("ofm:expenses:EXP-1:ER-1#") and text.endswith(" Sales trip (original date 2026-10-15)")
    assert parse_anchor(text)[:3] == ("expenses", "EXP-1", "ER-1")
    assert parse_anchor("INV/2026/0001") is None


def test_a_batch_id_with_an_anchor_separator_is_refused():
    with pytest.raises(ValueError, match="must not contain"):
        batch(batch_id="EXP:1")


def test_the_bundled_mappings_load(tmp_path: Path):
    from ofm.mappings.ledger import ledger_mappings

    # the sub-ledgers' four, and the month-end close's own deliveries (accruals, recurring entries)
    assert {m.source for m in ledger_mappings()} == {"payroll", "expenses", "sales", "card_settlements", "accruals",
                                                     "recurring"}
