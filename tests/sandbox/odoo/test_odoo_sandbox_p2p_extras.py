"""Procure-to-pay extras of the Odoo sandbox through the real OdooClient over both protocols: the chatter
(trace e: message_post on a draft bill, mail.message, message_ids; the JSON-2 capture), analytic
accounting (plans, accounts, `analytic_distribution` from order line to bill line, unknown accounts
refused) and the inactive currency the middleware looks up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from odoo_sandbox_testkit import PROTOCOLS, Replay, capture, http, json2, make_client, trace

from ofm.connectors.odoo import OdooClient, OdooError
from ofm.sandbox.odoo import OdooSandbox


def normalize(text: str) -> str:
    """The captured server's clock and its posting user (ours posts as the integration user)."""
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<now>", text)
    return text.replace("Administrator", "<user>").replace("Integration", "<user>")


class ChatterReplay(Replay):
    """Replay of trace e: message ids are bound like created ids, `res_id` is a captured record id."""

    def step(self, step: dict[str, Any]) -> Any:
        if step["method"] == "message_post":
            got = self._send(step)
            assert isinstance(got, list) and len(got) == 1 and isinstance(got[0], int), (step["step"], got)
            self.bind("mail.message", step["result"][0], got[0])
            return got
        if step["model"] == "mail.message" and step["method"] == "search_read":
            domain = [[f, op, self.ours("account.move", v) if f == "res_id" else v] for f, op, v in step["args"][0]]
            result = [{**r, "res_id": self.ours("account.move", r["res_id"])} for r in step["result"]]
            return super().step({**step, "args": [domain], "result": result})
        return super().step(step)


@pytest.fixture(params=PROTOCOLS)
def sandbox_client(request: pytest.FixtureRequest) -> tuple[OdooSandbox, OdooClient]:
    sandbox = OdooSandbox()
    return sandbox, make_client(sandbox, request.param)


# -- chatter -----------------------------------------------------------------------------------
def test_trace_e_message_post_replays(sandbox_client: tuple[OdooSandbox, OdooClient]) -> None:
    """Every step of the capture: [id] answers, the stored bodies (escaped or HTML), the creation
    notification, subtypes, is_internal, record_name, and message_ids newest first."""
    _, client = sandbox_client
    player = ChatterReplay(client, normalize=normalize)
    for step in trace("traces/trace_e_message_post.json"):
        player.step(step)
    assert player.ours("mail.message", 7099) < player.ours("mail.message", 7102)


