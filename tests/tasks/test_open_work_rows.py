"""The open-work rows, pure: what each stored payload shows, ages, suggestions by name, thresholds, the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ofm.canonical import BankEntry, Money
from ofm.settings import SettingsError, load_settings
from ofm.tasks.open_work.rows import (
    COLUMNS,
    Facts,
    OpenRow,
    age_text,
    decimal,
    facts_of,
    hours_since,
    odoo_url,
    suggestions_of,
    unnamed_lines,
)
from ofm.tasks.open_work.view import Backlog, OpenWork, one_line, summary_markdown, team_key, threshold_for

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

BANK = {"account": "DE89370400440532013000", "file": "day1.camt053.xml@c3d67425c3ae",
        "entry": BankEntry(booking_date=date(2026, 11, 3), value_date=date(2026, 11, 4),
                           amount=Money(amount="-250.00", currency="EUR"), bank_reference="BANK-20261103-0010",
                           counterparty_name="Customer 1 GmbH", counterparty_iban="NL91ABNA0417164300",
                           creditor_reference="RF18539007547034", end_to_end_id="NOTPROVIDED",
                           remittance="Monthly fee").model_dump(mode="json"),
        "suggestions": [{"odoo_lines": [24], "documents": ["INV/2026/00012"], "score": 1.0, "why": "equally good"},
                        {"odoo_lines": [25, 26], "documents": ["INV/2026/00013", None], "score": 0.5, "why": "pair"}],
        "statement_line": 9, "statement_move": 19}
BILL = {"id": "INV-000002", "invoice_number": "RE-2026-0102", "supplier": {"id": "SUP-000002", "name": "Talleres"},
        "order_id": "PO-2026-0001", "invoice_date": "2026-11-02", "currency": "EUR", "total": "1285.20"}
ORDER = {"id": "PO-2026-0012", "revision": 2, "supplier": {"vendor_code": "V-00013", "name": "Salzach GmbH"},
         "currency": "EUR", "order_date": "2026-10-28",
         "lines": [{"quantity": "6", "unit_price": "64.50"}, {"quantity": "2", "unit_price": "10.00"}]}
PAYROLL = {"batch": "PAY-2026-11", "file": "payroll-2026-11.csv",
           "rows": [{"date": "2026-11-30", "debit": "4370,00", "credit": ""},
                    {"date": "2026-11-30", "debit": "1092,50", "credit": ""},
                    {"date": "2026-11-30", "debit": "", "credit": "5462,50"}]}
DEFERRED = {"batch": {"source": "payroll", "batch_id": "PAY-2026-10", "currency": "EUR"},
            "entry": {"number": "1", "accounting_date": "2026-10-15", "ref": "PAY-2026-10-RUN-1",
                      "lines": [{"debit": "3959.00", "credit": "0", "currency": "EUR"},
                                {"debit": "0", "credit": "3959.00", "currency": "EUR"}]}}
EXPENSE = {"batch": "EXP-2026-11-30", "file": "expenses-2026-11-30.json",
           "entry": {"report": "ER-4", "approved_on": "2026-11-30", "title": "Parking",
                     "lines": [{"debit": "12.00"}, {"credit": "12.00"}]}}


@pytest.mark.parametrize(("object_type", "payload", "expected"), [
    ("bank-entry", BANK, Facts("Customer 1 GmbH, NL91ABNA0417164300",
                               "Monthly fee | RF18539007547034 | bank ref BANK-20261103-0010", "-250.00 EUR",
                               "2026-11-03")),
    ("vendor-bill", BILL, Facts("Talleres", "RE-2026-0102 | PO-2026-0001", "1285.20 EUR", "2026-11-02")),
    ("vendor-bill", {"file": "RE-1.xml", "sha256": "ab", "content": "<Invoice/>"}, Facts(reference="RE-1.xml")),
    ("purchase_order", ORDER, Facts("Salzach GmbH", "PO-2026-0012 revision 2", "407.00 EUR net", "2026-10-28")),
    ("goods_receipt", {"id": "GR-1", "order_id": "PO-1", "received_on": "2026-10-30"},
     Facts(reference="GR-1 | order PO-1", date="2026-10-30")),
    ("supplier", {"id": "SUP-000051", "legal_name": "Friedrich & Fuchs GmbH", "vendor_code": "V-00051",
                  "tax_id": "DE490219848"}, Facts("Friedrich & Fuchs GmbH", "V-00051 | DE490219848 | SUP-000051")),
    ("journal-entry", PAYROLL, Facts(None, "PAY-2026-11 | payroll-2026-11.csv", "5462.50 debit", "2026-11-30")),
    ("journal-entry", EXPENSE, Facts(None, "EXP-2026-11-30 | ER-4 | Parking | expenses-2026-11-30.json",
                                     "12.00 debit", "2026-11-30")),
    ("journal-entry", DEFERRED, Facts(None, "PAY-2026-10 | PAY-2026-10-RUN-1", "3959.00 EUR debit", "2026-10-15")),
    ("statement-file", {"file": "day1.xml", "sha256": "x"}, Facts(reference="day1.xml")),
    ("something-new", {"id": "X-1"}, Facts(reference="X-1")),
    ("vendor-bill", {"supplier": "not a dict", "total": object()}, Facts(counterparty=None, reference=None)),
    ("bank-entry", ["not", "a", "dict"], Facts()),
])
def test_each_stored_payload_shows_its_amount_date_and_references(object_type, payload, expected):
    assert facts_of(object_type, payload) == expected


@pytest.mark.parametrize(("hours", "text"), [(0.0, "0 min"), (0.2, "12 min"), (1.0, "1 h"), (3.7, "3 h"),
                                             (47.9, "47 h"), (48.0, "2 d"), (24 * 9 + 5, "9 d")])
def test_age_reads_in_minutes_hours_then_days(hours, text):
    assert age_text(hours) == text


def test_age_counts_from_a_naive_utc_time_as_sqlite_returns_it():
    assert hours_since(datetime(2026, 12, 5, 12, 0), NOW) == 48.0
    assert hours_since(NOW + timedelta(minutes=5), NOW) == 0.0  # another clock a little ahead


@pytest.mark.parametrize(("text", "value"), [("1287.20", "1287.20"), ("4370,00", "4370.00"),
                                             ("1.234,56", "1234.56"), ("", None), (None, None), ("n/a", None)])
def test_amounts_are_read_as_sources_write_them(text, value):
    assert (None if decimal(text) is None else str(decimal(text))) == value


def test_suggestions_name_their_documents_stored_else_read_else_by_line():
    shown = suggestions_of(BANK, {26: "INV/2026/00014"})
    assert [s.documents for s in shown] == [("INV/2026/00012",), ("INV/2026/00013", "INV/2026/00014")]
    assert shown[0].text() == "INV/2026/00012 (1.00: equally good)"
    legacy = {"suggestions": [{"odoo_lines": [7, 8], "score": 0.3, "why": "exact amount"}]}
    assert unnamed_lines([BANK, legacy]) == [7, 8, 26]
    assert [s.documents for s in suggestions_of(legacy, {7: "BILL/2026/11/0003"})] == [("BILL/2026/11/0003", "line 8")]


def test_a_link_is_odoo_17_plus_url_scheme_and_only_for_a_named_record():
    assert odoo_url("https://erp.example.com/", "account.move", 19) == "https://erp.example.com/odoo/account.move/19"
    assert odoo_url("https://erp.example.com", None, 19) is None
    assert odoo_url("https://erp.example.com", "res.partner", None) is None


def row(qid: int, team: str, category: str, hours: float, **kw) -> OpenRow:
    return OpenRow(qid, team, category, "supplier", f"procurement:SUP-{qid}", f"reason {qid}",
                   NOW - timedelta(hours=hours), hours, **kw)


def test_thresholds_per_team_else_default_and_over_means_more_than():
    thresholds = {"treasury": 2, "default": 3}
    assert threshold_for("treasury", thresholds) == 2 and threshold_for("warehouse", thresholds) == 3
    assert threshold_for("warehouse", {"treasury": 2}) is None
    work = OpenWork([row(1, "treasury", "approval", 50), row(2, "treasury", "approval", 3),
                     row(3, "treasury", "business", 1), row(4, "warehouse", "exception", 2),
                     row(5, "warehouse", "exception", 2), row(6, "warehouse", "exception", 2)], NOW)
    assert work.backlogs(thresholds) == [Backlog("treasury", 3, 2, 50.0), Backlog("warehouse", 3, 3, 2.0)]
    assert [b.over for b in work.backlogs(thresholds)] == [True, False]  # at the threshold is not over it
    assert not Backlog("x", 10**6, None, 1.0).over
    assert one_line(work) == "open work: treasury 3, warehouse 3 (oldest 2 d)"
    markdown = summary_markdown(work, thresholds)
    assert "| treasury | 3 | 2 | 2 d | **yes** |" in markdown and "| warehouse | 3 | 3 | 2 h | no |" in markdown
    assert "| treasury | approval | 2 |" in markdown and "| treasury | business | 1 |" in markdown


def test_an_empty_quarantine_says_no_open_work():
    work = OpenWork([], NOW)
    assert "**No open work**" in summary_markdown(work, {"default": 1}) and work.backlogs({"default": 0}) == []
    assert one_line(work) == "open work: none (no open work)"


def test_a_row_has_every_column_and_the_whole_reason():
    reason = "Odoo bill id 2 held as a draft: " + "[price] line 1 unit price above the order's; " * 20
    cells = OpenRow(7, "accounts-payable", "match", "vendor-bill", "procurement:INV-1", reason, NOW, 3.2,
                    Facts("Talleres", "RE-1", "1.00 EUR", "2026-11-02"), (), "http://odoo/odoo/account.move/2").cells()
    assert tuple(cells) == COLUMNS
    assert cells["reason"] == reason and len(reason) > 900
    assert (cells["age"], cells["amount"], cells["odoo"]) == ("3 h", "1.00 EUR", "http://odoo/odoo/account.move/2")


@pytest.mark.parametrize(("team", "key"), [("treasury", "open-work-treasury"),
                                           ("Accounts Payable", "open-work-accounts-payable"),
                                           ("ap_team/eu", "open-work-ap-team-eu"), ("", "open-work-unowned")])
def test_each_team_has_one_stable_artifact_key(team, key):
    assert team_key(team) == key


def test_thresholds_are_read_from_the_environment_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setenv("OFM_BACKLOG_THRESHOLDS", "treasury=10, vendor-master=25,default=50")
    assert load_settings().backlog_thresholds == {"treasury": 10, "vendor-master": 25, "default": 50}
    for bad in ("treasury", "treasury=ten", "treasury=-1"):
        monkeypatch.setenv("OFM_BACKLOG_THRESHOLDS", bad)
        with pytest.raises(SettingsError, match="OFM_BACKLOG_THRESHOLDS"):
            load_settings()
