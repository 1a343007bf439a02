"""The procurement sandbox's procure-to-pay story, day 1 then day 2, against a real Odoo 19: suppliers
onboarded by the supplier flow, the catalogue seeded, orders, receipts and bills read from the procurement
API (the Belgian buyer ACME-BE of buyers.py, policy p2p.real.yaml); each case asserts what Odoo shows.
Partial receipts included: the goods-receipt flow answers Odoo's backorder wizard with its action's context,
so the cases built on one (amended_after_receipt, cancelled_after_receipt, partial_receipt_second_bill) run.
"""

from __future__ import annotations

import httpx
import pytest
from p2p_real import RealWorld
from pydantic import SecretStr

from ofm.connectors.procurement import ProcurementClient, ProcurementConfig
from ofm.flows.goods_receipt import goods_receipt
from ofm.flows.po_sync import po_sync
from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.flows.three_way_match import three_way_match
from ofm.sandbox.procurement import InProcessTransport, create_app
from ofm.sandbox.procurement.p2p import CASES
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources
from ofm.testbed.seed_p2p import seed_catalog

pytestmark = pytest.mark.usefixtures("prefect_harness")
TOKEN = "sandbox-token"


def case(name: str, kind: str = "orders", i: int = 0) -> str:
    return getattr(CASES[name], kind)[i]


def day(w: RealWorld) -> dict:
    return {"orders": po_sync()["orders"], "receipts": goods_receipt()["receipts"],
            "bills": {b["record"].split(":", 1)[1]: b for b in three_way_match()["bills"]}}


@pytest.fixture(scope="module")
def story(real_odoo, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("story")
    transport = InProcessTransport(create_app(n=60, seed=7, token=TOKEN, buyer="BE"))
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'ofm.db'}", ack_dir=tmp / "acks",
                        p2p_policy=real_odoo.p2p_policy)
    store = Store(settings.database_url)
    store.migrate()
    odoo = real_odoo.client()

    def procurement() -> ProcurementClient:
        return ProcurementClient(ProcurementConfig(url="http://procurement.test", token=SecretStr(TOKEN),
                                                   pagination="cursor", page_size=50), transport=transport)

    with use_resources(Resources(settings=settings, store=store, odoo=odoo, procurement_factory=procurement)), \
            httpx.Client(transport=transport, base_url="http://procurement.test") as admin:
        supplier_onboarding()
        w = RealWorld(real_odoo, odoo, store, settings, seed_catalog(odoo), {}, tmp)
        day1 = day(w)
        day1["odoo"] = {number: w.order(number) for c in CASES.values() for number in c.orders}  # Odoo after day 1
        admin.post("/admin/advance", headers={"Authorization": f"Bearer {TOKEN}"}).raise_for_status()
        supplier_onboarding()
        day2 = day(w)
        before, writes = w.last_writes(), odoo.stats.writes
        again = [po_sync(full_refresh=True), three_way_match()]
        yield w, day1, day2, again, (before, writes)


@pytest.mark.parametrize(("name", "status"), [
    ("perfect_match", "created"), ("services_order", "created"), ("not_approved", "ignored"),
    ("unknown_item", "rejected"), ("unknown_tax", "rejected"), ("inactive_currency", "rejected"),
    ("unknown_legal_entity", "rejected"), ("supplier_after_order", "waiting"),
])
def test_day_1_orders_as_odoo_shows_them(story, name, status):
    w, day1, *_ = story
    assert day1["orders"][case(name)]["status"] == status, day1["orders"][case(name)]
    po = day1["odoo"][case(name)]
    if status != "created":
        assert po is None, f"{case(name)} must leave nothing in Odoo"
        return
    assert po["state"] == "purchase" and po["partner_ref"] == case(name) and po["company_id"][1] == "My Company"
    assert [ln["sequence"] for ln in po["lines"]] == [1, 2]
    taxes = {"perfect_match": "VAT21", "services_order": "VAT21S"}[name]
    assert all(ln["tax_ids"] == [w.tax_of(taxes)] for ln in po["lines"])
    cc = w.catalog.analytic
    split = {"perfect_match": {str(cc["CC-OPS"]): 60.0, str(cc["CC-ENG"]): 40.0},
             "services_order": {str(cc["CC-ADMIN"]): 100.0}}[name]
    assert po["lines"][0]["analytic_distribution"] == split


