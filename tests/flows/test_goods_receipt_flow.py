"""goods-receipt end to end: receipt confirmations applied to the Odoo receipts of synced orders."""

from __future__ import annotations

import json

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
        po_sync(source=export(tmp_path, order("PO-1", line(1), line(2, "OFM-DESK", "4", "450.00"))))
        yield w


def received(w, number: str) -> dict[int, float]:
    return {ln["sequence"]: ln["qty_received"] for ln in odoo_order(w.odoo, number)["lines"]}


def pickings(w, number: str) -> list[dict]:
    return w.odoo.search_read("stock.picking", [["origin", "=", odoo_order(w.odoo, number)["name"]]],
                              ["name", "state", "backorder_id"])


def test_a_full_receipt_validates_the_picking(w, tmp_path):
    out = goods_receipt(source=export(tmp_path, receipt("GR-1", "PO-1", (1, "10"), (2, "4"))))
    assert out["receipts"]["GR-1"]["status"] == "applied" and out["reconciles"]
    assert received(w, "PO-1") == {1: 10.0, 2: 4.0}
    [picking] = pickings(w, "PO-1")
    assert picking["state"] == "done" and out["receipts"]["GR-1"]["odoo"] == picking["name"]


def test_a_partial_receipt_keeps_a_backorder_and_the_next_receipt_lands_on_it(w, tmp_path):
    out = goods_receipt(source=export(tmp_path, receipt("GR-1", "PO-1", (1, "4"))))
    first = out["receipts"]["GR-1"]
    assert first["status"] == "applied" and "rest open on WH/IN/" in first["reasons"][0]
    assert received(w, "PO-1") == {1: 4.0, 2: 0.0}
    out = goods_receipt(source=export(tmp_path, receipt("GR-2", "PO-1", (1, "6"), (2, "4"), on="2026-11-12")))
    assert out["receipts"]["GR-2"]["status"] == "applied" and out["receipts"]["GR-2"]["reasons"] == []
    assert received(w, "PO-1") == {1: 10.0, 2: 4.0}
    assert sorted(p["state"] for p in pickings(w, "PO-1")) == ["done", "done"]


def test_backorder_policy_cancel_closes_the_receipt_short(w, tmp_path):
    policy = tmp_path / "p2p.yaml"
    from ofm.mappings.p2p_policy import BUNDLED

    policy.write_text(BUNDLED.read_text().replace("backorder: create", "backorder: cancel"))
    w.settings.p2p_policy = policy
    out = goods_receipt(source=export(tmp_path, receipt("GR-1", "PO-1", (1, "4"))))
    assert out["receipts"]["GR-1"]["reasons"] == ["partial: closed without backorder"]
    assert [p["state"] for p in pickings(w, "PO-1")] == ["done"]
    assert received(w, "PO-1") == {1: 4.0, 2: 0.0}


def test_over_receipt_is_refused_and_nothing_is_written(w, tmp_path):
    before = w.odoo_write_calls()
    out = goods_receipt(source=export(tmp_path, receipt("GR-9", "PO-1", (1, "12"))))
    result = out["receipts"]["GR-9"]
    assert result["status"] == "rejected" and result["reasons"] == \
        ["over-receipt on line 1: 12 received, 0 before, 10 ordered"]
    assert w.odoo_write_calls() == before and received(w, "PO-1") == {1: 0.0, 2: 0.0}
    [entry] = w.store.list_quarantine(category="exception")
    assert entry.field == "lines[0].quantity" and entry.owner_team == "warehouse"


def test_a_receipt_for_an_order_not_yet_in_odoo_waits_then_lands(w, tmp_path):
    out = goods_receipt(source=export(tmp_path, receipt("GR-5", "PO-5", (1, "3"))))
    assert out["receipts"]["GR-5"]["status"] == "waiting"
    assert set(outbox_states(w.store)) == {"done"}, "a waiting receipt leaves no unfinished intent behind"
    po_sync(source=export(tmp_path, order("PO-5")))
    out = goods_receipt(source=export(tmp_path))
    assert out["receipts"]["GR-5"]["status"] == "applied" and received(w, "PO-5") == {1: 3.0}
    assert w.store.list_quarantine(category="dependency") == []


