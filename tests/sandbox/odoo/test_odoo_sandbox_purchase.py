"""Purchase, receipts and bills from orders in the Odoo sandbox, replayed from the captured Odoo 19
traces through the real OdooClient over both protocols: flow_trace.json (purchase -> receipt -> bill),
partial receipts with and without backorder (a1, a2), amendments and cancellations (b, errors b4/b5),
a bill created directly on a purchase line (c)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from odoo_sandbox_testkit import PROTOCOLS, Replay, capture, captured_error, execute_kw, http, json2, make_client, trace

from ofm.connectors.odoo import OdooClient, OdooError, OdooUserError
from ofm.sandbox.odoo import OdooSandbox

SKIP = ("backorder_confirmation_line_ids",)


def normalize(text: str) -> str:
    """What depends on the captured database's history: sequence numbers, timestamps, its company."""
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<now>", text)
    text = re.sub(r"\b(P|WH/IN/|BILL/\d{4}/\d\d/)\d+", r"\1#", text)
    return text.replace("USD", "EUR").replace("My Company", "Sandbox Company")


class PurchaseReplay(Replay):
    """Replay with the steps whose answers carry ids (actions) or need the wizard's context."""

    def step(self, step: dict[str, Any]) -> Any:
        model, method = step["model"], step["method"]
        if model == "stock.backorder.confirmation" and method == "create":
            context = step["kwargs"]["context"]
            picks = [[4, self.ours("stock.picking", c[1])] for c in context["default_pick_ids"]]
            got = self.client.create(model, [{"pick_ids": picks, "show_transfers": False}])
            self.bind(model, step["result"], got[0])
            return got
        if model == "stock.backorder.confirmation" and method in ("process", "process_cancel_backorder"):
            ctx = step["kwargs"]["context"]  # the wizard acts on the context's pickings: ours, not the captured ids
            context = {**ctx, "button_validate_picking_ids":
                       self.ours("stock.picking", ctx["button_validate_picking_ids"]),
                       "default_pick_ids": [[4, self.ours("stock.picking", c[1])] for c in ctx["default_pick_ids"]]}
            got = self.client.call(model, method, ids=self.ours(model, step["args"][0]), kwargs={"context": context})
            self.same(step, got)
            return got
        if "error" in step:  # the message names the order: its number is the sandbox's
            with pytest.raises(OdooError) as caught:
                self._send(step)
            assert (caught.value.server_name, normalize(caught.value.server_message)) == \
                (step["error"]["name"], normalize(step["error"]["message"])), step["step"]
            return None
        if method == "search_read":  # the domain's many2one values are captured ids
            fields = self.schema[model].fields
            domain = [[f, op, self.ours(fields[f].relation or "", v) if fields[f].type == "many2one" else v]
                      for f, op, v in step["args"][0]]
            return super().step({**step, "args": [domain, *step["args"][1:]]})
        if isinstance(step.get("result"), dict) and "res_model" in step["result"]:
            got = self._send(step)
            expected = dict(step["result"])
            if "res_id" in expected:
                self.bind(expected["res_model"], expected.pop("res_id"), got.pop("res_id"))
                expected["context"] = {**expected["context"], "default_partner_id":
                                       self.ours("res.partner", expected["context"]["default_partner_id"])}
            else:
                ctx = expected["context"]
                expected["context"] = {**ctx, "button_validate_picking_ids":
                                       self.ours("stock.picking", ctx["button_validate_picking_ids"]),
                                       "default_pick_ids": [[4, self.ours("stock.picking", c[1])]
                                                            for c in ctx["default_pick_ids"]]}
            assert got == expected, (step["step"], got, expected)
            return got
        return super().step(step)


def replay(client: OdooClient, name: str, until: str | None = None, skip: tuple[str, ...] = ()) -> PurchaseReplay:
    player = PurchaseReplay(client, normalize=normalize, skip_fields=SKIP)
    for step in trace(name):
        if step["model"] in ("mail.activity",) or step["step"] in skip:
            continue
        player.step(step)
        if step["step"] == until:
            break
    return player


@pytest.fixture(params=PROTOCOLS)
def client(request: pytest.FixtureRequest) -> OdooClient:
    return make_client(OdooSandbox(), request.param)


def test_flow_trace_purchase_receipt_bill(client: OdooClient) -> None:
    replay(client, "flow_trace.json", until="read bill lines")


