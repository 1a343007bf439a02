"""Accounting in the Odoo sandbox: chart, journals, entries, invoices, posting and their errors.

Checked against the captured Odoo 19 server (odoo-contract/) through the real OdooClient over
both protocols: the journal-entry and customer-invoice traces are replayed step by step, the
captured error answers are compared status, class and message.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from odoo_sandbox_testkit import (
    INTEGRATION_UID,
    KEY,
    PROTOCOLS,
    Replay,
    captured_error,
    execute_kw,
    http,
    json2,
    make_client,
    trace,
)

from ofm.connectors.odoo import OdooAccessError, OdooClient, OdooMissingError, OdooUserError, OdooValidationError
from ofm.sandbox.odoo import ADMIN_UID, OdooSandbox
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN, post_invoice


def accounts(sandbox: OdooSandbox) -> dict[str, int]:
    return {r["code"]: r["id"] for r in sandbox.records("account.account", fields=["code"])}


@pytest.fixture(params=PROTOCOLS)
def setup(request: pytest.FixtureRequest) -> tuple[OdooSandbox, OdooClient]:
    sandbox = OdooSandbox()
    return sandbox, make_client(sandbox, request.param)


# -- chart and journals ------------------------------------------------------------------------
def test_chart_and_journals_are_seeded_like_the_captured_server() -> None:
    sandbox = OdooSandbox()
    journals = {r["code"]: r for r in sandbox.records("account.journal", fields=[
        "code", "name", "type", "default_account_id", "suspense_account_id", "currency_id", "bank_account_id"])}
    # ids and names as captured: Sales 1, Purchases 2, Miscellaneous Operations 3, Bank 6 (PBNK1 payments)
    assert {code: (j["id"], j["name"], j["type"]) for code, j in journals.items() if code in
            ("INV", "BILL", "MISC", "BNK1")} == {"INV": (1, "Sales", "sale"), "BILL": (2, "Purchases", "purchase"),
                                                 "MISC": (3, "Miscellaneous Operations", "general"),
                                                 "BNK1": (6, "Bank", "bank")}
    assert journals["INV"]["default_account_id"][1] == "400000 Product Sales"
    assert journals["BILL"]["default_account_id"][1] == "600000 Expenses"
    assert journals["BNK1"]["default_account_id"][1] == "101401 Bank"
    assert journals["BNK1"]["suspense_account_id"][1] == "101402 Bank Suspense Account"
    assert journals["BNK1"]["currency_id"] is False and journals["BNK1"]["bank_account_id"] is False
    rows = {r["code"]: r for r in sandbox.records("account.account", fields=["code", "display_name", "account_type",
                                                                               "reconcile"])}
    captured = {"101402": "Bank Suspense Account", "101404": "Outstanding Payments", "121000": "Account Receivable",
                "131000": "Tax Paid", "201000": "Current Liabilities", "211000": "Account Payable",
                "400000": "Product Sales", "600000": "Expenses", "612000": "Rent"}
    assert all(rows[code]["display_name"] == f"{code} {name}" for code, name in captured.items())
    assert (rows["121000"]["account_type"], rows["121000"]["reconcile"]) == ("asset_receivable", True)
    assert (rows["211000"]["account_type"], rows["211000"]["reconcile"]) == ("liability_payable", True)
    assert (rows["101402"]["account_type"], rows["101402"]["reconcile"]) == ("asset_current", False)
    assert rows["626000"]["display_name"] == "626000 Bank Fees" and rows["626000"]["account_type"] == "expense"


def test_the_company_bank_account_on_bnk1_is_opt_in() -> None:
    sandbox = OdooSandbox(company_iban=COMPANY_IBAN)
    [bnk1] = sandbox.records("account.journal", [("code", "=", "BNK1")], ["bank_account_id", "bank_acc_number"])
    printed = " ".join(COMPANY_IBAN[i:i + 4] for i in range(0, len(COMPANY_IBAN), 4))  # as Odoo stores an IBAN
    assert bnk1["bank_acc_number"] == printed and bnk1["bank_account_id"][1] == printed
    [company] = sandbox.records("res.company", fields=["partner_id"])
    [bank] = sandbox.records("res.partner.bank", fields=["partner_id", "acc_number"])
    assert bank["partner_id"][0] == company["partner_id"][0]
    assert OdooSandbox().records("res.partner.bank") == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_new_bank_journal_gets_its_account_like_odoo(protocol: str) -> None:
    """flow_trace "create bank journal" / "read bank journal" (created as the administrator, as captured)."""
    sandbox = OdooSandbox()
    steps = {s["step"]: s for s in trace("flow_trace.json")}
    replay = Replay(make_client(sandbox, protocol), normalize=lambda text: re.sub(r"\b1014\d\d\b", "1014xx", text))
    create = steps["create bank journal"]
    replay.bind("account.journal", create["result"], sandbox.create("account.journal", [create["args"][0]])[0])
    replay.step(steps["read bank journal"])
    [journal] = sandbox.records("account.journal", [("code", "=", "H1126")], ["default_account_id"])
    assert journal["default_account_id"][1] == "101405 Harness Bank 101126"  # 101401-101404 are the chart's
    [other] = sandbox.create("account.journal", [{"name": "Second Bank", "type": "bank"}])
    [row] = sandbox.records("account.journal", [("id", "=", other)], ["code", "default_account_id"])
    assert (row["code"], row["default_account_id"][1]) == ("BNK2", "101406 Second Bank")


def test_a_bank_journal_without_a_name_fails_on_its_account_like_the_capture() -> None:
    """errors_jsonrpc/missing_required_field.json: the journal's account is created first and needs a name."""
    data, status = captured_error("errors_jsonrpc", "missing_required_field.json")
    with http(OdooSandbox()) as client:
        response = execute_kw(client, "account.journal", "create", [{"type": "bank"}], uid=ADMIN_UID,
                              password="admin")
    got = response.json()["error"]["data"]
    assert response.status_code == status
    assert (got["name"], got["message"], got["arguments"]) == (data["name"], data["message"], data["arguments"])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_user_who_may_not_create_accounts_cannot_create_a_bank_journal(protocol: str) -> None:
    """errors_jsonrpc/accesserror_lowpriv_create_journal.json: refused on account.account, as captured."""
    data, _ = captured_error("errors_jsonrpc", "accesserror_lowpriv_create_journal.json")
    client = make_client(OdooSandbox(), protocol, max_attempts=1)
    with pytest.raises(OdooAccessError) as caught:
        client.create("account.journal", [{"name": "x", "type": "bank", "code": "ZZ"}])
    assert (caught.value.server_name, caught.value.server_message) == (data["name"], data["message"])


