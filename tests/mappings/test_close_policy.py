"""The month-end close policy and the accruals mapping it posts through."""

from __future__ import annotations

import pytest

from ofm.mappings.close_policy import BUNDLED, ClosePolicyError, load_close_policy
from ofm.mappings.ledger import BUNDLED_DIR, load_ledger_mapping
from ofm.tasks.close_run import bounds, previous


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
