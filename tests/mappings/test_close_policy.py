"""The month-end close policy and the accruals mapping it posts through."""

from __future__ import annotations

import pytest

from ofm.mappings.close_policy import BUNDLED, ClosePolicyError, load_close_policy
from ofm.mappings.ledger import BUNDLED_DIR, load_ledger_mapping
from ofm.tasks.close.run import bounds, previous


def test_the_bundled_policy_and_accruals_mapping_are_valid() -> None:
    policy = load_close_policy(BUNDLED)
    assert policy.accruals.account == "444000" and policy.checklist.stale_draft_days == 30
    m = load_ledger_mapping(BUNDLED_DIR / "accruals.yaml")
    assert (m.source, m.reversal.value, m.locked_period.value) == ("accruals", "next_period", "refuse")
    assert "CC-OPS" in m.analytic and m.analytic["CC-OPS"] == "CC-OPS", "analytic: odoo names Odoo's own codes"


@pytest.mark.parametrize(("text", "message"), [
    ("accruals: {account: ''}", "accruals.account"),
    ("accruals: {account: '444000', typo: 1}", "accruals.typo"),
    ("checklist: {stale_draft_days: 3}", "accruals"),
])
def test_a_wrong_policy_names_the_key(tmp_path, text, message) -> None:
    path = tmp_path / "close.yaml"
    path.write_text(text)
    with pytest.raises(ClosePolicyError, match=message):
        load_close_policy(path)


@pytest.mark.parametrize(("period", "first", "last", "before"), [
    ("2026-11", "2026-11-01", "2026-11-30", "2026-10"), ("2026-01", "2026-01-01", "2026-01-31", "2025-12"),
    ("2028-02", "2028-02-01", "2028-02-29", "2028-01")])
def test_periods(period, first, last, before) -> None:
    assert tuple(str(d) for d in bounds(period)) == (first, last) and previous(period) == before


def test_a_wrong_period_is_named() -> None:
    with pytest.raises(ValueError, match="period '2026-13': expected YYYY-MM"):
        bounds("2026-13")


def test_the_bundled_recurring_entries_of_a_period() -> None:
    from decimal import Decimal as D

    from ofm.mappings.close_policy import load_recurring
    from ofm.rules.close.recurring import recurring_entries

    prepaid, schedule = load_recurring()
    nov = {e.number: (e.debit_account, e.credit_account, e.amount) for e in
           recurring_entries(prepaid, schedule, "2026-11", "ACME-BE")}
    assert nov == {"prepaid-office-insurance-2026": ("610000", "490000", D("200.00")),
                   "prepaid-software-licences-2026": ("610000", "490000", D("142.86")),
                   "dep-LAPTOPS-2026-06": ("630200", "240009", D("83.33")),
                   "dep-OFFICE-FURNITURE-2025": ("630200", "240009", D("125.00"))}
    licences = next(p for p in prepaid if p.id == "software-licences-2026")
    parts = [licences.part(f"2026-{m:02d}") for m in range(6, 13)]
    assert sum(parts) == D("1000.00") and parts[-1] == D("142.84"), "the last part takes the rounding"
    assert licences.part("2026-05") is None and licences.part("2027-01") is None
    assert recurring_entries(prepaid, schedule, "2026-11", "OTHER") == []


@pytest.mark.parametrize(("text", "csv_text", "message"), [
    ("prepaid: [{id: a, legal_entity: X, description: d, amount: '-1', currency: EUR, first_period: '2026-01', "
     "periods: 2, expense_account: '1', prepaid_account: '2'}]", None, "prepaid.0.amount"),
    ("depreciation_schedule: dep.csv", "asset,legal_entity,period,amount\nA,X,2026-01,1\n", "missing column"),
    ("depreciation_schedule: dep.csv",
     "asset,legal_entity,period,amount,expense_account,accumulated_account\nA,X,2026-13,1,6,2\n", "row 2"),
])
def test_a_wrong_recurring_file_names_what_is_wrong(tmp_path, text, csv_text, message) -> None:
    from ofm.mappings.close_policy import load_recurring

    (tmp_path / "recurring.yaml").write_text(text)
    if csv_text:
        (tmp_path / "dep.csv").write_text(csv_text)
    with pytest.raises(ClosePolicyError, match=message):
        load_recurring(tmp_path / "recurring.yaml")