def test_a_rerun_writes_nothing_and_a_bad_receipt_names_its_field(w, tmp_path):
    path = export(tmp_path, receipt("GR-1", "PO-1", (1, "10"), (2, "4")),
                  receipt("GR-X", "PO-1", (1, "not-a-number")))
    out = goods_receipt(source=path)
    assert out["receipts"]["GR-X"]["status"] == "rejected"
    assert out["receipts"]["GR-X"]["reasons"][0].startswith("GR-X lines[0].quantity")
    before = w.odoo_write_calls()
    out = goods_receipt(source=path)
    assert w.odoo_write_calls() == before and out["receipts"]["GR-1"]["status"] == "unchanged"


@pytest.mark.parametrize("path", ["/stock.picking/button_validate", "/stock.backorder.confirmation/process"])
def test_killed_after_validation_then_run_again_receives_once(w, tmp_path, path):
    file = export(tmp_path, receipt("GR-1", "PO-1", (1, "4")))
    kill_after(w.odoo, w.sandbox, path)
    with pytest.raises(BaseException):  # noqa: B017 - Prefect may wrap the crash
        goods_receipt(source=file)
    revive(w.odoo, w.sandbox)
    out = goods_receipt(source=file)
    assert received(w, "PO-1") == {1: 4.0, 2: 0.0}
    assert out["receipts"]["GR-1"]["status"] == "applied"
    assert set(outbox_states(w.store)) == {"done"}


