"""po-sync end to end: raw export files -> inbox -> checks -> Odoo purchase orders, on the real clients."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flow_world import kill_after, outbox_states, revive, world
from p2p_world import export, line, odoo_order, order, receipt, seed_odoo

from ofm.flows.goods_receipt import goods_receipt
from ofm.flows.po_sync import po_sync

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def w(tmp_path):
    with world(tmp_path, suppliers=5) as w:
        w.seed = seed_odoo(w.odoo)
        yield w


def test_an_approved_order_is_created_confirmed_and_anchored_by_its_number(w, tmp_path):
    out = po_sync(source=export(tmp_path, order("PO-1", line(1), line(2, "OFM-DESK", "2", "450.00", "VAT7"))))
    assert out["orders"]["PO-1"]["status"] == "created" and out["reconciles"]
    po = odoo_order(w.odoo, "PO-1")
    assert po["state"] == "purchase" and po["partner_ref"] == "PO-1" and po["partner_id"][0] == w.seed["supplier"]
    assert out["orders"]["PO-1"]["odoo"] == po["name"]
    assert sorted((ln["sequence"], ln["product_qty"], ln["price_unit"]) for ln in po["lines"]) == \
        [(1, 10.0, 120.0), (2, 2.0, 450.0)]
    assert po["picking_ids"], "confirming creates the receipt"
    acks = json.loads(next((tmp_path / "acks").glob("purchase-orders-*.json")).read_text())
    assert acks[0]["status"] == "created" and acks[0]["odoo_ref"] == po["name"]


def test_a_rerun_writes_nothing(w, tmp_path):
    path = export(tmp_path, order("PO-1"), order("PO-2", line(1, "OFM-SUPPORT", "8", "95.00")))
    po_sync(source=path)
    before = w.odoo_write_calls()
    out = po_sync(source=path)
    assert w.odoo_write_calls() == before and out["odoo_writes"] == 0
    assert {o["status"] for o in out["orders"].values()} == {"unchanged"}


@pytest.mark.parametrize(("doc", "status", "words"), [
    (order("PO-9", status="pending_approval"), "ignored", "not approved"),
    (order("PO-9", line(1, "NOPE")), "rejected", "product 'NOPE' is not in Odoo"),
    (order("PO-9", line(1, tax="VAT99")), "rejected", "tax code 'VAT99' is not mapped"),
    (order("PO-9", line(1), currency="CZK"), "rejected", "currency CZK is not active"),
    (order("PO-9", legal_entity="ACME-NL"), "rejected", "legal entity 'ACME-NL' is not routed"),
    (order("PO-9", line(1, qty="-3")), "rejected", "PO-9 lines[0].quantity"),
    (order("PO-9", status="on_hold"), "rejected", "unknown status 'on_hold'"),
    (order("PO-9", vendor="V-009"), "rejected", "archived in Odoo"),
])
def test_an_order_that_cannot_go_through_writes_nothing_and_says_why(w, tmp_path, doc, status, words):
    before = w.odoo_write_calls()
    out = po_sync(source=export(tmp_path, doc))
    assert out["orders"]["PO-9"]["status"] == status and words in out["orders"]["PO-9"]["reasons"][0]
    assert w.odoo_write_calls() == before and odoo_order(w.odoo, "PO-9") is None
    assert out["reconciles"]


def test_an_order_waits_for_its_supplier_and_goes_through_once_the_supplier_is_onboarded(w, tmp_path):
    out = po_sync(source=export(tmp_path, order("PO-5", vendor="V-777")))
    assert out["orders"]["PO-5"]["status"] == "waiting"
    waiting = w.store.list_quarantine(category="dependency")
    assert [q.record_ref for q in waiting] == ["procurement:PO-5"] and "not in Odoo yet" in waiting[0].reason
    assert po_sync(source=export(tmp_path))["orders"]["PO-5"]["status"] == "waiting"  # still no supplier
    assert outbox_states(w.store) == {}, "a waiting order leaves no intent behind"
    w.odoo.create("res.partner", [{"name": "Late Supplier", "ref": "V-777", "supplier_rank": 1}])
    out = po_sync(source=export(tmp_path))  # nothing new arrives: the waiting order is taken up by itself
    assert out["orders"]["PO-5"]["status"] == "created" and odoo_order(w.odoo, "PO-5")["state"] == "purchase"
    assert w.store.list_quarantine(category="dependency") == []


def test_revision_2_before_receipt_rewrites_the_lines_and_the_receipt_follows(w, tmp_path):
    po_sync(source=export(tmp_path, order("PO-3", line(1), line(2, "OFM-DESK", "2", "450.00"))))
    rev2 = order("PO-3", line(1, qty="12", price="118.00"), line(3, "OFM-DESK", "1", "450.00"), revision=2)
    out = po_sync(source=export(tmp_path, rev2))
    assert out["orders"]["PO-3"]["status"] == "updated"
    po = odoo_order(w.odoo, "PO-3")
    assert sorted((ln["sequence"], ln["product_qty"], ln["price_unit"]) for ln in po["lines"]) == \
        [(1, 12.0, 118.0), (2, 0.0, 450.0), (3, 1.0, 450.0)]
    moves = w.odoo.search_read("stock.move", [["picking_id", "in", po["picking_ids"]]], ["product_uom_qty"])
    assert sorted(m["product_uom_qty"] for m in moves) == [0.0, 1.0, 12.0] or \
        sorted(m["product_uom_qty"] for m in moves) == [1.0, 12.0]
    # an older revision arriving late does not undo the newer one
    out = po_sync(source=export(tmp_path, order("PO-3", line(1), revision=1)))
    assert out["orders"]["PO-3"]["status"] == "unchanged" and "superseded" in out["orders"]["PO-3"]["reasons"][0]


def test_revision_2_after_receipt_cannot_order_less_than_received(w, tmp_path):
    po_sync(source=export(tmp_path, order("PO-4", line(1))))
    goods_receipt(source=export(tmp_path, receipt("GR-4", "PO-4", (1, "8"))))
    before = w.odoo_write_calls()
    out = po_sync(source=export(tmp_path, order("PO-4", line(1, qty="5"), revision=2)))
    result = out["orders"]["PO-4"]
    assert result["status"] == "rejected" and result["reasons"] == \
        ["line 1: revision 2 orders 5, but 8 is already received"]
    assert w.odoo_write_calls() == before
    [entry] = w.store.list_quarantine(category="exception")
    assert entry.field == "lines[0].quantity" and entry.owner_team == "procurement"


def test_cancellation_applies_before_receipt_and_is_refused_after(w, tmp_path):
    po_sync(source=export(tmp_path, order("PO-6"), order("PO-7")))
    goods_receipt(source=export(tmp_path, receipt("GR-7", "PO-7", (1, "10"))))
    out = po_sync(source=export(tmp_path, order("PO-6", status="cancelled", revision=2),
                                order("PO-7", status="cancelled", revision=2)))
    assert out["orders"]["PO-6"]["status"] == "cancelled" and odoo_order(w.odoo, "PO-6")["state"] == "cancel"
    assert out["orders"]["PO-7"]["status"] == "rejected" and "already received" in out["orders"]["PO-7"]["reasons"][0]
    assert odoo_order(w.odoo, "PO-7")["state"] == "purchase"


@pytest.mark.parametrize("path", ["/purchase.order/create", "/purchase.order/button_confirm"])
def test_killed_after_odoo_committed_then_run_again_one_confirmed_order_per_document(w, tmp_path, path):
    file = export(tmp_path, order("PO-8"), order("PO-18", line(1, "OFM-DESK", "3", "450.00")))
    kill_after(w.odoo, w.sandbox, path)
    with pytest.raises(BaseException):  # noqa: B017 - Prefect may wrap the crash
        po_sync(source=file)
    revive(w.odoo, w.sandbox)
    out = po_sync(source=file)
    for number in ("PO-8", "PO-18"):
        assert w.odoo.search_count("purchase.order", [["origin", "=", number]]) == 1
        assert odoo_order(w.odoo, number)["state"] == "purchase"
        assert out["orders"][number]["status"] in ("created", "updated", "unchanged")
        assert out["orders"][number]["odoo"], "the platform is told the Odoo reference either way"
    assert set(outbox_states(w.store)) == {"done"}
    before = w.odoo_write_calls()
    po_sync(source=file)
    assert w.odoo_write_calls() == before


def test_cost_allocation_becomes_the_lines_analytic_distribution(tmp_path):
    with world(tmp_path, suppliers=5) as w:
        seed = seed_odoo(w.odoo, analytic=True)
        split = [{"cost_center": "CC-OPS", "percent": "60"}, {"cost_center": "CC-ENG", "percent": "40"}]
        unknown = [{"cost_center": "CC-XX", "percent": "100"}]
        out = po_sync(source=export(tmp_path, order("PO-A", line(1, cost_allocation=split)),
                                    order("PO-B", line(1, cost_allocation=unknown))))
        assert out["orders"]["PO-A"]["status"] == "created"
        [po_line] = odoo_order(w.odoo, "PO-A")["lines"]
        ids = seed["analytic"]
        assert po_line["analytic_distribution"] == {str(ids["CC-OPS"]): 60.0, str(ids["CC-ENG"]): 40.0}
        assert out["orders"]["PO-B"]["status"] == "rejected"
        assert "cost center 'CC-XX' has no analytic account" in out["orders"]["PO-B"]["reasons"][0]
        # a revision that moves the split is written; the same revision again is not
        moved = [{"cost_center": "CC-OPS", "percent": "100"}]
        out = po_sync(source=export(tmp_path, order("PO-A", line(1, cost_allocation=moved), revision=2)))
        assert out["orders"]["PO-A"]["status"] == "updated"
        assert odoo_order(w.odoo, "PO-A")["lines"][0]["analytic_distribution"] == {str(ids["CC-OPS"]): 100.0}
        assert po_sync(source=export(tmp_path, order("PO-A", line(1, cost_allocation=moved), revision=2)))[
            "orders"]["PO-A"]["status"] == "unchanged"


def test_a_refused_order_is_replayed_from_quarantine_once_its_cause_is_fixed(w, tmp_path, monkeypatch):
    from test_three_way_match_flow import cli

    out = cli(w, monkeypatch, "run", "po-sync", "--source", export(tmp_path, order("PO-R", line(1, "OFM-LAMP"))))
    assert "rejected   PO-R: line 1: product 'OFM-LAMP' is not in Odoo" in out
    [entry] = w.store.list_quarantine(category="reference")
    assert (entry.field, entry.owner_team) == ("lines[0].item_code", "procurement")
    w.odoo.create("product.product", [{"name": "Desk lamp", "default_code": "OFM-LAMP", "type": "consu"}])
    out = cli(w, monkeypatch, "quarantine", "replay", str(entry.id), "--actor", "buyer")
    assert "created 1" in out and f"quarantine entry {entry.id}: resolved" in out
    assert odoo_order(w.odoo, "PO-R")["state"] == "purchase"
    steps = [row.step for row in w.store.trail("procurement:PO-R")]
    assert steps.count("created") == 1 and steps.index("quarantined") < steps.index("created")


def refuse_creates_of(w, number: str) -> None:
    """Odoo answers a create carrying `number` with the captured ValidationError (err_missing_required)."""
    import httpx

    from ofm.sandbox.odoo import SandboxTransport

    captured = json.loads((Path(__file__).resolve().parents[1] / "data" / "odoo-contract" / "json2"
                           / "err_missing_required.json").read_text())
    inner = SandboxTransport(w.sandbox)

    class Refuses(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/purchase.order/create") and number.encode() in request.content:
                return httpx.Response(captured["http_status"], content=captured["raw_body"].encode(),
                                      headers={"content-type": "application/json"})
            return inner.handle_request(request)

    w.odoo._http._transport = Refuses()


def test_an_order_odoo_refuses_is_isolated_and_the_rest_of_the_batch_lands(w, tmp_path):
    path = export(tmp_path, order("PO-11"), order("PO-12"), order("PO-13"), order("PO-14"))
    refuse_creates_of(w, "PO-13")
    out = po_sync(source=path)
    assert {k: v["status"] for k, v in out["orders"].items()} == \
        {"PO-11": "created", "PO-12": "created", "PO-13": "rejected", "PO-14": "created"}
    reason = out["orders"]["PO-13"]["reasons"][0]
    assert reason.startswith("Odoo refused create: ") and "Missing required value" in reason
    assert all(odoo_order(w.odoo, n)["state"] == "purchase" for n in ("PO-11", "PO-12", "PO-14"))
    assert odoo_order(w.odoo, "PO-13") is None and out["reconciles"]
    revive(w.odoo, w.sandbox)  # whatever Odoo lacked is fixed: the next run of the same file creates it
    out = po_sync(source=path)
    assert out["orders"]["PO-13"]["status"] == "created" and odoo_order(w.odoo, "PO-13")["state"] == "purchase"
    assert w.store.list_quarantine(category="business") == []


def test_the_audit_trail_of_an_order_names_the_mapping_it_was_read_with(w, tmp_path):
    from importlib import metadata

    from ofm.store.audit_trail import steps

    po_sync(source=export(tmp_path, order("PO-1")))
    trail = steps(w.store.trail("procurement:PO-1"))
    assert {s.step for s in trail} >= {"received", "mapped", "created", "confirmed"}
    # the order mapping is code (ofm.mappings.purchase_docs): its version is the release that ran it
    assert {s.mapping_version for s in trail} == {f"code:ofm-{metadata.version('odoo-finance-middleware')}"}