def test_partial_receipt_with_backorder(client: OdooClient) -> None:
    replay(client, "traces/trace_a1_partial_receipt_create_backorder.json")


def test_partial_receipt_without_backorder(client: OdooClient) -> None:
    player = PurchaseReplay(client, normalize=normalize, skip_fields=SKIP)
    for step in trace("traces/trace_a1_partial_receipt_create_backorder.json")[:2]:  # a2 reuses a1's vendor/product
        player.step(step)
    for step in trace("traces/trace_a2_partial_receipt_no_backorder.json"):
        player.step(step)


def test_po_amendment_and_cancellations(client: OdooClient) -> None:
    replay(client, "traces/trace_b_po_amendment.json")


def test_direct_bill_linked_to_po_line(client: OdooClient) -> None:
    replay(client, "traces/trace_c_direct_bill_linked_to_po_line.json")


@pytest.mark.parametrize("name", ["b4_cancel_received_billed_po.json", "b5_cancel_locked_po.json"])
def test_cancel_errors_are_the_captured_ones(client: OdooClient, name: str) -> None:
    error, _status = captured_error("errors_jsonrpc", name)
    sandbox_client = client
    player = PurchaseReplay(sandbox_client, normalize=normalize, skip_fields=SKIP)
    steps = trace("traces/trace_b_po_amendment.json")
    stop = "b4 button_cancel on received + billed PO" if name.startswith("b4") else "b5 button_cancel on locked PO"
    for step in steps:
        if step["model"] == "mail.activity":
            continue
        if step["step"] == stop:
            po = player.ours("purchase.order", step["args"][0])
            with pytest.raises(OdooUserError) as caught:
                sandbox_client.call("purchase.order", "button_cancel", ids=po)
            assert (caught.value.server_name, normalize(caught.value.server_message)) == \
                (error["name"], normalize(error["message"]))
            return
        player.step(step)


def test_bill_quantities_follow_the_control_policy() -> None:
    """purchase_method 'purchase' bills the ordered quantity before any receipt; 'receive' refuses."""
    sandbox = OdooSandbox()
    client = make_client(sandbox, "json2")
    vendor = client.create("res.partner", [{"name": "V", "is_company": True}])[0]
    ordered, received = client.create("product.product", [
        {"name": "Service-like", "type": "consu", "purchase_method": "purchase", "supplier_taxes_id": [[6, 0, [3]]]},
        {"name": "Goods", "type": "consu", "is_storable": True}])
    po = client.create("purchase.order", [{"partner_id": vendor, "order_line": [
        [0, 0, {"product_id": ordered, "product_qty": 3, "price_unit": 10.0}]]}])[0]
    [row] = client.read("purchase.order", [po], ["amount_untaxed", "amount_tax", "amount_total", "receipt_status"])
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"], row["receipt_status"]) == \
        (30.0, 5.7, 35.7, False)
    client.call("purchase.order", "button_confirm", ids=[po])
    action = client.call("purchase.order", "action_create_invoice", ids=[po])
    [bill] = client.read("account.move", [action["res_id"]], ["amount_total", "invoice_origin", "invoice_line_ids"])
    assert (bill["amount_total"], bill["invoice_origin"]) == (35.7, "P00001")
    [line] = client.read("purchase.order.line", client.search("purchase.order.line", [("order_id", "=", po)]),
                         ["qty_invoiced", "qty_to_invoice"])
    assert (line["qty_invoiced"], line["qty_to_invoice"]) == (3.0, 0.0)
    po2 = client.create("purchase.order", [{"partner_id": vendor, "order_line": [
        [0, 0, {"product_id": received, "product_qty": 2, "price_unit": 4.0}]]}])[0]
    client.call("purchase.order", "button_confirm", ids=[po2])
    with pytest.raises(OdooUserError, match="no invoiceable line"):
        client.call("purchase.order", "action_create_invoice", ids=[po2])


