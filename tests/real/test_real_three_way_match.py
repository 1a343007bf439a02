"""three-way-match on a real Odoo 19: orders created by po-sync, received in full by goods-receipt, billed
by the supplier; every case asserts the vendor bill Odoo shows afterwards (state, lines linked to the
order lines, what the order counts as invoiced, the note on a held draft), read back from the server."""

from __future__ import annotations

import pytest
from p2p_real import bill_line, invoice, line, order, real_world, receipt

from ofm.flows.goods_receipt import goods_receipt
from ofm.flows.po_sync import po_sync
from ofm.flows.three_way_match import three_way_match

pytestmark = pytest.mark.usefixtures("prefect_harness")
BILL_TYPES = ["in_invoice", "in_refund"]


@pytest.fixture(scope="module")
def w(real_odoo, tmp_path_factory):
    """Orders PO-1..PO-9 in Odoo; the goods ones received in full except PO-4 (not received yet)."""
    with real_world(real_odoo, tmp_path_factory.mktemp("match")) as w:
        split = (("CC-OPS", "60"), ("CC-ENG", "40"))
        orders = [order("PO-1", line(1, "OFM-CHAIR", "10", "189.00", cost=split), line(2, "OFM-DESK", "5", "420.00")),
                  order("PO-2", line(1, "OFM-MONITOR", "4", "250.00")),
                  order("PO-3", line(1, "OFM-HEADSET", "10", "80.00")),
                  order("PO-4", line(1, "OFM-TONER", "10", "64.50")),
                  order("PO-6", line(1, "OFM-PAPER", "20", "24.00")),
                  order("PO-7", line(1, "OFM-MONITOR", "2", "249.00")),
                  order("PO-8", line(1, "OFM-CLEANING", "1", "950.00", "VAT21S"),
                        line(2, "OFM-IT-SUPPORT", "10", "85.00", "VAT21S"), vendor="V-002")]
        out = po_sync(source=w.export(*orders))
        assert {d["status"] for d in out["orders"].values()} == {"created"}, out["orders"]
        received = goods_receipt(source=w.export(
            receipt("GR-1", "PO-1", (1, "10"), (2, "5")), receipt("GR-2", "PO-2", (1, "4")),
            receipt("GR-3", "PO-3", (1, "10")), receipt("GR-6", "PO-6", (1, "20")), receipt("GR-7", "PO-7", (1, "2"))))
        assert {d["status"] for d in received["receipts"].values()} == {"applied"}, received["receipts"]
        yield w


def run(w, *invoices) -> dict:
    return three_way_match(source=w.export(*invoices), actor="test")


def bills(w, ref: str) -> list[dict]:
    return w.real.read("account.move", [["ref", "=", ref], ["move_type", "in", BILL_TYPES]],
                       ["state", "name", "move_type", "amount_total", "amount_tax", "currency_id", "partner_id",
                        "invoice_line_ids"])


def bill_lines(w, move: dict) -> list[dict]:
    return sorted(w.real.read("account.move.line", [["id", "in", move["invoice_line_ids"]]],
                              ["purchase_line_id", "product_id", "tax_ids", "quantity", "price_unit",
                               "analytic_distribution"]), key=lambda r: r["id"])


def notes(w, move_id: int) -> list[str]:
    return [m["body"] for m in w.real.read("mail.message", [["model", "=", "account.move"], ["res_id", "=", move_id],
                                                            ["message_type", "=", "comment"]], ["body"])]


def test_a_matching_bill_is_posted_and_linked_to_the_order_lines(w):
    lines = [bill_line(1, "PO-1", 1, "OFM-CHAIR", "10", "189.00"), bill_line(2, "PO-1", 2, "OFM-DESK", "5", "420.00")]
    result = run(w, invoice("INV-1", "RE-0101", lines, "PO-1"))
    [move] = bills(w, "RE-0101")
    assert move["state"] == "posted" and move["move_type"] == "in_invoice" and move["name"].startswith("BILL/")
    assert move["amount_total"] == 4827.9 and move["amount_tax"] == 837.9  # 3,990.00 + 21 %, as the supplier billed
    assert result["bills"][0]["odoo_ref"] == move["name"] and result["counts"]["posted"] == 1
    po = w.order("PO-1")
    got = [(r["purchase_line_id"][0], r["quantity"], r["price_unit"], r["tax_ids"], r["analytic_distribution"])
           for r in bill_lines(w, move)]
    assert got == [(ln["id"], ln["product_qty"], ln["price_unit"], ln["tax_ids"], ln["analytic_distribution"])
                   for ln in po["lines"]]
    assert [ln["qty_invoiced"] for ln in po["lines"]] == [10.0, 5.0]
    assert move["id"] in po["invoice_ids"]