def test_message_post_over_raw_json2_answers_like_the_capture() -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, "json2")
    vendor = client.create("res.partner", [{"name": "V", "is_company": True}])[0]
    bill = client.create("account.move", [{"move_type": "in_invoice", "partner_id": vendor, "ref": "F-1",
                                           "invoice_line_ids": [[0, 0, {"name": "x", "quantity": 1,
                                                                        "price_unit": 10.0}]]}])[0]
    captured = capture("json2", "e_message_post_json2.json")
    body = {**captured["request"]["body"], "ids": [bill]}
    with http(sandbox) as raw:
        answer = json2(raw, "account.move", "message_post", body)
    assert answer.status_code == captured["http_status"]
    assert answer.headers["content-type"] == captured["response_headers"]["content-type"]
    assert re.fullmatch(r"\[\d+\]", answer.text) and re.fullmatch(r"\[\d+\]", captured["raw_body"])
    [message] = client.read("mail.message", answer.json(), ["body", "message_type", "subtype_id", "model", "res_id",
                                                            "author_id", "is_internal", "record_name"])
    assert message == {"id": answer.json()[0], "body": "<p>CT2 note via JSON-2</p>", "message_type": "comment",
                       "subtype_id": [2, "Note"], "model": "account.move", "res_id": bill,
                       "author_id": [client.read("res.users", [client.uid], ["partner_id"])[0]["partner_id"][0],
                                     "Integration"],
                       "is_internal": False, "record_name": "Draft Bill (F-1)"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_message_post_on_orders_and_receipts(protocol: str) -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    vendor = client.create("res.partner", [{"name": "V", "is_company": True}])[0]
    product = client.create("product.product", [{"name": "Chair", "type": "consu"}])[0]
    po = client.create("purchase.order", [{"partner_id": vendor, "order_line": [
        [0, 0, {"product_id": product, "product_qty": 2, "price_unit": 5.0}]]}])[0]
    client.call("purchase.order", "button_confirm", ids=[po])
    [picking] = client.read("purchase.order", [po], ["picking_ids"])[0]["picking_ids"]
    note = {"body": "Line 1: 4 < 10 & rest due", "message_type": "comment", "subtype_xmlid": "mail.mt_note"}
    [on_po] = client.call("purchase.order", "message_post", ids=[po], kwargs=note)
    [on_picking] = client.call("stock.picking", "message_post", ids=[picking],
                               kwargs={**note, "subtype_xmlid": "mail.mt_comment"})
    assert client.read("purchase.order", [po], ["message_ids"])[0]["message_ids"] == [on_po]
    assert client.read("stock.picking", [picking], ["message_ids"])[0]["message_ids"] == [on_picking]
    rows = client.search_read("mail.message", [("id", "in", [on_po, on_picking])],
                              ["body", "subtype_id", "model", "record_name"])
    assert [(r["body"], r["subtype_id"][1], r["model"], r["record_name"]) for r in rows] == [
        ("<p>Line 1: 4 &lt; 10 &amp; rest due</p>", "Note", "purchase.order", "P00001"),
        ("<p>Line 1: 4 &lt; 10 &amp; rest due</p>", "Discussions", "stock.picking", "WH/IN/00001")]


@pytest.mark.parametrize(("ids", "kwargs", "name", "message"), [
    ([1, 2], {"body": "x"}, "builtins.ValueError", "Expected singleton: account.move(1, 2)"),
    ([99], {"body": "x"}, "odoo.exceptions.MissingError", "Record does not exist or has been deleted"),
    ([1], {"body": "x", "subtype_xmlid": "mail.mt_nope"}, "builtins.ValueError",
     "External ID not found in the system: mail.mt_nope"),
    ([1], {"body": "x", "res_id": 3}, "builtins.ValueError", "not supported when posting"),
    ([1], {"body": "x", "message_type": "bogus"}, "builtins.ValueError", "Wrong value for mail.message.message_type"),
])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_message_post_refusals(protocol: str, ids: list[int], kwargs: dict[str, Any], name: str,
                               message: str) -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    vendor = client.create("res.partner", [{"name": "V", "is_company": True}])[0]
    client.create("account.move", [{"move_type": "in_invoice", "partner_id": vendor},
                                   {"move_type": "in_invoice", "partner_id": vendor}])
    before = len(sandbox.records("mail.message"))
    with pytest.raises(OdooError) as caught:
        client.call("account.move", "message_post", ids=ids, kwargs=kwargs)
    assert caught.value.server_name == name and message in caught.value.server_message
    assert len(sandbox.records("mail.message")) == before == 2  # the two creation notifications


def test_message_post_is_keyword_only_over_jsonrpc() -> None:
    client = make_client(OdooSandbox(), "jsonrpc")
    vendor = client.create("res.partner", [{"name": "V", "is_company": True}])[0]
    bill = client.create("account.move", [{"move_type": "in_invoice", "partner_id": vendor}])[0]
    with pytest.raises(OdooError, match="positional argument"):
        client.call("account.move", "message_post", args=[[bill], "body"])


def test_deleting_a_bill_deletes_its_messages() -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, "json2")
    vendor = client.create("res.partner", [{"name": "V", "is_company": True}])[0]
    keep, drop = client.create("account.move", [{"move_type": "in_invoice", "partner_id": vendor},
                                                {"move_type": "in_refund", "partner_id": vendor}])
    client.call("account.move", "message_post", ids=[drop], kwargs={"body": "gone soon", "message_type": "comment"})
    assert [m["body"] for m in sandbox.records("mail.message", [("res_id", "=", drop)], ["body"])] == \
        ["<p>Refund Created</p>", "<p>gone soon</p>"]
    client.call("account.move", "unlink", ids=[drop])
    assert [(m["res_id"], m["body"]) for m in sandbox.records("mail.message", fields=["res_id", "body"])] == \
        [(keep, "<p>Vendor Bill Created</p>")]


