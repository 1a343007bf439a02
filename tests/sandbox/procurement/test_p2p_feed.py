"""The P2P story of the procurement sandbox: every case present on its day, with the property
that makes it that case, over suppliers that onboarding creates cleanly on day 1."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from ofm.sandbox.procurement import (
    CASES,
    COST_CENTERS,
    PRODUCTS,
    PRODUCTS_BY_CODE,
    TAX_PERCENT,
    ProcurementPlatform,
    dirty_cases,
)
from ofm.sandbox.procurement.p2p import UNKNOWN_ITEM_CODE, UNKNOWN_TAX_CODE

N = 60
KINDS = ("purchase-orders", "receipts", "invoices")
DAY2_ONLY = {"GR-2026-0006", "GR-2026-0009", "GR-2026-0013",
             "INV-000006", "INV-000008", "INV-000009", "INV-000013", "INV-000014", "INV-000015"}
REVISED_ON_DAY2 = {"PO-2026-0009", "PO-2026-0010", "PO-2026-0011", "PO-2026-0012"}


def snapshot(platform: ProcurementPlatform) -> dict[str, dict[str, dict]]:
    return {kind: {r["id"]: r for r in platform.documents(kind)} for kind in ("suppliers", *KINDS)}


@pytest.fixture(scope="module")
def world():
    platform = ProcurementPlatform(N, 7)
    day1 = snapshot(platform)
    answer = platform.advance()
    return {1: day1, 2: snapshot(platform), "advance": answer}


def one(world, day: int, kind: str, ident: str) -> dict:
    return world[day][kind][ident]


def order(world, case: str, day: int = 1) -> dict:
    return one(world, day, "purchase-orders", CASES[case].orders[0])


def receipt(world, case: str, i: int = 0, day: int = 2) -> dict:
    return one(world, day, "receipts", CASES[case].receipts[i])


def bill(world, case: str, i: int = 0, day: int = 2) -> dict:
    return one(world, day, "invoices", CASES[case].invoices[i])


def d(value: str) -> Decimal:
    return Decimal(value)


def all_ids(kind_attr: str) -> set[str]:
    return {ident for case in CASES.values() for ident in getattr(case, kind_attr)}


# -- presence and days ---------------------------------------------------------------------
@pytest.mark.parametrize("kind, attr", [("purchase-orders", "orders"), ("receipts", "receipts"),
                                        ("invoices", "invoices")])
def test_every_case_document_appears_on_its_day_and_nothing_else(world, kind, attr):
    expected = all_ids(attr)
    assert set(world[2][kind]) == expected
    assert set(world[1][kind]) == expected - DAY2_ONLY


def test_day_two_shows_revision_two_with_a_later_timestamp(world):
    for ident in REVISED_ON_DAY2:
        old, new = world[1]["purchase-orders"][ident], world[2]["purchase-orders"][ident]
        assert (old["revision"], new["revision"]) == (1, 2)
        assert new["updated_at"] > old["updated_at"] and new["updated_at"].startswith("2026-11-02T")
    unchanged = set(world[1]["purchase-orders"]) - REVISED_ON_DAY2
    assert all(world[2]["purchase-orders"][i] == world[1]["purchase-orders"][i] for i in unchanged)
    for kind in KINDS:
        assert all(r["updated_at"].startswith("2026-11-01T") for r in world[1][kind].values())


def test_every_case_has_a_description_and_documents():
    assert len(CASES) == 23
    for name, case in CASES.items():
        assert case.description and (case.orders or case.invoices), name


# -- suppliers -----------------------------------------------------------------------------
def test_day_one_orders_name_clean_suppliers_onboarding_creates(world):
    dirty = dirty_cases(N, 7)
    changed = set(world["advance"]["changed"])
    late = CASES["supplier_after_order"].orders[0]
    docs = [*world[2]["purchase-orders"].values(), *world[2]["invoices"].values()]
    refs = [doc["supplier"] for doc in docs if doc.get("order_id") != late and doc["id"] != late]
    assert len({ref["id"] for ref in refs}) >= 3
    for ref in refs:
        supplier = world[1]["suppliers"][ref["id"]]
        assert ref["id"] not in dirty and ref["id"] not in changed and supplier["status"] == "approved"
        assert ref == {"id": supplier["id"], "vendor_code": supplier["vendor_code"], "tax_id": supplier["tax_id"],
                       "name": supplier["legal_name"]}
        assert supplier["tax_id"] and supplier["currency"] == "EUR"


def test_the_late_supplier_is_published_approved_on_day_two_only(world):
    ref = order(world, "supplier_after_order")["supplier"]
    assert ref["id"] not in world[1]["suppliers"]
    assert world["advance"]["new"] == [ref["id"]]
    supplier = world[2]["suppliers"][ref["id"]]
    assert supplier["status"] == "approved" and supplier["updated_at"].startswith("2026-11-02T")
    assert ref == {"id": supplier["id"], "vendor_code": supplier["vendor_code"], "tax_id": supplier["tax_id"],
                   "name": supplier["legal_name"]}
    assert bill(world, "supplier_after_order")["supplier"] == ref
    assert CASES["supplier_after_order"].receipts[0] in DAY2_ONLY


# -- arithmetic and references of every document -------------------------------------------
def test_every_invoice_adds_up(world):
    for inv in world[2]["invoices"].values():
        tax = Decimal(0)
        for line in inv["lines"]:
            assert d(line["net_amount"]) == (d(line["quantity"]) * d(line["unit_price"])).quantize(Decimal("0.01"))
            assert d(line["tax_percent"]) == TAX_PERCENT[line["tax_code"]]
            tax += (d(line["net_amount"]) * d(line["tax_percent"]) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert d(inv["untaxed"]) == sum(d(line["net_amount"]) for line in inv["lines"])
        assert (d(inv["tax"]), d(inv["total"])) == (tax, d(inv["untaxed"]) + tax)
        assert len(inv["attachments"][0]["sha256"]) == 64


def test_receipts_and_bills_point_at_real_order_lines(world):
    orders = world[2]["purchase-orders"]
    for gr in world[2]["receipts"].values():
        lines = {line["line_no"]: line for line in orders[gr["order_id"]]["lines"]}
        assert all(line["line_no"] in lines and line["uom"] == lines[line["line_no"]]["uom"] for line in gr["lines"])
    for inv in world[2]["invoices"].values():
        for line in inv["lines"]:
            if line["order_id"]:
                assert line["order_id"] == inv["order_id"]
                ordered = {x["line_no"]: x for x in orders[line["order_id"]]["lines"]}[line["order_line_no"]]
                assert (line["item_code"], line["uom"]) == (ordered["item_code"], ordered["uom"])


def test_each_order_has_only_its_own_defect(world):
    day1 = world[1]["purchase-orders"]
    for ident, po in day1.items():
        case = next(name for name, c in CASES.items() if ident in c.orders)
        assert po["status"] == ("pending_approval" if case == "not_approved" else "approved"), ident
        assert po["currency"] == ("CZK" if case == "inactive_currency" else "EUR"), ident
        assert po["legal_entity"] == ("ACME-NL" if case == "unknown_legal_entity" else "ACME-DE"), ident
        codes = {line["item_code"] for line in po["lines"]} - PRODUCTS_BY_CODE.keys()
        assert codes == ({UNKNOWN_ITEM_CODE} if case == "unknown_item" else set()), ident
        taxes = {line["tax_code"] for line in po["lines"]} - TAX_PERCENT.keys()
        assert taxes == ({UNKNOWN_TAX_CODE} if case == "unknown_tax" else set()), ident
        for line in po["lines"]:
            assert sum(d(a["percent"]) for a in line["cost_allocation"]) == 100
            assert {a["cost_center"] for a in line["cost_allocation"]} <= COST_CENTERS.keys()


# -- the cases -----------------------------------------------------------------------------
def test_perfect_match(world):
    po, gr, inv = order(world, "perfect_match"), receipt(world, "perfect_match"), bill(world, "perfect_match")
    assert len(po["lines"]) == 2 and all(PRODUCTS_BY_CODE[x["item_code"]].kind == "goods" for x in po["lines"])
    assert {x["line_no"]: d(x["quantity"]) for x in gr["lines"]} == {x["line_no"]: d(x["quantity"])
                                                                     for x in po["lines"]}
    assert [(x["order_line_no"], x["quantity"], x["unit_price"], x["tax_code"]) for x in inv["lines"]] == [
        (x["line_no"], x["quantity"], x["unit_price"], x["tax_code"]) for x in po["lines"]]
    assert inv["supplier"] == po["supplier"] and inv["currency"] == po["currency"] == "EUR"


@pytest.mark.parametrize("case, factor", [("price_over_tolerance", "1.08"), ("price_within_tolerance", "1.01")])
def test_price_deviation(world, case, factor):
    po, inv = order(world, case), bill(world, case)
    assert d(inv["lines"][0]["unit_price"]) == d(po["lines"][0]["unit_price"]) * d(factor)
    assert inv["lines"][0]["quantity"] == receipt(world, case)["lines"][0]["quantity"] == po["lines"][0]["quantity"]


def test_quantity_billed_above_received(world):
    ordered = d(order(world, "quantity_above_received")["lines"][0]["quantity"])
    received = d(receipt(world, "quantity_above_received", day=1)["lines"][0]["quantity"])
    billed = d(bill(world, "quantity_above_received", day=1)["lines"][0]["quantity"])
    assert (ordered, received, billed) == (10, 6, 10)


def test_partial_receipt_then_second_bill(world):
    case = "partial_receipt_second_bill"
    first_gr, first_bill = receipt(world, case, 0, day=1), bill(world, case, 0, day=1)
    assert CASES[case].receipts[1] not in world[1]["receipts"] and CASES[case].invoices[1] not in world[1]["invoices"]
    second_gr, second_bill = receipt(world, case, 1), bill(world, case, 1)
    assert [d(x["lines"][0]["quantity"]) for x in (first_gr, first_bill, second_gr, second_bill)] == [4, 4, 6, 6]
    assert d(order(world, case)["lines"][0]["quantity"]) == 10
    assert first_bill["invoice_number"] != second_bill["invoice_number"]


def test_bill_without_order(world):
    inv = bill(world, "bill_without_order", day=1)
    assert inv["order_id"] is None
    assert all(line["order_id"] is None and line["order_line_no"] is None for line in inv["lines"])
    assert all(line["item_code"] in PRODUCTS_BY_CODE for line in inv["lines"])


def test_duplicate_bill_repeats_the_perfect_match_bill_under_a_new_intake_id(world):
    original, dup = bill(world, "perfect_match"), bill(world, "duplicate_bill")
    assert dup["id"] != original["id"] and dup["id"] not in world[1]["invoices"]
    assert (dup["supplier"], dup["invoice_number"]) == (original["supplier"], original["invoice_number"])


def test_duplicate_by_amount_and_date(world):
    original, dup = bill(world, "perfect_match"), bill(world, "duplicate_amount_date")
    assert dup["supplier"] == original["supplier"] and dup["total"] == original["total"]
    assert dup["invoice_number"] != original["invoice_number"]
    gap = date.fromisoformat(dup["invoice_date"]) - date.fromisoformat(original["invoice_date"])
    assert gap.days == 2


def test_currency_and_tax_mismatch(world):
    assert (order(world, "currency_mismatch")["currency"], bill(world, "currency_mismatch")["currency"]) == (
        "EUR", "USD")
    po_line, bill_line = order(world, "tax_mismatch")["lines"][0], bill(world, "tax_mismatch")["lines"][0]
    assert (po_line["tax_code"], bill_line["tax_code"], bill_line["tax_percent"]) == ("VAT19", "VAT7", "7")


def test_services_order_is_billed_without_receipt(world):
    po, inv = order(world, "services_order"), bill(world, "services_order")
    assert all(PRODUCTS_BY_CODE[x["item_code"]].purchase_method == "purchase" for x in po["lines"])
    assert not [gr for gr in world[2]["receipts"].values() if gr["order_id"] == po["id"]]
    assert [(x["quantity"], x["unit_price"]) for x in inv["lines"]] == [(x["quantity"], x["unit_price"])
                                                                         for x in po["lines"]]


def test_amended_before_receipt(world):
    case = "amended_before_receipt"
    rev1, rev2 = order(world, case, day=1), order(world, case, day=2)
    (a1, b1), (a2, b2) = rev1["lines"], rev2["lines"]
    assert d(a2["quantity"]) > d(a1["quantity"]) and a2["unit_price"] != a1["unit_price"] and b1 == b2
    assert not [gr for gr in world[1]["receipts"].values() if gr["order_id"] == rev1["id"]]
    gr, inv = receipt(world, case), bill(world, case)
    assert [x["quantity"] for x in gr["lines"]] == [a2["quantity"], b2["quantity"]]
    assert [(x["quantity"], x["unit_price"]) for x in inv["lines"]] == [(a2["quantity"], a2["unit_price"]),
                                                                         (b2["quantity"], b2["unit_price"])]


def test_amended_after_receipt_lowers_below_received(world):
    case = "amended_after_receipt"
    received = d(receipt(world, case, day=1)["lines"][0]["quantity"])
    assert d(order(world, case, day=1)["lines"][0]["quantity"]) >= received > d(
        order(world, case, day=2)["lines"][0]["quantity"])


@pytest.mark.parametrize("case, received", [("cancelled", False), ("cancelled_after_receipt", True)])
def test_cancelled_on_day_two(world, case, received):
    assert order(world, case, day=1)["status"] == "approved" and order(world, case, day=2)["status"] == "cancelled"
    receipts = [gr for gr in world[1]["receipts"].values() if gr["order_id"] == CASES[case].orders[0]]
    assert bool(receipts) is received


def test_refused_orders(world):
    assert order(world, "not_approved")["status"] == "pending_approval"
    assert any(x["item_code"] not in PRODUCTS_BY_CODE for x in order(world, "unknown_item")["lines"])
    assert order(world, "unknown_tax")["lines"][0]["tax_code"] not in TAX_PERCENT
    assert order(world, "inactive_currency")["currency"] == "CZK"
    assert order(world, "unknown_legal_entity")["legal_entity"] == "ACME-NL"


def test_over_receipt_exceeds_the_ordered_quantity(world):
    ordered = d(order(world, "over_receipt")["lines"][0]["quantity"])
    received = d(receipt(world, "over_receipt", day=1)["lines"][0]["quantity"])
    assert (ordered, received) == (10, 12)


def test_credit_note_against_the_perfect_match_order(world):
    note, po = bill(world, "credit_note"), order(world, "perfect_match")
    assert note["document_type"] == "credit_note" and note["order_id"] == po["id"]
    assert all(d(note[key]) < 0 for key in ("untaxed", "tax", "total"))
    assert all(d(x["quantity"]) < 0 < d(x["unit_price"]) for x in note["lines"])


# -- catalog, determinism, small feeds -----------------------------------------------------
def test_catalog_is_consistent():
    assert 10 <= len(PRODUCTS) == len(PRODUCTS_BY_CODE)
    for product in PRODUCTS:
        assert product.purchase_method == ("receive" if product.kind == "goods" else "purchase")
        assert product.uom in ("C62", "KGM") and product.tax_code in TAX_PERCENT and product.list_price > 0
    assert {"CC-OPS", "CC-ENG", "CC-SALES"} <= COST_CENTERS.keys()


def test_same_seed_same_documents_other_seed_same_ids():
    first, second, other = ProcurementPlatform(40, 7), ProcurementPlatform(40, 7), ProcurementPlatform(40, 8)
    for platform in (first, second, other):
        platform.advance()
    for kind in KINDS:
        assert first.documents(kind) == second.documents(kind)
        assert {r["id"] for r in first.documents(kind)} == {r["id"] for r in other.documents(kind)}
    suppliers = {r["supplier"]["id"] for r in first.documents("purchase-orders")}
    assert suppliers != {r["supplier"]["id"] for r in other.documents("purchase-orders")}


def test_a_feed_too_small_for_clean_suppliers_has_no_story_and_p2p_can_be_switched_off():
    assert ProcurementPlatform(60, 7, p2p=False).documents("invoices") == []
    tiny = ProcurementPlatform(3, 7)
    assert all(isinstance(tiny.documents(kind), list) for kind in KINDS)