def test_a_services_order_is_billed_on_ordered_quantities_without_receipt(w):
    lines = [bill_line(1, "PO-8", 1, "OFM-CLEANING", "1", "950.00", "VAT21S"),
             bill_line(2, "PO-8", 2, "OFM-IT-SUPPORT", "10", "85.00", "VAT21S")]
    run(w, invoice("INV-12", "RE-0112", lines, "PO-8", vendor="V-002"))
    [move] = bills(w, "RE-0112")
    assert move["state"] == "posted" and [ln["qty_invoiced"] for ln in w.order("PO-8")["lines"]] == [1.0, 10.0]


def test_price_within_tolerance_is_posted_above_it_held_as_a_draft_with_a_note(w):
    result = run(w, invoice("INV-2", "RE-0102", [bill_line(1, "PO-2", 1, "OFM-MONITOR", "4", "270.00")], "PO-2"),
                 invoice("INV-3", "RE-0103", [bill_line(1, "PO-3", 1, "OFM-HEADSET", "10", "80.80")], "PO-3"))
    [held] = bills(w, "RE-0102")
    assert held["state"] == "draft"
    [note] = notes(w, held["id"])
    assert "[price] line 1 unit price 270.00 EUR is 8" in note and "accounts-payable" in note
    [held_line] = bill_lines(w, held)
    assert held_line["purchase_line_id"][0] == w.order("PO-2")["lines"][0]["id"] and held_line["price_unit"] == 270.0
    [posted] = bills(w, "RE-0103")
    assert posted["state"] == "posted" and notes(w, posted["id"]) == []
    assert {e["record"]: e["codes"] for e in result["exceptions"]} == {"procurement:INV-2": ["price", "total"]}


def test_a_bill_ahead_of_its_receipt_is_held_and_posted_once_the_goods_are_in(w):
    early = invoice("INV-4", "RE-0104", [bill_line(1, "PO-4", 1, "OFM-TONER", "10", "64.50")], "PO-4")
    result = run(w, early)
    [exc] = result["exceptions"]
    assert exc["codes"] == ["quantity"] and exc["owner"] == "procurement"
    assert "only 0 can be billed" in exc["reasons"][0]
    [move] = bills(w, "RE-0104")
    assert move["state"] == "draft" and notes(w, move["id"])
    goods_receipt(source=w.export(receipt("GR-4", "PO-4", (1, "10"))))
    assert w.order("PO-4")["lines"][0]["qty_received"] == 10.0
    again = run(w, early)
    assert again["counts"]["posted"] == 1, again["exceptions"]
    [same] = bills(w, "RE-0104")
    assert same["id"] == move["id"] and same["state"] == "posted", "its draft is posted, no second bill"


def test_no_order_other_currency_and_other_tax_are_held_as_drafts_with_a_note(w):
    result = run(w, invoice("INV-7", "RE-0107", [bill_line(1, None, None, "OFM-TONER", "2", "64.50"),
                                                  bill_line(2, None, None, "OFM-PAPER", "5", "24.00")]),
                 invoice("INV-10", "RE-0110", [bill_line(1, "PO-6", 1, "OFM-PAPER", "20", "24.00")], "PO-6",
                         currency="USD"),
                 invoice("INV-11", "RE-0111", [bill_line(1, "PO-7", 1, "OFM-MONITOR", "2", "249.00", "VAT6")],
                         "PO-7"))
    codes = {e["record"]: (e["outcome"], e["codes"][0], e["owner"]) for e in result["exceptions"]}
    assert codes == {"procurement:INV-7": ("held", "no_order", "procurement"),
                     "procurement:INV-10": ("held", "currency", "accounts-payable"),
                     "procurement:INV-11": ("held", "tax", "accounts-payable")}
    moves = {ref: bills(w, ref)[0] for ref in ("RE-0107", "RE-0110", "RE-0111")}
    assert {m["state"] for m in moves.values()} == {"draft"}
    assert all(notes(w, m["id"]) for m in moves.values())
    assert [ln["purchase_line_id"] for ln in bill_lines(w, moves["RE-0107"])] == [False, False]
    assert moves["RE-0110"]["currency_id"][1] == "USD"
    assert bill_lines(w, moves["RE-0111"])[0]["tax_ids"] == [w.tax_of("VAT6")], "the draft shows the tax billed"