# -- analytic accounting -----------------------------------------------------------------------
def _accounts(client: OdooClient) -> tuple[int, int]:
    [plan] = client.search("account.analytic.plan", [("name", "=", "Cost Centers")])
    return tuple(client.create("account.analytic.account", [  # type: ignore[return-value]
        {"name": "Operations", "code": "CC-OPS", "plan_id": plan},
        {"name": "Engineering", "code": "CC-ENG", "plan_id": plan}]))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_seed_has_one_plan_and_no_analytic_accounts(protocol: str) -> None:
    client = make_client(OdooSandbox(), protocol)
    plans = client.search_read("account.analytic.plan", [], ["name", "display_name", "account_count"])
    assert plans == [{"id": 1, "name": "Cost Centers", "display_name": "Cost Centers", "account_count": 0}]
    assert client.search_count("account.analytic.account", []) == 0
    ops, _ = _accounts(client)
    [account] = client.read("account.analytic.account", [ops], ["display_name", "code", "plan_id", "active",
                                                                "company_id", "root_plan_id"])
    assert account == {"id": ops, "display_name": "[CC-OPS] Operations", "code": "CC-OPS",
                       "plan_id": [1, "Cost Centers"], "active": True, "company_id": [1, "Sandbox Company"],
                       "root_plan_id": [1, "Cost Centers"]}
    assert client.search("account.analytic.account", [("code", "in", ["CC-OPS", "CC-X"])]) == [ops]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_analytic_distribution_goes_from_order_line_to_bill_line(protocol: str) -> None:
    client = make_client(OdooSandbox(), protocol)
    ops, eng = _accounts(client)
    vendor = client.create("res.partner", [{"name": "V", "is_company": True}])[0]
    product = client.create("product.product", [{"name": "Chair", "type": "consu", "purchase_method": "purchase"}])[0]
    distribution = {str(ops): 60, str(eng): "40"}
    with pytest.raises(OdooError, match="must be a number"):
        client.create("purchase.order", [{"partner_id": vendor, "order_line": [
            [0, 0, {"product_id": product, "product_qty": 10, "price_unit": 120.0,
                    "analytic_distribution": distribution}]]}])
    distribution[str(eng)] = 40.004  # type: ignore[assignment]
    po = client.create("purchase.order", [{"partner_id": vendor, "origin": "PO-2026-0001", "order_line": [
        [0, 0, {"product_id": product, "product_qty": 10, "price_unit": 120.0, "sequence": 1,
                "analytic_distribution": distribution}]]}])[0]
    expected = {str(ops): 60.0, str(eng): 40.0}
    [line] = client.search_read("purchase.order.line", [("order_id", "=", po)], ["analytic_distribution"])
    assert line["analytic_distribution"] == expected
    client.call("purchase.order", "button_confirm", ids=[po])
    bill = client.call("purchase.order", "action_create_invoice", ids=[po])["res_id"]
    [bill_line] = client.search_read("account.move.line", [("move_id", "=", bill), ("display_type", "=", "product")],
                                     ["analytic_distribution", "purchase_line_id"])
    assert bill_line["analytic_distribution"] == expected and bill_line["purchase_line_id"][0] == line["id"]
    others = client.search_read("account.move.line", [("move_id", "=", bill), ("display_type", "!=", "product")],
                                ["analytic_distribution"])
    assert others and all(o["analytic_distribution"] is False for o in others)
    client.write("account.move.line", [bill_line["id"]], {"analytic_distribution": {str(ops): 100}})
    client.write("purchase.order.line", [line["id"]], {"analytic_distribution": False})
    assert client.read("account.move.line", [bill_line["id"]], ["analytic_distribution"])[0] == \
        {"id": bill_line["id"], "analytic_distribution": {str(ops): 100.0}}
    assert client.read("purchase.order.line", [line["id"]], ["analytic_distribution"])[0]["analytic_distribution"] \
        is False


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("distribution", [{"999": 100}, {"abc": 100}, [["1", 100]]])
def test_an_unknown_analytic_account_is_refused(protocol: str, distribution: Any) -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    ops, _ = _accounts(client)
    vendor = client.create("res.partner", [{"name": "V", "is_company": True}])[0]
    lines = [[0, 0, {"name": "ok", "quantity": 1, "price_unit": 5.0, "analytic_distribution": {str(ops): 100}}],
             [0, 0, {"name": "bad", "quantity": 1, "price_unit": 5.0, "analytic_distribution": distribution}]]
    with pytest.raises(OdooError) as caught:
        client.create("account.move", [{"move_type": "in_invoice", "partner_id": vendor, "invoice_line_ids": lines}])
    assert caught.value.server_name == "odoo.exceptions.ValidationError"
    assert "Invalid analytic distribution on account.move.line" in caught.value.server_message
    assert sandbox.records("account.move") == [] and sandbox.records("mail.message") == []  # all or nothing


# -- reference data ----------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_inactive_currencies_are_found_with_active_test_off(protocol: str) -> None:
    client = make_client(OdooSandbox(), protocol)
    domain = [("name", "in", ["EUR", "CZK"])]
    assert client.search_read("res.currency", domain, ["name", "active"]) == \
        [{"id": 1, "name": "EUR", "active": True}]
    found = client.call("res.currency", "search_read", args=[domain],
                        kwargs={"fields": ["name", "active"], "order": "id", "context": {"active_test": False}})
    assert [(c["name"], c["active"]) for c in found] == [("EUR", True), ("CZK", False)]
    archived = client.search_read("res.currency", [*domain, ("active", "=", False)], ["name"])
    assert [c["name"] for c in archived] == ["CZK"]