def _order(client: OdooClient, *lines: tuple[float, float, int]) -> tuple[int, int]:
    """A vendor and a confirmed order of storable goods: (order id, vendor id); lines (qty, price, tax id)."""
    vendor = client.create("res.partner", [{"name": "Vendor", "is_company": True, "supplier_rank": 1}])[0]
    product = client.create("product.product", [{"name": "Widget", "type": "consu", "is_storable": True,
                                                 "default_code": "W1"}])[0]
    po = client.create("purchase.order", [{"partner_id": vendor, "order_line": [
        [0, 0, {"product_id": product, "product_qty": qty, "price_unit": price, "tax_ids": [[6, 0, [tax]]]}]
        for qty, price, tax in lines]}])[0]
    return po, vendor


def test_button_confirm_over_json2_answers_like_the_capture() -> None:
    sandbox = OdooSandbox()
    po, _ = _order(make_client(sandbox, "json2"), (1, 5.0, 2))
    with http(sandbox) as raw:
        for name in ("l_button_confirm_draft_po.json", "l_button_confirm_again_confirmed_po.json"):
            captured = capture("json2", name)
            answer = json2(raw, "purchase.order", "button_confirm", {"ids": [po]})
            assert (answer.status_code, answer.text) == (captured["http_status"], captured["raw_body"])
    assert len(sandbox.records("stock.picking")) == 1  # confirming again creates nothing


def test_button_cancel_answers_none_over_jsonrpc() -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, "json2")
    po, _ = _order(client, (2, 5.0, 2))
    client.call("purchase.order", "button_confirm", ids=[po])
    with http(sandbox) as raw:
        body = execute_kw(raw, "purchase.order", "button_cancel", [[po]]).json()
    assert "result" not in body and "error" not in body
    [order] = sandbox.records("purchase.order", fields=["state", "receipt_status", "invoice_status"])
    assert (order["state"], order["receipt_status"], order["invoice_status"]) == ("cancel", False, "no")
    assert [p["state"] for p in sandbox.records("stock.picking", fields=["state"])] == ["cancel"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_bill_from_po_has_one_tax_line_per_tax(protocol: str) -> None:
    """Seeded 19 %, 7 % and 0 % purchase taxes: rounded per line, one tax line each (0 % gives none)."""
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    po, _ = _order(client, (3, 9.99, 3), (2, 4.5, 4), (1, 10.0, 5))
    [order] = client.read("purchase.order", [po], ["amount_untaxed", "amount_tax", "amount_total"])
    assert (order["amount_untaxed"], order["amount_tax"], order["amount_total"]) == (48.97, 6.32, 55.29)
    client.call("purchase.order", "button_confirm", ids=[po])
    [picking] = client.read("purchase.order", [po], ["picking_ids"])[0]["picking_ids"]
    assert client.call("stock.picking", "button_validate", ids=[picking]) is True  # nothing picked: all of it
    bill = client.call("purchase.order", "action_create_invoice", ids=[po])["res_id"]
    [move] = client.read("account.move", [bill], ["amount_untaxed", "amount_tax", "amount_total", "invoice_origin",
                                                  "line_ids"])
    assert (move["amount_untaxed"], move["amount_tax"], move["amount_total"], move["invoice_origin"]) == \
        (48.97, 6.32, 55.29, "P00001")
    lines = client.read("account.move.line", move["line_ids"], ["display_type", "name", "balance", "account_id"])
    taxes = sorted((line["name"], line["balance"], line["account_id"][1]) for line in lines
                   if line["display_type"] == "tax")
    assert taxes == [("19%", 5.69, "131000 Tax Paid"), ("7%", 0.63, "131000 Tax Paid")]
    [status] = client.read("purchase.order", [po], ["invoice_status", "receipt_status"])
    assert (status["invoice_status"], status["receipt_status"]) == ("invoiced", "full")
    client.call("account.move", "button_cancel", ids=[bill])
    assert client.read("purchase.order", [po], ["invoice_status"])[0]["invoice_status"] == "to invoice"


def test_a_line_added_to_a_confirmed_order_is_received_with_it() -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, "jsonrpc")
    po, _ = _order(client, (2, 5.0, 2))
    client.call("purchase.order", "button_confirm", ids=[po])
    product = sandbox.records("product.product", fields=["id"])[0]["id"]
    client.write("purchase.order", [po], {"order_line": [[0, 0, {"product_id": product, "product_qty": 1,
                                                                 "price_unit": 2.0}]]})
    [picking] = sandbox.records("stock.picking", fields=["move_ids", "state"])
    assert len(picking["move_ids"]) == 2 and picking["state"] == "assigned"