# -- journal entries (trace_f) ---------------------------------------------------------------------
def _entry_replay(sandbox: OdooSandbox, client: OdooClient) -> Replay:
    replay = Replay(client)
    codes = accounts(sandbox)
    for theirs, code in ((35, "612000"), (14, "201000"), (32, "600000")):  # as the captured lines read them
        replay.bind("account.account", theirs, codes[code])
    return replay


def test_journal_entry_trace_is_replayed(setup: tuple[OdooSandbox, OdooClient]) -> None:
    """traces/trace_f_journal_entry.json: find MISC, balanced entry, post, read it back, unbalanced entry fails."""
    sandbox, client = setup
    replay = _entry_replay(sandbox, client)
    for step in trace("traces/trace_f_journal_entry.json"):
        replay.step(step)
    assert len(sandbox.env["account.move"]) == 1  # the unbalanced one left nothing behind


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_unbalanced_entry_answers_like_the_capture(protocol: str) -> None:
    data, status = captured_error("errors_jsonrpc", "f_unbalanced_entry_create.json")
    sandbox = OdooSandbox()
    codes = accounts(sandbox)
    vals = {"move_type": "entry", "journal_id": 3, "date": "2026-11-22", "ref": "UNBAL", "line_ids": [
        [0, 0, {"account_id": codes["612000"], "name": "x", "debit": 100.0, "credit": 0.0}],
        [0, 0, {"account_id": codes["201000"], "name": "x", "debit": 0.0, "credit": 90.0}]]}
    with http(sandbox) as client:
        response = json2(client, "account.move", "create", {"vals_list": [vals]}) if protocol == "json2" else \
            execute_kw(client, "account.move", "create", [vals])
    got = response.json() if protocol == "json2" else response.json()["error"]["data"]
    assert response.status_code == (422 if protocol == "json2" else status)
    assert (got["name"], got["message"], got["arguments"]) == (data["name"], data["message"], data["arguments"])
    assert len(sandbox.env["account.move"]) == 0 and len(sandbox.env["account.move.line"]) == 0