@pytest.mark.parametrize(("name", "status", "state"), [
    ("supplier_after_order", "created", "purchase"), ("amended_before_receipt", "updated", "purchase"),
    ("cancelled", "cancelled", "cancel"),
    pytest.param("amended_after_receipt", "rejected", "purchase"),
    pytest.param("cancelled_after_receipt", "rejected", "purchase"),
])
def test_day_2_orders_as_odoo_shows_them(story, name, status, state):
    w, _, day2, *_ = story
    assert day2["orders"][case(name)]["status"] == status, day2["orders"][case(name)]
    assert w.order(case(name))["state"] == state


def test_revision_2_is_written_line_by_line_and_the_full_receipts_land(story):
    w, day1, day2, *_ = story
    po = w.order(case("amended_before_receipt"))
    assert [(ln["sequence"], ln["product_qty"], ln["price_unit"], ln["qty_received"]) for ln in po["lines"]] == \
        [(1, 12.0, 405.0, 12.0), (2, 4.0, 249.0, 4.0)]
    assert all(ln["product_qty"] == ln["qty_received"] for ln in w.order(case("perfect_match"))["lines"])
    over = day1["receipts"][case("over_receipt", "receipts")]
    assert over["status"] == "rejected" and w.order(case("over_receipt"))["lines"][0]["qty_received"] == 0.0
    assert day2["receipts"][case("supplier_after_order", "receipts")]["status"] == "applied"
    assert [ln["qty_received"] for ln in w.order(case("supplier_after_order"))["lines"]] == [5.0, 10.0]


def bill(w: RealWorld, ident: str, bills: dict) -> dict:
    [move] = w.real.read("account.move", [["id", "=", bills[ident]["odoo_id"]]], ["state", "move_type", "ref"])
    return move


@pytest.mark.parametrize(("name", "i", "when", "state"), [
    ("perfect_match", 0, 1, "posted"), ("price_within_tolerance", 0, 1, "posted"), ("services_order", 0, 1, "posted"),
    ("price_over_tolerance", 0, 1, "draft"), ("quantity_above_received", 0, 1, "draft"),
    ("bill_without_order", 0, 1, "draft"), ("currency_mismatch", 0, 1, "draft"), ("tax_mismatch", 0, 1, "draft"),
    ("amended_before_receipt", 0, 2, "posted"), ("supplier_after_order", 0, 2, "posted"),
    ("credit_note", 0, 2, "posted"),
    pytest.param("partial_receipt_second_bill", 0, 1, "posted"),
    pytest.param("partial_receipt_second_bill", 1, 2, "posted"),
])
def test_bills_are_posted_or_held_as_drafts_in_odoo(story, name, i, when, state):
    w, day1, day2, *_ = story
    bills = (day1 if when == 1 else day2)["bills"]
    ident = case(name, "invoices", i)
    move = bill(w, ident, bills)
    assert move["state"] == state, bills[ident]
    if state == "draft":  # held: a note in the bill's chatter says why and who resolves it
        notes = w.real.read("mail.message", [["model", "=", "account.move"], ["res_id", "=", bills[ident]["odoo_id"]],
                                             ["message_type", "=", "comment"]], ["body"])
        assert notes and "owner:" in notes[0]["body"]
    if name == "credit_note":
        assert move["move_type"] == "in_refund"


def test_duplicates_are_refused_without_a_second_bill(story):
    w, _, day2, *_ = story
    for name in ("duplicate_bill", "duplicate_amount_date"):
        assert day2["bills"][case(name, "invoices")]["status"] == "rejected"
        assert day2["bills"][case(name, "invoices")]["odoo_id"] is None
    assert len(w.real.read("account.move", [["ref", "=", "RE-2026-0101"]], ["id"])) == 1
    assert w.real.read("account.move", [["ref", "=", "RE-2026-0109"]], ["id"]) == []
    chairs = w.order(case("perfect_match"))["lines"][0]
    assert chairs["qty_invoiced"] == 9.0, "10 billed, 1 credited"


def test_reading_everything_again_writes_nothing_in_odoo(story):
    w, _, _, again, (before, writes) = story
    assert [run["odoo_writes"] for run in again] == [0, 0]
    assert w.odoo.stats.writes == writes and w.last_writes() == before
    assert {d["status"] for d in again[0]["orders"].values()} <= {"unchanged", "ignored", "rejected"}
