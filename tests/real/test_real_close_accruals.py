"""Goods received not invoiced, computed from what a real Odoo shows: orders created by po-sync, received by
goods-receipt, partly billed by three-way-match; the accrual's amounts, accounts, distributions and rates
are checked against the numbers the story put in and the accounts Odoo holds for the products."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from p2p_real import bill_line, invoice, line, order, real_world, receipt

from ofm.flows.goods_receipt import goods_receipt
from ofm.flows.po_sync import po_sync
from ofm.flows.three_way_match import three_way_match
from ofm.rules.close import goods_received_not_invoiced
from ofm.tasks.close.odoo import currencies_and_rates, read_received_lines

pytestmark = pytest.mark.usefixtures("prefect_harness")
PERIOD_END = date(2026, 11, 30)


@pytest.fixture(scope="module")
def w(real_odoo, tmp_path_factory):
    with real_world(real_odoo, tmp_path_factory.mktemp("accruals")) as w:
        usd = w.real.read("res.currency", [["name", "=", "USD"]], ["id"])[0]["id"]
        w.odoo.create("res.currency.rate", [{"currency_id": usd, "name": "2026-10-01", "rate": 1.1},
                                            {"currency_id": usd, "name": "2026-12-01", "rate": 1.25}])
        split = (("CC-OPS", "60"), ("CC-ENG", "40"))
        out = po_sync(source=w.export(
            order("PO-A1", line(1, "OFM-CHAIR", "10", "189.00", cost=split), line(2, "OFM-DESK", "5", "420.00")),
            order("PO-A2", line(1, "OFM-SCREWS", "2.5", "12.80", "VAT6", uom="KGM")),
            order("PO-A3", line(1, "OFM-CLEANING", "1", "950.00", "VAT21S")),
            order("PO-A4", line(1, "OFM-MONITOR", "4", "250.00"), currency="USD", vendor="V-002"),
            order("PO-A5", line(1, "OFM-TONER", "10", "64.50"))))
        assert {d["status"] for d in out["orders"].values()} == {"created"}, out["orders"]
        received = goods_receipt(source=w.export(
            receipt("GR-A1", "PO-A1", (1, "10"), (2, "5")), receipt("GR-A2", "PO-A2", (1, "2.5"), uom="KGM"),
            receipt("GR-A4", "PO-A4", (1, "4")), receipt("GR-A5", "PO-A5", (1, "6"))))
        assert {d["status"] for d in received["receipts"].values()} == {"applied"}, received["receipts"]
        billed = three_way_match(source=w.export(
            invoice("INV-A1", "RE-A1", [bill_line(1, "PO-A1", 1, "OFM-CHAIR", "10", "189.00")], "PO-A1"),
            invoice("INV-A5", "RE-A5", [bill_line(1, "PO-A5", 1, "OFM-TONER", "2", "64.50")], "PO-A5")),
            actor="test")
        assert billed["counts"]["posted"] == 2, billed
        yield w


def billed_account(w, ref: str) -> str:
    """The account Odoo itself booked a bill's product line on (the catalogue's products share one)."""
    [move] = w.real.read("account.move", [["ref", "=", ref]], ["invoice_line_ids"])
    [bill_line] = w.real.read("account.move.line", [["id", "in", move["invoice_line_ids"]],
                                                    ["display_type", "=", "product"]], ["account_id"])
    return bill_line["account_id"][1].split(" ", 1)[0]


def test_what_was_received_and_not_billed_accrues_at_the_order_price_on_the_products_expense_account(w):
    lines = read_received_lines(w.odoo)
    home, rates = currencies_and_rates(w.odoo, lines, PERIOD_END)
    out = goods_received_not_invoiced(lines, home, rates)
    assert not out.refused
    orders = {o: w.order(o) for o in ("PO-A1", "PO-A2", "PO-A4", "PO-A5")}
    by_line = {ln: a for a in out.lines for ln in a.order_lines}
    desk, screws = orders["PO-A1"]["lines"][1], orders["PO-A2"]["lines"][0]
    monitors, toner = orders["PO-A4"]["lines"][0], orders["PO-A5"]["lines"][0]
    chairs = orders["PO-A1"]["lines"][0]
    assert chairs["id"] not in by_line, "billed as received: nothing accrues"
    assert (desk["qty_received"], desk["qty_invoiced"], toner["qty_received"], toner["qty_invoiced"]) == (5, 0, 6, 2)
    company = w.real.read("res.company", [["name", "=", "My Company"]], ["id"])[0]["id"]
    expected = {desk["id"]: D("2100.00"), screws["id"]: D("32.00"), toner["id"]: D("258.00"),
                monitors["id"]: (D("1000.00") / D("1.1")).quantize(D("0.01"))}  # USD at the 2026-10-01 rate
    for line_id, amount in expected.items():
        accrual = by_line[line_id]
        assert accrual.company_id == company
        if len(accrual.order_lines) == 1:
            assert accrual.amount == amount, (line_id, accrual)
    assert out.total(company) == sum(expected.values())
    assert rates == {(company, "USD"): D("1.1")} and home[company] == "EUR"
    for ln in (desk, screws, monitors, toner):  # each sum keeps the distribution Odoo holds for its lines
        assert by_line[ln["id"]].analytic == tuple(sorted((k, D(str(v)))
                                                          for k, v in ln["analytic_distribution"].items()))
        assert ln["analytic_distribution"]
    assert {a.account_code for a in out.lines} == {billed_account(w, "RE-A1")} == {billed_account(w, "RE-A5")}


def test_a_bill_for_the_rest_ends_the_accrual(w):
    three_way_match(source=w.export(invoice("INV-A6", "RE-A6", [bill_line(1, "PO-A5", 1, "OFM-TONER", "4", "64.50")],
                                            "PO-A5")), actor="test")
    toner = w.order("PO-A5")["lines"][0]
    assert (toner["qty_received"], toner["qty_invoiced"]) == (6, 6)
    lines = read_received_lines(w.odoo)
    out = goods_received_not_invoiced(lines, *currencies_and_rates(w.odoo, lines, PERIOD_END))
    assert toner["id"] not in {ln for a in out.lines for ln in a.order_lines}


def test_the_checklist_reads_what_odoo_shows_of_the_period(w):
    from ofm.rules.close.checklist import CloseFacts, Status, checklist
    from ofm.tasks.close.odoo import read_close_facts

    company = w.real.read("res.company", [["name", "=", "My Company"]], ["id"])[0]["id"]
    [draft] = w.odoo.create("account.move", [{"move_type": "in_invoice", "partner_id": w.suppliers["V-001"],
                                              "invoice_date": "2026-11-20", "ref": "RE-DRAFT",
                                              "invoice_line_ids": [[0, 0, {"name": "Unbilled consulting",
                                                                           "quantity": 1, "price_unit": 300.0}]]}])
    [journal] = w.real.read("account.journal", [["code", "=", "BNK1"]], ["id", "name"])
    w.odoo.create("account.bank.statement.line", [{"journal_id": journal["id"], "date": "2026-11-25",
                                                   "amount": -42.5, "payment_ref": "unknown card payment"}])
    w.odoo.write("res.company", [company], {"fiscalyear_lock_date": "2026-10-31"})
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    facts = read_close_facts(w.odoo, company, start, end)

    [bill] = facts["draft_bills"]
    [amount] = [m["amount_total"] for m in w.real.read("account.move", [["id", "=", draft]], ["amount_total"])]
    assert (bill.partner, bill.amount, bill.invoice_date, bill.currency) == \
        ("Bureau Plus SA", D(str(amount)), date(2026, 11, 20), "EUR") and "RE-DRAFT" in bill.name
    [open_lines] = facts["open_statement_lines"]
    assert (open_lines.journal, open_lines.count, open_lines.amount) == (journal["name"], 1, D("-42.50"))
    assert facts["lock_dates"]["fiscalyear_lock_date"] == date(2026, 10, 31)
    posted = w.real.read("account.move", [["ref", "in", ["RE-A1", "RE-A5", "RE-A6"]]], ["amount_total", "state"])
    assert {m["state"] for m in posted} == {"posted"}
    debit = sum(d for d, _ in facts["movement"].values())
    # the posted bills, and the statement line: Odoo posts its move at once (bank against suspense)
    assert debit == sum(c for _, c in facts["movement"].values()) == \
        sum(D(str(m["amount_total"])) for m in posted) + D("42.50")

    out = checklist(CloseFacts(period="2026-11", period_start=start, period_end=end, today=date(2026, 12, 2),
                               accrued=D("1"), **facts))
    statuses = {i.key: i.status for i in out.items}
    assert statuses["draft vendor bills"] == statuses["unreconciled bank lines"] == Status.BLOCKING
    assert statuses["trial balance movement"] == Status.OK and not out.ready


def test_an_entry_is_reversed_by_odoos_wizard_on_the_date_asked_once(w):
    from ofm.tasks.close.odoo import reverse_entries

    [misc] = w.real.read("account.journal", [["type", "=", "general"]], ["id"], limit=1)
    accounts = {a["code"]: a["id"] for a in w.real.read("account.account", [["code", "in", ["600000", "444000"]]],
                                                        ["code"])}
    [entry] = w.odoo.create("account.move", [{"move_type": "entry", "journal_id": misc["id"], "date": "2026-11-30",
                                              "ref": "GRNI 2026-11", "line_ids": [
        [0, 0, {"account_id": accounts["600000"], "debit": 2100.0, "credit": 0.0, "name": "accrual"}],
        [0, 0, {"account_id": accounts["444000"], "debit": 0.0, "credit": 2100.0, "name": "accrual"}]]}])
    w.odoo.call("account.move", "action_post", ids=[entry])
    first = reverse_entries(w.odoo, [entry], date(2026, 12, 1), "GRNI 2026-11 reversed")
    assert reverse_entries(w.odoo, [entry], date(2026, 12, 1), "again") == first, "a re-run reverses nothing twice"
    [reversal] = w.real.read("account.move", [["reversed_entry_id", "=", entry]],
                             ["id", "date", "state", "ref", "line_ids"])
    assert first == {entry: reversal["id"]}
    assert reversal["date"] == "2026-12-01" and reversal["state"] == "posted"   # before Odoo's today: posted at once
    assert "GRNI 2026-11 reversed" in reversal["ref"]
    lines = w.real.read("account.move.line", [["move_id", "=", reversal["id"]]], ["account_id", "debit", "credit"])
    assert sorted((ln["account_id"][1].split(" ")[0], ln["debit"], ln["credit"]) for ln in lines) == \
        [("444000", 2100.0, 0.0), ("600000", 0.0, 2100.0)]
