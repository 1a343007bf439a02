"""The close checklist's judgement: each fact's status, the verdict and its reasons, the binder's files."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from ofm.rules.close.checklist import CloseFacts, DraftBill, OpenStatementLines, Status, checklist

CLEAN = CloseFacts(company="My Company", period="2026-11", period_start=date(2026, 11, 1),
                   period_end=date(2026, 11, 30), today=date(2026, 12, 2),
                   lock_dates={"fiscalyear_lock_date": date(2026, 10, 31), "hard_lock_date": None},
                   movement={"600000": (D("100.00"), D(0)), "444000": (D(0), D("100.00"))},
                   posted_by_source={"payroll": 3, "accruals": 1}, accrued=D("100.00"), accruals_reversed=True)


def status(facts: CloseFacts, key: str) -> Status:
    return next(i.status for i in checklist(facts).items if i.key == key)


def test_a_clean_period_is_ready_to_lock() -> None:
    out = checklist(CLEAN)
    assert out.ready and out.verdict == "ready to lock 2026-11" and out.reasons == []
    assert {i.key: i.status for i in out.items}["batches posted"] == Status.OK
    assert "accruals 1, payroll 3" in out.items[0].summary


@pytest.mark.parametrize(("change", "key", "expected", "reason"), [
    ({"accrued": None}, "accruals", Status.BLOCKING, "not accrued"),
    ({"accruals_reversed": False}, "accrual reversal", Status.BLOCKING, "not reversed on 2026-11-01"),
    ({"movement": {"600000": (D("100.00"), D(0))}}, "trial balance movement", Status.BLOCKING, "≠"),
    ({"open_statement_lines": (OpenStatementLines("Bank", 2, D("-12.50"), date(2026, 11, 3)),)},
     "unreconciled bank lines", Status.BLOCKING, "Bank: 2 lines, -12.50"),
    ({"draft_bills": (DraftBill("draft 7", "Acme", D("121.00"), "EUR", date(2026, 11, 20), date(2026, 11, 21)),)},
     "draft vendor bills", Status.BLOCKING, "1 dated in the period"),
    ({"draft_bills": (DraftBill("draft 8", "Acme", D("50.00"), "EUR", None, date(2026, 9, 1)),)},
     "draft vendor bills", Status.ATTENTION, "1 older than 30 days"),
    ({"deferred": 4}, "deferred entries", Status.ATTENTION, "4 entries wait"),
    ({"quarantine": {"accounting": 2, "procurement": 1}}, "quarantine", Status.ATTENTION,
     "accounting 2, procurement 1"),
])
def test_each_fact_is_judged(change, key, expected, reason) -> None:
    facts = replace(CLEAN, **change)
    out = checklist(facts)
    item = next(i for i in out.items if i.key == key)
    assert item.status == expected and reason in item.summary, item
    assert out.ready == (expected != Status.BLOCKING)
    if expected == Status.BLOCKING:
        assert out.verdict.startswith("not ready to lock 2026-11: ") and item.summary in out.reasons


def test_the_binder_files_carry_every_item_and_the_verdict() -> None:
    out = checklist(replace(CLEAN, accrued=None,
                            draft_bills=(DraftBill("BILL/2026/11/0001", "Acme", D("10"), "EUR", None,
                                                   date(2026, 11, 1)),)))
    md = out.markdown()
    assert "**Verdict: not ready to lock 2026-11: goods received not invoiced not accrued" in md
    assert "| 600000 | 100.00 | 0.00 |" in md and "| BILL/2026/11/0001 | Acme | 10.00 EUR | 31 |" in md
    rows = list(csv.DictReader(io.StringIO(out.csv())))
    assert [r["item"] for r in rows] == [i.key for i in out.items] + ["verdict"]
    assert rows[-1]["status"] == "blocking" and rows[-1]["summary"] == out.verdict