# -- customer invoices (trace_j) -------------------------------------------------------------------
def test_customer_invoice_trace_is_replayed(setup: tuple[OdooSandbox, OdooClient]) -> None:
    """traces/trace_j_customer_invoice.json (tax_ids left out: the sandbox serves no taxes)."""
    sandbox, client = setup
    replay = Replay(client, skip_fields=("tax_ids",))
    for step in trace("traces/trace_j_customer_invoice.json"):
        replay.step(step)
    [move] = sandbox.records("account.move", fields=["payment_reference", "name", "amount_residual"])
    assert move["payment_reference"] == move["name"] == "INV/2026/00001" and move["amount_residual"] == 100.0


def test_invoice_lines_totals_and_counterpart(setup: tuple[OdooSandbox, OdooClient]) -> None:
    sandbox, client = setup
    [customer, vendor] = client.create("res.partner", [{"name": "C", "is_company": True},
                                                       {"name": "V", "is_company": True}])
    cases = {"out_invoice": (customer, "121000", -1), "out_refund": (customer, "121000", 1),
             "in_invoice": (vendor, "211000", 1), "in_refund": (vendor, "211000", -1)}
    for kind, (partner, code, sign) in cases.items():
        [move] = client.create("account.move", [{
            "move_type": kind, "partner_id": partner, "invoice_date": "2026-11-22",
            "invoice_line_ids": [(0, 0, {"name": "a", "quantity": 2, "price_unit": 30.0}),
                                 (0, 0, {"name": "b", "quantity": 1, "price_unit": 50.0, "discount": 10.0,
                                         "tax_ids": [(6, 0, [])]})]}])
        [row] = client.read("account.move", [move], ["amount_untaxed", "amount_tax", "amount_total", "amount_residual",
                                                     "invoice_line_ids", "line_ids", "payment_state", "state"])
        assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (105.0, 0.0, 105.0), kind
        assert (row["amount_residual"], row["payment_state"], row["state"]) == (105.0, "not_paid", "draft"), kind
        assert len(row["invoice_line_ids"]) == 2 and len(row["line_ids"]) == 3
        lines = client.read("account.move.line", row["line_ids"], ["balance", "account_id", "display_type",
                                                                   "partner_id", "price_subtotal"])
        [term] = [line for line in lines if line["display_type"] == "payment_term"]
        assert term["account_id"][1].startswith(code) and term["partner_id"][0] == partner
        assert term["balance"] == -sign * 105.0 and sum(line["balance"] for line in lines) == 0.0
        assert sorted(line["price_subtotal"] for line in lines if line["display_type"] == "product") == [45.0, 60.0]
    # editing a draft invoice's lines re-balances its counterpart
    [inv] = client.search("account.move", [("move_type", "=", "out_invoice")])
    client.write("account.move", [inv], {"invoice_line_ids": [(0, 0, {"name": "c", "price_unit": 15.0})]})
    [row] = client.read("account.move", [inv], ["amount_total", "line_ids"])
    assert row["amount_total"] == 120.0 and len(row["line_ids"]) == 4
    # an invoice line without a product may carry taxes too (Odoo accepts them), and so may a journal entry's
    [taxed] = client.create("account.move", [{"move_type": "out_invoice", "partner_id": customer, "invoice_line_ids": [
        (0, 0, {"name": "t", "price_unit": 10.0, "tax_ids": [(6, 0, [1])]})]}])
    [row] = client.read("account.move", [taxed], ["amount_untaxed", "amount_tax", "amount_total"])
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (10.0, 1.5, 11.5)
    [entry] = client.create("account.move", [{"move_type": "entry", "line_ids": [
        (0, 0, {"name": "t", "balance": 10.0, "account_id": 1, "tax_ids": [(6, 0, [1])]}),
        (0, 0, {"name": "t", "balance": -11.5, "account_id": 1})]}])  # Odoo adds the tax line (1.5): balanced
    assert len(client.read("account.move", [entry], ["line_ids"])[0]["line_ids"]) == 3


