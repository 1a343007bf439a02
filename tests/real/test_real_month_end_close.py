"""The month-end close on a real Odoo: accrual posted once, reversed on the next period's first day, the
checklist and its binder files, the lock only when the checklist is clean. Every assertion reads Odoo back.

One story in file order on one database: a desk order received and not billed; October closed (accrual
posted), closed again (nothing new); two of the five desks billed; November closed (October's accrual
reversed on 1 November, November's accrual for the three desks still unbilled); a draft bill dated in
November stops `--lock`; once it is posted, the lock is set and read back.
"""

from __future__ import annotations

import csv
from decimal import Decimal as D
from pathlib import Path

import pytest
from p2p_real import bill_line, invoice, line, order, real_world, receipt

from ofm.flows.goods_receipt import goods_receipt
from ofm.flows.month_end_close import month_end_close
from ofm.flows.po_sync import po_sync
from ofm.flows.three_way_match import three_way_match

pytestmark = pytest.mark.usefixtures("prefect_harness")
PREFIX = "ofm:accruals:grni-"


@pytest.fixture(scope="module")
def w(real_odoo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("close")
    with real_world(real_odoo, tmp, close_dir=tmp / "close") as w:
        out = po_sync(source=w.export(order("PO-M1", line(1, "OFM-DESK", "5", "420.00"))))
        assert out["orders"]["PO-M1"]["status"] == "created", out
        got = goods_receipt(source=w.export(receipt("GR-M1", "PO-M1", (1, "5"))))
        assert got["receipts"]["GR-M1"]["status"] == "applied", got
        yield w


def accruals(w) -> list[dict]:
    return w.real.read("account.move", [["ref", "=like", PREFIX + "%"]], ["ref", "date", "state", "name"],
                       order="id")


def lines_of(w, move_id: int) -> list[tuple[str, float, float]]:
    rows = w.real.read("account.move.line", [["move_id", "=", move_id]], ["account_id", "debit", "credit"])
    return sorted((r["account_id"][1].split(" ", 1)[0], r["debit"], r["credit"]) for r in rows)


def test_october_is_closed_with_the_accrual_of_what_was_received_and_not_billed(w):
    result = month_end_close(period="2026-10", actor="real-test")
    [october] = accruals(w)
    assert october["ref"].startswith(PREFIX + "2026-10-ACME-BE:1#")
    assert (october["date"], october["state"]) == ("2026-10-31", "posted")
    expense = w.real.read("account.move.line", [["move_id", "=", october["id"]], ["debit", ">", 0]], ["account_id"])
    assert lines_of(w, october["id"]) == sorted([(expense[0]["account_id"][1].split(" ", 1)[0], 2100.0, 0.0),
                                                 ("444000", 0.0, 2100.0)])
    r = result["entities"]["ACME-BE"]
    assert r["accrual"]["posted"] == "2100.00" and r["accrual"]["order_lines"] == 1
    assert r["reversed_previous"] is None
    md, csv_path = (Path(p) for p in r["binder"])
    assert "goods received not invoiced accrued: 2,100.00" in md.read_text()
    rows = {row["item"]: row for row in csv.DictReader(csv_path.open())}
    assert rows["accruals"]["status"] == "ok" and rows["verdict"]["summary"] == r["verdict"]
    assert rows["recurring entries"]["summary"].startswith("4 of 4 due posted")


def test_octobers_recurring_entries_are_posted_from_the_declared_schedules(w):
    moves = w.real.read("account.move", [["ref", "=like", "ofm:recurring:recurring-2026-10-ACME-BE:%"]],
                        ["ref", "date", "state", "id"], order="id")
    got = {}
    for m in moves:
        assert (m["date"], m["state"]) == ("2026-10-31", "posted")
        number = m["ref"].split(":")[3].split("#")[0]
        got[number] = lines_of(w, m["id"])
    assert got == {"prepaid-office-insurance-2026": [("490000", 0.0, 200.0), ("610000", 200.0, 0.0)],
                   "prepaid-software-licences-2026": [("490000", 0.0, 142.86), ("610000", 142.86, 0.0)],
                   "dep-LAPTOPS-2026-06": [("240009", 0.0, 83.33), ("630200", 83.33, 0.0)],
                   "dep-OFFICE-FURNITURE-2025": [("240009", 0.0, 125.0), ("630200", 125.0, 0.0)]}


def test_closing_october_again_posts_nothing(w):
    before = accruals(w)
    recurring = w.real.read("account.move", [["ref", "=like", "ofm:recurring:%"]], ["id"])
    writes = w.odoo.stats.writes
    result = month_end_close(period="2026-10", actor="real-test")
    assert accruals(w) == before and w.odoo.stats.writes == writes
    assert w.real.read("account.move", [["ref", "=like", "ofm:recurring:%"]], ["id"]) == recurring
    a = result["entities"]["ACME-BE"]["accrual"]
    assert a["written"] is None and a["posted"] == "2100.00" and not a["differs"]


def test_november_reverses_octobers_accrual_on_the_first_and_accrues_what_is_still_unbilled(w):
    billed = three_way_match(source=w.export(invoice("INV-M1", "RE-M1", [bill_line(1, "PO-M1", 1, "OFM-DESK", "2",
                                                                                   "420.00")], "PO-M1",
                                                     invoice_date="2026-11-10")), actor="real-test")
    assert billed["counts"]["posted"] == 1, billed
    result = month_end_close(period="2026-11", actor="real-test")
    october, november = accruals(w)
    [reversal] = w.real.read("account.move", [["reversed_entry_id", "=", october["id"]]], ["date", "state"])
    assert (reversal["date"], reversal["state"]) == ("2026-11-01", "posted")
    assert (november["date"], november["state"]) == ("2026-11-30", "posted")
    assert [c for _, _, c in lines_of(w, november["id"]) if c] == [1260.0]    # 3 desks still unbilled at 420.00
    r = result["entities"]["ACME-BE"]
    assert r["reversed_previous"] is True and r["accrual"]["posted"] == "1260.00"
    again = month_end_close(period="2026-11", actor="real-test")   # nothing reversed or accrued twice
    assert len(accruals(w)) == 2
    assert len(w.real.read("account.move", [["reversed_entry_id", "=", october["id"]]], ["id"])) == 1
    assert again["entities"]["ACME-BE"]["reversed_previous"] is True


def test_the_lock_waits_for_a_clean_checklist_and_is_read_back(w):
    [draft] = w.odoo.create("account.move", [{"move_type": "in_invoice", "partner_id": w.suppliers["V-001"],
                                              "invoice_date": "2026-11-20", "ref": "RE-M-DRAFT",
                                              "invoice_line_ids": [[0, 0, {"name": "Consulting", "quantity": 1,
                                                                           "price_unit": 100.0}]]}])
    result = month_end_close(period="2026-11", lock=True, actor="real-test")
    r = result["entities"]["ACME-BE"]
    assert not r["ready"] and r["lock"].startswith("not locked: ") and "dated in the period" in r["lock"]
    [company] = w.real.read("res.company", [["name", "=", "My Company"]], ["fiscalyear_lock_date"])
    assert not company["fiscalyear_lock_date"]
    w.odoo.call("account.move", "action_post", ids=[draft])
    result = month_end_close(period="2026-11", lock=True, actor="real-test")
    r = result["entities"]["ACME-BE"]
    assert r["ready"], r["reasons"]
    assert r["lock"] == "locked up to 2026-11-30"
    [company] = w.real.read("res.company", [["name", "=", "My Company"]], ["fiscalyear_lock_date"])
    assert company["fiscalyear_lock_date"] == "2026-11-30"
    assert D(r["accrual"]["posted"]) == D("1260.00") and len(accruals(w)) == 2


def test_ofm_close_status_prints_the_checklist_odoo_and_the_store_show_now(w):
    import os
    import subprocess
    import sys

    env = {**os.environ, **w.real.env(), "OFM_DATABASE_URL": w.settings.database_url, "OFM_ENVIRONMENT": "sandbox"}
    done = subprocess.run([sys.executable, "-m", "ofm.cli.main", "close", "status", "--period", "2026-11"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# Close checklist: My Company, 2026-11" in done.stdout
    assert "**Verdict: ready to lock 2026-11**" in done.stdout
    assert "| accruals | ok | goods received not invoiced accrued: 1,260.00 |" in done.stdout
    assert "| accrual reversal | ok | last period's accruals reversed on 2026-11-01 |" in done.stdout
    done = subprocess.run([sys.executable, "-m", "ofm.cli.main", "close", "status", "--period", "2026-12", "--csv"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 4, done.stdout + done.stderr      # December: nothing accrued yet
    assert "accruals,blocking,goods received not invoiced not accrued for the period" in done.stdout
    assert w.real.api_key not in done.stdout + done.stderr


def test_ofm_run_month_end_close_with_lock_exits_4_and_locks_nothing_when_the_checklist_is_not_clean(w):
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    w.odoo.create("account.move", [{"move_type": "in_invoice", "partner_id": w.suppliers["V-001"],
                                    "invoice_date": "2026-12-05", "ref": "RE-M-DEC-DRAFT",
                                    "invoice_line_ids": [[0, 0, {"name": "Cleaning", "quantity": 1,
                                                                 "price_unit": 80.0}]]}])
    env = {**os.environ, **w.real.env(), "OFM_DATABASE_URL": w.settings.database_url, "OFM_ENVIRONMENT": "sandbox",
           "OFM_CLOSE_DIR": str(w.settings.close_dir), "PREFECT_API_URL": PREFECT_API_URL.value()}
    done = subprocess.run([sys.executable, "-m", "ofm.cli.main", "run", "month-end-close", "--period", "2026-12",
                           "--lock"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "ACME-BE: accrual posted 1260.00" in done.stdout   # December accrues the three desks still unbilled
    assert "last period's accrual reversed: True" in done.stdout
    assert "lock: not locked: not ready to lock 2026-12: 1 drafts, 1 dated in the period" in done.stdout
    [company] = w.real.read("res.company", [["name", "=", "My Company"]], ["fiscalyear_lock_date"])
    assert company["fiscalyear_lock_date"] == "2026-11-30", "December is not locked"


def test_two_entries_reversed_at_once_are_each_reversed_posted_and_linked(w):
    """Given several journal entries at once, Odoo 19's own wizard leaves their reversals drafts; the middleware
    reverses one entry per wizard and checks each reversal is posted, dated and linked."""
    from datetime import date

    from ofm.tasks.close.odoo import reverse_entries

    client = w.real.client()
    [journal] = client.search_read("account.journal", [["type", "=", "general"]], ["id"], limit=1)
    accounts = {r["code"]: r["id"] for r in client.search_read("account.account", [["code", "in", ["444000",
                                                                                                    "604000"]]],
                                                               ["code"])}
    ids = client.create("account.move", [
        {"move_type": "entry", "journal_id": journal["id"], "date": "2026-11-30", "ref": f"two-at-once-{n}",
         "line_ids": [[0, 0, {"account_id": accounts["604000"], "debit": amount, "credit": 0.0}],
                      [0, 0, {"account_id": accounts["444000"], "debit": 0.0, "credit": amount}]]}
        for n, amount in ((1, 100.0), (2, 250.0))])
    client.call("account.move", "action_post", ids=ids)
    reversed_ = reverse_entries(client, ids, date(2026, 12, 1), "two at once")
    rows = {r["reversed_entry_id"][0]: r for r in w.real.read(
        "account.move", [["reversed_entry_id", "in", ids]], ["reversed_entry_id", "state", "date"])}
    assert sorted(rows) == sorted(ids) and set(reversed_) == set(ids)
    assert {(r["state"], r["date"]) for r in rows.values()} == {("posted", "2026-12-01")}
    assert reverse_entries(client, ids, date(2026, 12, 1), "two at once") == reversed_  # not twice