@pytest.mark.parametrize("store_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_orders_receipts_waiting_and_reruns_on_postgres_too(tmp_path, store_url):
    with world(tmp_path, suppliers=5, database_url=store_url) as w:
        seed_odoo(w.odoo)
        orders = export(tmp_path, order("PO-1"), order("PO-2", vendor="V-404"))
        receipts = export(tmp_path, receipt("GR-1", "PO-1", (1, "4")), receipt("GR-2", "PO-2", (1, "1")))
        assert {k: v["status"] for k, v in po_sync(source=orders)["orders"].items()} == \
            {"PO-1": "created", "PO-2": "waiting"}
        assert {k: v["status"] for k, v in goods_receipt(source=receipts)["receipts"].items()} == \
            {"GR-1": "applied", "GR-2": "waiting"}
        before = w.odoo_write_calls()
        assert po_sync(source=orders)["odoo_writes"] == 0 and goods_receipt(source=receipts)["odoo_writes"] == 0
        assert w.odoo_write_calls() == before and received(w, "PO-1") == {1: 4.0}
        assert {q.record_ref for q in w.store.list_quarantine(category="dependency")} == \
            {"procurement:PO-2", "procurement:GR-2"}
        assert set(outbox_states(w.store)) == {"done"}
        w.store.close()


def test_a_receipt_odoo_refuses_is_quarantined_with_odoos_reason_and_the_others_land(w, tmp_path):
    import httpx

    from ofm.sandbox.odoo import SandboxTransport

    po_sync(source=export(tmp_path, order("PO-2")))
    refused = odoo_order(w.odoo, "PO-1")["picking_ids"][0]
    inner = SandboxTransport(w.sandbox)

    calls: list[list[int]] = []

    class Refuses(httpx.BaseTransport):  # Odoo's UserError shape (json2: HTTP 422): any call holding one picking
        def handle_request(self, request: httpx.Request) -> httpx.Response:  # (one transaction: none validated)
            if request.url.path.endswith("/stock.picking/button_validate"):
                calls.append(json.loads(request.content)["ids"])
                if refused in calls[-1]:
                    body = {"name": "odoo.exceptions.UserError", "message": "You cannot validate a transfer if "
                        "no quantities are reserved.", "arguments": [], "context": {}, "debug": ""}
                    return httpx.Response(422, json=body)
            return inner.handle_request(request)

    w.odoo._http._transport = Refuses()
    out = goods_receipt(source=export(tmp_path, receipt("GR-1", "PO-1", (1, "10"), (2, "4")),
                                      receipt("GR-2", "PO-2", (1, "10"))))
    assert out["receipts"]["GR-2"]["status"] == "applied" and out["reconciles"]
    assert out["receipts"]["GR-1"]["status"] == "rejected"
    assert out["receipts"]["GR-1"]["reasons"][0].startswith("Odoo refused the receipt: ")
    assert "no quantities are reserved" in out["receipts"]["GR-1"]["reasons"][0]
    assert received(w, "PO-1") == {1: 0.0, 2: 0.0} and received(w, "PO-2") == {1: 10.0}
    assert len(calls[0]) == 2, "both pickings validated in one call first"
    assert sorted(map(len, calls[1:])) == [1, 1], "then bisected: the refused picking alone, the other alone"


@pytest.mark.parametrize(("note", "ref", "carries"), [
    ("<p>ofm-receipt:GR-1</p>", "GR-1", True),
    ("<p>ofm-receipt:GR-10</p>", "GR-1", False),      # the re-run's ilike finds it; the mark check does not
    ("<p>ofm-receipt:GR-1.2</p>", "GR-1", False),
    ("ofm-receipt:GR-1", "GR-1", True),
    (False, "GR-1", False),
])
def test_a_picking_carries_exactly_its_receipts_mark(note, ref, carries):
    from ofm.tasks.p2p.receipt_odoo import carries_mark

    assert carries_mark(note, ref) is carries


def test_a_validation_odoo_does_not_carry_out_is_quarantined_the_next_receipt_waits_then_both_land(w, tmp_path):
    import httpx

    from ofm.sandbox.odoo import SandboxTransport

    inner = SandboxTransport(w.sandbox)

    class DropsTheContext(httpx.BaseTransport):  # the wizard answered as the flow used to: Odoo says True, does nothing
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if "/stock.backorder.confirmation/" in request.url.path:
                body = json.loads(request.content)
                body.pop("context", None)
                request = httpx.Request(request.method, request.url, json=body, headers={
                    k: v for k, v in request.headers.items() if k.lower() != "content-length"})
            return inner.handle_request(request)

    w.odoo._http._transport = DropsTheContext()
    file = export(tmp_path, receipt("GR-1", "PO-1", (1, "4")), receipt("GR-2", "PO-1", (2, "1"), on="2026-11-11"))
    out = goods_receipt(source=file)
    assert out["receipts"]["GR-2"] == {"status": "waiting", "odoo": None,
                                       "reasons": ["waits for receipt GR-1 of the same order to land in Odoo"]}
    result = out["receipts"]["GR-1"]
    assert result["status"] == "rejected" and result["reasons"][0].startswith(
        "receipt not validated in Odoo after 2 attempt(s): WH/IN/00001 is assigned; move ")
    assert "with 4 of 10" in result["reasons"][0]
    assert received(w, "PO-1") == {1: 0.0, 2: 0.0} and [p["state"] for p in pickings(w, "PO-1")] == ["assigned"]
    [entry] = w.store.list_quarantine(category="technical")
    key = "stock.picking:receive:GR-1"
    assert entry.owner_team == "integration" and w.store.outbox_rows([key])[key].state == "pending"
    revive(w.odoo, w.sandbox)
    out = goods_receipt(source=file)
    assert out["receipts"]["GR-1"]["status"] == "applied" and received(w, "PO-1") == {1: 4.0, 2: 1.0}
    assert out["receipts"]["GR-2"]["status"] == "applied" and set(outbox_states(w.store)) == {"done"}


def test_receipts_of_many_orders_land_together_in_a_few_calls_each_on_its_own_picking(w, tmp_path):
    numbers = ["PO-2", "PO-3", "PO-4"]
    po_sync(source=export(tmp_path, *[order(n, line(1), line(2, "OFM-DESK", "4", "450.00")) for n in numbers]))
    before = w.odoo.stats.calls.copy()
    out = goods_receipt(source=export(
        tmp_path, receipt("GR-1", "PO-1", (1, "10"), (2, "4")), receipt("GR-2", "PO-2", (1, "10"), (2, "4")),
        receipt("GR-3", "PO-3", (1, "4")),  # partial: its rest on a backorder
        receipt("GR-4", "PO-4", (1, "10"), (2, "4")),
        receipt("GR-5", "PO-3", (1, "6"), (2, "4"), on="2026-11-12")))  # lands on GR-3's backorder, next round
    assert {ref: r["status"] for ref, r in out["receipts"].items()} == dict.fromkeys(
        ["GR-1", "GR-2", "GR-3", "GR-4", "GR-5"], "applied")
    for n in ["PO-1", *numbers]:
        assert received(w, n) == {1: 10.0, 2: 4.0}, n
        assert {p["state"] for p in pickings(w, n)} == {"done"}
    calls = w.odoo.stats.calls - before
    assert calls[("stock.picking", "button_validate")] == 2, "one validation per round: 4 pickings, then 1"
    assert calls[("stock.picking", "web_save_multi")] == 1 and calls[("stock.picking", "write")] == 1
    notes = {p["id"]: p["note"] for p in w.odoo.search_read("stock.picking", [["note", "ilike", "ofm-receipt:"]],
                                                              ["note"])}
    for ref, r in out["receipts"].items():
        [picking] = [pid for pid, note in notes.items() if f"ofm-receipt:{ref}<" in note]
        assert r["odoo"] == w.odoo.read("stock.picking", [picking], ["name"])[0]["name"], ref


@pytest.mark.parametrize(("path", "lost"), [
    ("/stock.picking/button_validate", "timeout"),  # applied in Odoo, the answer never came
    ("/stock.move/web_save_multi", "502"),          # the proxy gave up: nothing applied (the quantities)
])
def test_a_call_odoo_did_not_answer_leaves_the_receipts_for_the_next_run_which_lands_them_once(w, tmp_path, path,
                                                                                             lost):
    import httpx

    from ofm.sandbox.odoo import SandboxTransport
    from ofm.sandbox.odoo.faults import proxy_page

    po_sync(source=export(tmp_path, order("PO-2")))
    inner, seen = SandboxTransport(w.sandbox), []

    class FailsOnce(httpx.BaseTransport):  # the first call to `path`, for both pickings, goes unanswered
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if not request.url.path.endswith(path) or seen:
                return inner.handle_request(request)
            seen.append(path)
            if lost == "502":
                return httpx.Response(502, content=proxy_page(502, "Bad Gateway"), request=request)
            inner.handle_request(request)
            raise httpx.ReadTimeout("The read operation timed out", request=request)

    w.odoo._http._transport = FailsOnce()
    before = w.odoo.stats.calls.copy()
    file = export(tmp_path, receipt("GR-1", "PO-1", (1, "10"), (2, "4")), receipt("GR-2", "PO-2", (1, "10")))
    out = goods_receipt(source=file)
    assert seen == [path]
    assert (w.odoo.stats.calls - before)[tuple(path.strip("/").split("/"))] == 1, "not bisected, not resent"
    for ref in ("GR-1", "GR-2"):
        result = out["receipts"][ref]
        assert result["status"] == "waiting" and result["reasons"][0].startswith(
            "left for the next run: Odoo did not answer: "), result
        key = f"stock.picking:receive:{ref}"
        assert w.store.outbox_rows([key])[key].state == "sent", "settled by the picking's mark on the next run"
    assert {q.category for q in w.store.list_quarantine(status="open")} == {"dependency"}, "not filed as refused"
    assert [p["state"] for n in ("PO-1", "PO-2") for p in pickings(w, n)] == \
        (["done", "done"] if lost == "timeout" else ["assigned", "assigned"])
    out = goods_receipt(source=export(tmp_path))  # the next run takes them up from where they wait
    assert {ref: r["status"] for ref, r in out["receipts"].items()} == {"GR-1": "applied", "GR-2": "applied"}
    assert received(w, "PO-1") == {1: 10.0, 2: 4.0} and received(w, "PO-2") == {1: 10.0}, "received exactly once"
    for ref, number in (("GR-1", "PO-1"), ("GR-2", "PO-2")):
        [picking] = pickings(w, number)
        assert picking["state"] == "done" and out["receipts"][ref]["odoo"] == picking["name"]
    assert set(outbox_states(w.store)) == {"done"} and w.store.list_quarantine(status="open") == []
