"""The sandbox's procure-to-pay story over the procurement API, day 1 then day 2: every order and
receipt case ends where a finance engineer expects, the platform is told each outcome with the Odoo
reference, and reading everything again writes nothing."""

from __future__ import annotations

import pytest
from flow_world import world

from ofm.flows.goods_receipt import goods_receipt
from ofm.flows.po_sync import po_sync
from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.sandbox.procurement.odoo_seed import seed_catalog
from ofm.sandbox.procurement.p2p import CASES

pytestmark = pytest.mark.usefixtures("prefect_harness")


def case(name: str, kind: str = "orders", i: int = 0) -> str:
    return getattr(CASES[name], kind)[i]


def acks(w, kind: str) -> dict[str, dict]:
    answer = w.procurement.get("/admin/acknowledgements", params={"kind": kind},
                               headers={"Authorization": "Bearer sandbox-token"})
    answer.raise_for_status()
    return {row["external_id"]: row for row in answer.json()["items"]}


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    with world(tmp_path_factory.mktemp("story"), suppliers=60) as w:
        supplier_onboarding()
        seed_catalog(w.odoo)
        day1 = {"orders": po_sync()["orders"], "receipts": goods_receipt()["receipts"],
                "order_acks": acks(w, "purchase-orders"), "receipt_acks": acks(w, "receipts")}
        w.advance()
        supplier_onboarding()
        day2 = {"orders": po_sync()["orders"], "receipts": goods_receipt()["receipts"],
                "order_acks": acks(w, "purchase-orders"), "receipt_acks": acks(w, "receipts")}
        before = w.odoo_write_calls()
        again = [po_sync(full_refresh=True), goods_receipt(full_refresh=True)]
        yield w, day1, day2, again, w.odoo_write_calls() - before


@pytest.mark.parametrize(("name", "status", "words"), [
    ("perfect_match", "created", ""),
    ("services_order", "created", ""),
    ("not_approved", "ignored", "not approved"),
    ("unknown_item", "rejected", "OFM-HOVERBOARD' is not in Odoo"),
    ("unknown_tax", "rejected", "tax code 'VAT25' is not mapped"),
    ("inactive_currency", "rejected", "currency CZK is not active"),
    ("unknown_legal_entity", "rejected", "legal entity 'ACME-NL' is not routed"),
    ("supplier_after_order", "waiting", "is not in Odoo yet"),
])
def test_day_1_orders(story, name, status, words):
    _, day1, _, _, _ = story
    doc = day1["orders"][case(name)]
    assert doc["status"] == status and words in "; ".join(doc["reasons"])
    ack = day1["order_acks"][case(name)]
    assert ack["status"] == {"waiting": "waiting"}.get(status, status)
    assert bool(ack["odoo_ref"]) == (status == "created")


@pytest.mark.parametrize(("name", "status", "words"), [
    ("supplier_after_order", "created", ""),
    ("amended_before_receipt", "updated", "lines changed: 1"),
    ("amended_after_receipt", "rejected", "already received"),
    ("cancelled", "cancelled", ""),
    ("cancelled_after_receipt", "rejected", "cancellation refused"),
])
def test_day_2_orders(story, name, status, words):
    w, _, day2, _, _ = story
    doc = day2["orders"][case(name)]
    assert doc["status"] == status and words in "; ".join(doc["reasons"])
    state = w.odoo.search_read("purchase.order", [["origin", "=", case(name)]], ["state"])[0]["state"]
    assert state == {"cancelled": "cancel"}.get(status, "purchase")
    assert day2["order_acks"][case(name)]["status"] == {"cancelled": "updated"}.get(status, status)


@pytest.mark.parametrize(("name", "i", "day", "status", "words"), [
    ("perfect_match", 0, 1, "applied", ""),
    ("quantity_above_received", 0, 1, "applied", "partial: rest open on WH/IN/"),
    ("partial_receipt_second_bill", 0, 1, "applied", "partial"),
    ("over_receipt", 0, 1, "rejected", "over-receipt on line 1"),
    ("partial_receipt_second_bill", 1, 2, "applied", ""),
    ("amended_before_receipt", 0, 2, "applied", ""),
    ("supplier_after_order", 0, 2, "applied", ""),
])
def test_receipts(story, name, i, day, status, words):
    _, day1, day2, _, _ = story
    doc = (day1 if day == 1 else day2)["receipts"][case(name, "receipts", i)]
    assert doc["status"] == status and words in "; ".join(doc["reasons"])
    if status == "applied":
        assert doc["odoo"].startswith("WH/IN/")


def test_received_quantities_follow_the_receipts(story):
    w, *_ = story
    lines = {}
    for name in ("perfect_match", "partial_receipt_second_bill", "amended_before_receipt", "over_receipt"):
        po = w.odoo.search_read("purchase.order", [["origin", "=", case(name)]], ["order_line"])[0]
        rows = w.odoo.read("purchase.order.line", po["order_line"], ["product_qty", "qty_received"])
        lines[name] = [(r["product_qty"], r["qty_received"]) for r in rows]
    assert all(ordered == received for ordered, received in lines["perfect_match"])
    assert lines["partial_receipt_second_bill"] == [(10.0, 10.0)]   # 4 on day 1, 6 on day 2
    assert lines["amended_before_receipt"][0] == (12.0, 12.0)       # revision 2 raised 10 -> 12
    assert all(received == 0 for _, received in lines["over_receipt"])


def test_reading_everything_again_writes_nothing_and_counts_reconcile(story):
    _, day1, day2, again, writes = story
    assert writes == 0
    assert all(run["reconciles"] and run["odoo_writes"] == 0 for run in again)
    assert {d["status"] for d in again[0]["orders"].values()} <= {"unchanged", "ignored", "rejected"}


def test_the_scheduled_procure_to_pay_flow_runs_the_three_steps_in_order(tmp_path):
    from ofm.flows.procure_to_pay import procure_to_pay

    with world(tmp_path, suppliers=60) as w:
        supplier_onboarding()
        seed_catalog(w.odoo)
        first = procure_to_pay()
        assert list(first["steps"]) == ["po-sync", "goods-receipt", "three-way-match"]
        assert first["steps"]["po-sync"]["counts"]["created"] >= 10
        assert first["steps"]["goods-receipt"]["counts"]["applied"] >= 5
        assert first["steps"]["three-way-match"]["counts"]["posted"] >= 3
        before = w.odoo_write_calls()
        again = procure_to_pay()
        assert again["odoo_writes"] == 0 and w.odoo_write_calls() == before