def test_numbers_are_given_at_posting_per_journal_and_period(setup: tuple[OdooSandbox, OdooClient]) -> None:
    sandbox, client = setup
    [partner] = client.create("res.partner", [{"name": "P", "is_company": True}])
    specs = [("out_invoice", "2026-11-22"), ("out_invoice", "2026-12-01"), ("out_refund", "2026-12-01"),
             ("in_invoice", "2026-11-22"), ("in_invoice", "2026-12-01"), ("in_refund", "2026-12-02"),
             ("out_invoice", "2027-01-03")]
    ids = [post_invoice(client, partner, 10.0, kind, date=day) for kind, day in specs]
    names = [r["name"] for r in client.read("account.move", ids, ["name"])]
    assert names == ["INV/2026/00001", "INV/2026/00002", "RINV/2026/00001", "BILL/2026/11/0001",
                     "BILL/2026/12/0001", "RBILL/2026/12/0001", "INV/2027/00001"]
    [draft] = client.create("account.move", [{"move_type": "out_invoice", "partner_id": partner,
                                              "invoice_date": "2026-12-15", "ref": "PO-7",
                                              "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 5.0})]}])
    assert client.read("account.move", [draft], ["name", "display_name"]) == [
        {"id": draft, "name": False, "display_name": f"Draft Invoice (* {draft}) (PO-7)"}]
    client.call("account.move", "button_draft", ids=[ids[0]])
    assert client.read("account.move", [ids[0]], ["name", "state"])[0] == {"id": ids[0], "name": "INV/2026/00001",
                                                                          "state": "draft"}
    client.call("account.move", "action_post", ids=[ids[0], draft])  # keeps its number; the new one gets the next
    assert [r["display_name"] for r in client.read("account.move", [ids[0], draft], ["display_name"])] == \
        ["INV/2026/00001", "INV/2026/00003 (PO-7)"]
    assert len(sandbox.env["account.move"]) == len(specs) + 1


# -- posting checks, over both protocols and against the captures -------------------------------------
def _bill(sandbox: OdooSandbox, lines: bool = True, dated: bool = True) -> int:
    [vendor] = sandbox.create("res.partner", [{"name": "Vendor", "is_company": True}])
    vals: dict[str, Any] = {"move_type": "in_invoice", "partner_id": vendor, "ref": "V-1"}
    if lines:
        vals["invoice_line_ids"] = [(0, 0, {"name": "Widget", "quantity": 1, "price_unit": 71.88})]
    if dated:
        vals["invoice_date"] = "2026-11-22"
    return sandbox.create("account.move", [vals])[0]


POST_CAPTURES = [  # (folder, capture, the bill: has lines, has a date, already posted)
    ("errors_jsonrpc", "usererror_post_bill_without_lines.json", (False, True, False)),
    ("errors_jsonrpc", "post_bill_without_invoice_date.json", (True, False, False)),
    ("json2", "err_usererror_post_empty_bill.json", (False, True, False)),
    ("json2", "l_action_post_bill_without_date.json", (True, False, False)),
    ("json2", "l_action_post_already_posted.json", (True, True, True)),
    ("json2", "l_action_post_draft_bill.json", (True, True, False)),
]


@pytest.mark.parametrize(("folder", "name", "bill"), POST_CAPTURES, ids=[c[1] for c in POST_CAPTURES])
def test_action_post_answers_like_the_captures(folder: str, name: str, bill: tuple[bool, bool, bool]) -> None:
    sandbox = OdooSandbox()
    lines, dated, posted = bill
    move = _bill(sandbox, lines, dated)
    if posted:
        sandbox.call("account.move", "action_post", ids=[move])
    with http(sandbox) as client:
        response = json2(client, "account.move", "action_post", {"ids": [move]}) if folder == "json2" else \
            execute_kw(client, "account.move", "action_post", [[move]])
    if name == "l_action_post_draft_bill.json":
        assert (response.status_code, response.json()) == (200, False)
        assert sandbox.records("account.move", fields=["state"])[0]["state"] == "posted"
        return
    data, status = captured_error(folder, name)
    got = response.json() if folder == "json2" else response.json()["error"]["data"]
    expected = data["message"]
    if posted:  # "The entry BILL/2026/11/0012 (id 830) must be in draft." names the sandbox's bill
        expected = expected.replace("BILL/2026/11/0012", "BILL/2026/11/0001").replace("id 830", f"id {move}")
    assert response.status_code == status
    assert (got["name"], got["message"], got["arguments"]) == (data["name"], expected, [expected])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_action_post_errors_through_the_client(protocol: str) -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol, max_attempts=1)
    cases = [(_bill(sandbox, lines=False), "Even magicians can't post nothing!"),
             (_bill(sandbox, dated=False), "The Bill/Refund date is required to validate this document.")]
    [nobody] = sandbox.create("account.move", [{"move_type": "out_invoice", "invoice_line_ids": [
        (0, 0, {"name": "x", "price_unit": 10.0})]}])
    cases.append((nobody, "The 'Customer' field is required to validate the invoice.\nYou probably don't want to "
                          "explain to your auditor that you invoiced an invisible man :)"))
    [customer] = sandbox.create("res.partner", [{"name": "C"}])
    [negative] = sandbox.create("account.move", [{"move_type": "out_invoice", "partner_id": customer,
                                                  "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": -10.0})]}])
    cases.append((negative, "You cannot validate an invoice with a negative total amount. You should create a credit "
                            "note instead. Use the action menu to transform it into a credit note or refund."))
    for move, message in cases:
        with pytest.raises(OdooUserError) as caught:
            client.call("account.move", "action_post", ids=[move])
        assert caught.value.server_message == message
        assert caught.value.http_status == (422 if protocol == "json2" else 200)
    undated = sandbox.create("account.move", [{"move_type": "out_invoice", "partner_id": customer,
                                               "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 10.0})]}])
    assert client.call("account.move", "action_post", ids=undated) is False  # a customer invoice is dated today
    [row] = client.read("account.move", undated, ["invoice_date", "date", "state"])
    assert row["invoice_date"] == row["date"] == sandbox.env.now()[:10] and row["state"] == "posted"
    with pytest.raises(OdooMissingError, match=r"Record does not exist or has been deleted"):
        client.call("account.move", "action_post", ids=[424242])


def test_a_posted_move_refuses_its_protected_fields(setup: tuple[OdooSandbox, OdooClient]) -> None:
    """errors_jsonrpc/g_write_date_into_locked_period.json: the readonly-on-posted check (no lock date needed)."""
    sandbox, client = setup
    data, _ = captured_error("errors_jsonrpc", "g_write_date_into_locked_period.json")
    move = _bill(sandbox)
    client.call("account.move", "action_post", ids=[move])
    with pytest.raises(OdooUserError) as caught:
        client.write("account.move", [move], {"date": "2026-10-15"})
    assert (caught.value.server_name, caught.value.server_message) == (data["name"], data["message"])
    assert client.write("account.move", [move], {"ref": "V-2", "narration": "<p>ok</p>"}) is True
    [line] = client.search_read("account.move.line", [("move_id", "=", move), ("display_type", "=", "payment_term")],
                                ["ref"])
    assert line["ref"] == "V-2"  # the items carry their entry's reference
    with pytest.raises(OdooUserError, match="You can't delete a posted journal item"):
        client.call("account.move", "unlink", ids=[move])
    with pytest.raises(OdooUserError, match="Only posted/cancelled journal entries can be reset to draft."):
        client.call("account.move", "button_draft", ids=[_bill(sandbox)])
    assert client.call("account.move", "button_cancel", ids=[move]) is None
    assert client.read("account.move", [move], ["state", "payment_state"])[0]["state"] == "cancel"
    draft = _bill(sandbox)
    assert client.call("account.move", "unlink", ids=[draft]) is True
    assert client.read("account.move", [draft], ["name"]) == []


def test_moves_default_their_journal_date_and_currency(setup: tuple[OdooSandbox, OdooClient]) -> None:
    sandbox, client = setup
    [partner] = client.create("res.partner", [{"name": "P", "is_company": True}])
    ids = client.create("account.move", [{"move_type": kind, "partner_id": partner} for kind in
                                         ("out_invoice", "in_invoice", "entry")])
    rows = client.read("account.move", ids, ["journal_id", "date", "currency_id", "company_id", "invoice_line_ids"])
    assert [r["journal_id"][1] for r in rows] == ["Sales", "Purchases", "Miscellaneous Operations"]
    assert all(r["date"] == sandbox.env.now()[:10] and r["currency_id"][1] == "EUR" for r in rows)
    assert client.create("account.move", [{"move_type": "entry"}], context={"default_journal_id": 4}) and \
        sandbox.env["account.move"].rows[max(sandbox.env["account.move"].rows)]["journal_id"] == 4
    with pytest.raises(OdooValidationError, match="Cannot create a sale document in a non sale journal"):
        client.create("account.move", [{"move_type": "out_invoice", "journal_id": 2, "partner_id": partner}])


def test_duplicate_vendor_references_post_and_are_only_listed(setup: tuple[OdooSandbox, OdooClient]) -> None:
    """traces/trace_d_duplicate_vendor_ref.json: Odoo posts them all; duplicated_ref_ids lists the others."""
    _, client = setup
    [vendor] = client.create("res.partner", [{"name": "Vendor D", "is_company": True, "supplier_rank": 1}])
    bills = [post_invoice(client, vendor, amount, "in_invoice", ref="CT2-DUP", date="2026-11-22")
             for amount in (100.0, 120.0, 100.0)]
    rows = client.read("account.move", bills, ["state", "duplicated_ref_ids"])
    assert [r["state"] for r in rows] == ["posted"] * 3
    assert [r["duplicated_ref_ids"] for r in rows] == [bills[1:], [bills[0], bills[2]], bills[:2]]


def test_payment_reference_follows_the_journal_communication_standard() -> None:
    sandbox = OdooSandbox()
    [partner] = sandbox.create("res.partner", [{"name": "P", "is_company": True}])
    sandbox.env.write("account.journal", [1], {"invoice_reference_model": "euro"})
    move = post_invoice(sandbox, partner, 10.0, date="2026-11-22")
    assert sandbox.records("account.move", fields=["payment_reference"])[0]["payment_reference"] == \
        f"RF{(98 - 100 * int(''.join(str(int(c, 36)) for c in f'{move}RF'))) % 97:02d} {move}"
    given = post_invoice(sandbox, partner, 10.0, payment_reference="RF18 5390 0754 7034")
    assert sandbox.records("account.move", [("id", "=", given)], ["payment_reference"])[0]["payment_reference"] == \
        "RF18 5390 0754 7034"


def test_the_integration_user_reads_the_chart_but_may_not_change_it() -> None:
    sandbox = OdooSandbox()
    client = make_client(sandbox, "json2", max_attempts=1)
    assert client.search_count("account.account", []) == len(sandbox.env["account.account"])
    with pytest.raises(OdooAccessError, match=r"not allowed to modify 'Account' \(account.account\)"):
        client.write("account.account", [1], {"name": "x"})
    with http(sandbox) as raw:
        answer = execute_kw(raw, "account.journal", "write", [[1], {"name": "x"}], uid=INTEGRATION_UID, password=KEY)
    assert answer.json()["error"]["data"]["name"] == "odoo.exceptions.AccessError"