def test_duplicates_are_refused_without_a_second_bill_and_a_credit_note_is_matched(w):
    lines = [bill_line(1, "PO-1", 1, "OFM-CHAIR", "10", "189.00"), bill_line(2, "PO-1", 2, "OFM-DESK", "5", "420.00")]
    [first] = bills(w, "RE-0101")
    again = invoice("INV-8", "RE-0101", lines, "PO-1")                          # the same number, new intake id
    same_total = invoice("INV-9", "RE-0109", lines, "PO-1", invoice_date="2026-11-14")  # other number, 2 days later
    credit = invoice("INV-15", "GS-0007", [bill_line(1, "PO-1", 1, "OFM-CHAIR", "-1", "189.00")], "PO-1",
                     invoice_date="2026-11-14", credit_note=True)
    result = run(w, again, same_total, credit)
    # a duplicate of a bill already posted also bills more than is left: the duplicate decides
    codes = {e["record"]: [c for c in e["codes"] if c.startswith("duplicate")] for e in result["exceptions"]}
    assert codes == {"procurement:INV-8": ["duplicate_number"], "procurement:INV-9": ["duplicate_amount"]}, \
        result["exceptions"]
    assert all(e["outcome"] == "rejected" and first["name"] in e["reasons"][0] for e in result["exceptions"])
    assert [b["id"] for b in bills(w, "RE-0101")] == [first["id"]] and bills(w, "RE-0109") == []
    [refund] = bills(w, "GS-0007")
    assert refund["state"] == "posted" and refund["move_type"] == "in_refund" and refund["amount_total"] == 228.69
    chairs = w.order("PO-1")["lines"][0]
    assert bill_lines(w, refund)[0]["purchase_line_id"][0] == chairs["id"] and chairs["qty_invoiced"] == 9.0


def test_reading_every_bill_again_writes_nothing_in_odoo(w):
    everything = [invoice("INV-1", "RE-0101", [bill_line(1, "PO-1", 1, "OFM-CHAIR", "10", "189.00"),
                                               bill_line(2, "PO-1", 2, "OFM-DESK", "5", "420.00")], "PO-1"),
                  invoice("INV-3", "RE-0103", [bill_line(1, "PO-3", 1, "OFM-HEADSET", "10", "80.80")], "PO-3"),
                  invoice("INV-2", "RE-0102", [bill_line(1, "PO-2", 1, "OFM-MONITOR", "4", "270.00")], "PO-2")]
    before, writes = w.last_writes(), w.odoo.stats.writes
    result = run(w, *everything)
    assert result["odoo_writes"] == 0 and w.odoo.stats.writes == writes
    assert w.last_writes() == before
    assert len(w.real.read("account.move", [["ref", "in", ["RE-0101", "RE-0102", "RE-0103"]]], ["id"])) == 3


def test_a_bill_of_another_company_carries_that_companys_tax(w, tmp_path):
    # every Belgian company gets its own "21% G" (18: "21% M"): the bill of the second company must take that one
    be = w.real.read("res.country", [["code", "=", "BE"]], ["id"])[0]["id"]
    [other] = w.odoo.create("res.company", [{"name": "Other Company", "country_id": be}])
    policy = tmp_path / "p2p.yaml"
    entities = "  ACME-BE: {company: My Company}"
    policy.write_text(w.policy.read_text().replace(entities, entities + "\n  ACME-BE2: {company: Other Company}"))
    doc = invoice("INV-20", "RE-0120", [bill_line(1, None, None, "OFM-PAPER", "5", "24.00")])
    w.settings.p2p_policy = policy
    try:
        result = run(w, {**doc, "legal_entity": "ACME-BE2"})
    finally:
        w.settings.p2p_policy = w.policy
    assert [e["codes"] for e in result["exceptions"]] == [["no_order"]], result["exceptions"]
    [move] = w.real.read("account.move", [["ref", "=", "RE-0120"]], ["state", "company_id", "invoice_line_ids"])
    assert move["state"] == "draft" and move["company_id"][0] == other
    [tax] = bill_lines(w, move)[0]["tax_ids"]
    assert w.real.read("account.tax", [["id", "=", tax]], ["name", "company_id"])[0]["company_id"][0] == other
