"""Bank reconciliation in the Odoo sandbox: statement lines, retargeting, reconcile, open items.

The captured bank flow (flow_trace.json from "create bank journal" on) is replayed end to end
through the real client over both protocols; the other cases follow Odoo 19's reconciliation
rules (partials, full reconciles, payment states) and the captured open-items read (trace_i).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from odoo_sandbox_testkit import PROTOCOLS, Replay, make_client, trace

from ofm.connectors.odoo import OdooClient, OdooRequestError, OdooUserError, OdooValidationError
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo.accounting_fixtures import OPEN_ITEM_FIELDS, OPEN_ITEMS_DOMAIN, post_invoice, post_invoices

LINE = "account.move.line"
BNK1 = 6


@pytest.fixture(params=PROTOCOLS)
def setup(request: pytest.FixtureRequest) -> tuple[OdooSandbox, OdooClient]:
    sandbox = OdooSandbox()
    return sandbox, make_client(sandbox, request.param)


def account(client: OdooClient, code: str) -> int:
    return client.search("account.account", [("code", "=", code)])[0]


def counterpart(client: OdooClient, move: int) -> int:
    """The receivable/payable line of an invoice."""
    return client.search(LINE, [("move_id", "=", move), ("display_type", "=", "payment_term")])[0]


def statement_line(client: OdooClient, partner: int, amount: float, ref: str = "Payment", **extra: Any) -> int:
    return client.create("account.bank.statement.line", [{"journal_id": BNK1, "date": "2026-11-23", "payment_ref": ref,
                                                           "partner_id": partner, "amount": amount, **extra}])[0]


def suspense_line(client: OdooClient, st_line: int) -> int:
    [row] = client.read("account.bank.statement.line", [st_line], ["line_ids"])
    return client.search(LINE, [("id", "in", row["line_ids"]), ("account_id.code", "=", "101402")])[0]


def match(client: OdooClient, st_line: int, partner: int, code: str, *items: int) -> int:
    """What the middleware does in Community: move the suspense item to the counterpart account, reconcile."""
    line = suspense_line(client, st_line)
    client.write(LINE, [line], {"account_id": account(client, code), "partner_id": partner})
    assert client.call(LINE, "reconcile", ids=[line, *items]) is None
    return line


def state(client: OdooClient, move: int) -> tuple[str, float]:
    [row] = client.read("account.move", [move], ["payment_state", "amount_residual"])
    return row["payment_state"], row["amount_residual"]


# -- the captured flow --------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_captured_bank_flow_end_to_end(protocol: str) -> None:
    """flow_trace.json from "create bank journal": statement line -> its entry (bank + suspense items) ->
    suspense item moved to the payable account -> reconcile with the bill's payable item -> bill paid."""
    steps = trace("flow_trace.json")
    start = next(i for i, s in enumerate(steps) if s["step"] == "create bank journal")
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    # the part before: vendor 8 and its posted bill 4 of 71.88, whose payable item 11 is on account 15
    replay = Replay(client, normalize=lambda text: re.sub(r"\b1014\d\d\b", "1014xx", text))
    [vendor] = client.create("res.partner", [steps[0]["args"][0]])
    bill = post_invoice(client, vendor, 71.88, "in_invoice", ref="VREF-101126", date="2026-11-22")
    payable = counterpart(client, bill)
    for model, theirs, ours in (("res.partner", 8, vendor), ("account.move", 4, bill), (LINE, 11, payable),
                                ("account.account", 15, account(client, "211000"))):
        replay.bind(model, theirs, ours)
    for step in steps[start:]:
        if step["method"] == "create" and step["model"] == "account.journal":  # created by the admin, as captured
            replay.bind("account.journal", step["result"], sandbox.create("account.journal", [step["args"][0]])[0])
            continue
        replay.step(step)
    assert sandbox.count(LINE, "reconcile") == 1
    [item] = client.read(LINE, [payable], ["reconciled", "amount_residual", "matching_number", "full_reconcile_id"])
    assert item["reconciled"] and item["amount_residual"] == 0.0 and item["full_reconcile_id"]
    assert item["matching_number"] == str(item["full_reconcile_id"][0])


def test_a_statement_line_is_reconciled_once_its_suspense_item_is_gone(setup: tuple[OdooSandbox, OdooClient]) -> None:
    """Odoo 19 `_compute_is_reconciled`: no suspense item left counts as reconciled, matched or not yet."""
    _, client = setup
    [customer] = client.create("res.partner", [{"name": "C", "is_company": True}])
    st = statement_line(client, customer, 50.0)
    line = suspense_line(client, st)
    assert client.read("account.bank.statement.line", [st], ["is_reconciled", "amount_residual"])[0] == \
        {"id": st, "is_reconciled": False, "amount_residual": -50.0}
    client.write(LINE, [line], {"account_id": account(client, "121000"), "partner_id": customer})
    assert client.read("account.bank.statement.line", [st], ["is_reconciled", "amount_residual"])[0] == \
        {"id": st, "is_reconciled": True, "amount_residual": 0.0}
    [row] = client.read(LINE, [line], ["account_type", "reconciled", "amount_residual", "partner_id"])
    assert (row["account_type"], row["reconciled"], row["amount_residual"]) == ("asset_receivable", False, -50.0)
    assert row in client.search_read(LINE, OPEN_ITEMS_DOMAIN, ["account_type", "reconciled", "amount_residual",
                                                               "partner_id"])  # now an open (unmatched) credit


# -- reconciliation cases -----------------------------------------------------------------------------
def test_partial_then_full_payment(setup: tuple[OdooSandbox, OdooClient]) -> None:
    _, client = setup
    [customer] = client.create("res.partner", [{"name": "Customer", "is_company": True}])
    invoice = post_invoice(client, customer, 100.0, date="2026-11-01")
    item = counterpart(client, invoice)
    first = match(client, statement_line(client, customer, 60.0), customer, "121000", item)
    assert state(client, invoice) == ("partial", 40.0)
    [row] = client.read(LINE, [item], ["amount_residual", "reconciled", "matching_number", "full_reconcile_id",
                                       "matched_credit_ids"])
    assert (row["amount_residual"], row["reconciled"], row["full_reconcile_id"]) == (40.0, False, False)
    assert row["matching_number"] == f"P{row['matched_credit_ids'][0]}"
    [partial] = client.read("account.partial.reconcile", row["matched_credit_ids"],
                            ["debit_move_id", "credit_move_id", "amount", "full_reconcile_id", "max_date"])
    assert (partial["debit_move_id"][0], partial["credit_move_id"][0], partial["amount"]) == (item, first, 60.0)
    assert partial["max_date"] == "2026-11-23" and partial["full_reconcile_id"] is False
    open_items = client.search_read(LINE, OPEN_ITEMS_DOMAIN, ["amount_residual"])
    assert open_items == [{"id": item, "amount_residual": 40.0}]
    second = match(client, statement_line(client, customer, 40.0), customer, "121000", item)
    assert state(client, invoice) == ("paid", 0.0)
    rows = client.read(LINE, [item, first, second], ["reconciled", "full_reconcile_id", "matching_number"])
    [full] = {r["full_reconcile_id"][0] for r in rows}
    assert all(r["reconciled"] and r["matching_number"] == str(full) for r in rows)
    [fr] = client.read("account.full.reconcile", [full], ["partial_reconcile_ids", "reconciled_line_ids"])
    assert len(fr["partial_reconcile_ids"]) == 2 and sorted(fr["reconciled_line_ids"]) == sorted([item, first, second])
    assert client.search_read(LINE, OPEN_ITEMS_DOMAIN, ["id"]) == []


def test_one_payment_for_two_invoices(setup: tuple[OdooSandbox, OdooClient]) -> None:
    _, client = setup
    [customer] = client.create("res.partner", [{"name": "Customer", "is_company": True}])
    first, second = post_invoices(client, [{"partner_id": customer, "amount": 100.0, "date": "2026-11-01"},
                                           {"partner_id": customer, "amount": 50.0, "date": "2026-11-02"}])
    st = statement_line(client, customer, 150.0, "INV/2026/00001 INV/2026/00002")
    line = match(client, st, customer, "121000", counterpart(client, first), counterpart(client, second))
    assert state(client, first) == ("paid", 0.0) and state(client, second) == ("paid", 0.0)
    [row] = client.read(LINE, [line], ["matched_debit_ids", "reconciled"])
    amounts = [p["amount"] for p in client.read("account.partial.reconcile", row["matched_debit_ids"], ["amount"])]
    assert sorted(amounts) == [50.0, 100.0] and row["reconciled"]
    assert client.read("account.bank.statement.line", [st], ["is_reconciled"])[0]["is_reconciled"] is True


def test_a_short_payment_is_written_off_with_a_miscellaneous_entry(setup: tuple[OdooSandbox, OdooClient]) -> None:
    """97 received for 100 (the bank kept 3): the remainder goes to Bank Fees in a MISC entry reconciled with it."""
    _, client = setup
    [customer] = client.create("res.partner", [{"name": "Customer", "is_company": True}])
    invoice = post_invoice(client, customer, 100.0, date="2026-11-01")
    item = counterpart(client, invoice)
    match(client, statement_line(client, customer, 97.0), customer, "121000", item)
    assert state(client, invoice) == ("partial", 3.0)
    fees, receivable = account(client, "626000"), account(client, "121000")
    [write_off] = client.create("account.move", [{"move_type": "entry", "journal_id": 3, "date": "2026-11-23",
                                                  "ref": "Write-off INV/2026/00001", "line_ids": [
        (0, 0, {"account_id": fees, "name": "Bank fees", "debit": 3.0}),
        (0, 0, {"account_id": receivable, "partner_id": customer, "name": "Write-off", "credit": 3.0})]}])
    assert client.call("account.move", "action_post", ids=[write_off]) is False
    [credit] = client.search(LINE, [("move_id", "=", write_off), ("account_id.code", "=", "121000")])
    client.call(LINE, "reconcile", ids=[credit, item])
    assert state(client, invoice) == ("paid", 0.0)
    assert client.read("account.move", [write_off], ["payment_state", "amount_total"])[0] == \
        {"id": write_off, "payment_state": "not_paid", "amount_total": 3.0}
    [row] = client.read(LINE, [item], ["full_reconcile_id"])
    assert len(client.read("account.full.reconcile", [row["full_reconcile_id"][0]],
                           ["reconciled_line_ids"])[0]["reconciled_line_ids"]) == 3


def test_reconcile_refusals(setup: tuple[OdooSandbox, OdooClient]) -> None:
    _, client = setup
    [partner] = client.create("res.partner", [{"name": "P", "is_company": True}])
    invoice, bill = post_invoices(client, [{"partner_id": partner, "amount": 10.0},
                                           {"partner_id": partner, "amount": 10.0, "move_type": "in_invoice"}])
    receivable, payable = counterpart(client, invoice), counterpart(client, bill)
    with pytest.raises(OdooUserError) as caught:
        client.call(LINE, "reconcile", ids=[receivable, payable])
    assert caught.value.server_message == \
        "Entries are not from the same account: 121000 Account Receivable, 211000 Account Payable"
    expenses = client.search(LINE, [("move_id", "=", bill), ("account_id.code", "=", "600000")])
    with pytest.raises(OdooUserError) as caught:
        client.call(LINE, "reconcile", ids=expenses)
    assert caught.value.server_message == \
        "Account 600000 Expenses does not allow reconciliation. First change the configuration of this account " \
        "to allow it."
    match(client, statement_line(client, partner, 10.0), partner, "121000", receivable)
    with pytest.raises(OdooUserError) as caught:
        client.call(LINE, "reconcile", ids=[receivable, receivable])
    assert caught.value.server_message == "You are trying to reconcile some entries that are already reconciled."
    with pytest.raises(OdooRequestError, match="does not exist"):
        client.call("account.move", "reconcile", ids=[invoice])


def test_unreconcile_retarget_and_reset_to_draft(setup: tuple[OdooSandbox, OdooClient]) -> None:
    _, client = setup
    [customer] = client.create("res.partner", [{"name": "Customer", "is_company": True}])
    invoice = post_invoice(client, customer, 80.0)
    item = counterpart(client, invoice)
    st = statement_line(client, customer, 80.0)
    line = match(client, st, customer, "121000", item)
    assert state(client, invoice) == ("paid", 0.0)
    client.call("account.move", "button_draft", ids=[invoice])  # Odoo 19 keeps the reconciliation
    assert state(client, invoice) == ("not_paid", 0.0)
    client.call("account.move", "action_post", ids=[invoice])
    assert state(client, invoice) == ("paid", 0.0)
    assert client.call(LINE, "remove_move_reconcile", ids=[line]) is None
    assert state(client, invoice) == ("not_paid", 80.0)
    assert client.search_count("account.partial.reconcile", []) == 0 and client.search_count(
        "account.full.reconcile", []) == 0
    client.call(LINE, "reconcile", ids=[line, item])
    client.write(LINE, [line], {"account_id": account(client, "101402")})  # moving one side breaks the match
    assert state(client, invoice) == ("not_paid", 80.0)
    assert client.read("account.bank.statement.line", [st], ["is_reconciled", "amount_residual"])[0] == \
        {"id": st, "is_reconciled": False, "amount_residual": -80.0}
    line = match(client, st, customer, "121000", item)
    assert client.call("account.bank.statement.line", "action_undo_reconciliation", ids=[st]) is None
    assert state(client, invoice) == ("not_paid", 80.0)
    assert client.read("account.bank.statement.line", [st], ["is_reconciled"])[0]["is_reconciled"] is False
    assert client.read(LINE, [line], ["id"]) == []  # the entry's items were rebuilt


# -- open items (trace_i) ------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_open_items_are_read_like_the_capture(protocol: str) -> None:
    """traces/trace_i_open_items.json: the same domain and fields, the same rows for the same eight bills."""
    steps = trace("traces/trace_i_open_items.json")
    captured = steps[1]["result"]
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol)
    vendors: dict[str, int] = {}
    for row in reversed(captured):  # oldest bill first, so the numbers grow the way the capture's do
        name = row["partner_id"][1]
        if name not in vendors:
            vendors[name] = client.create("res.partner", [{"name": name, "is_company": True}])[0]
        post_invoice(client, vendors[name], -row["amount_residual"], "in_invoice", ref=row["ref"], date=row["date"])
    paid = post_invoice(client, vendors["Vendor 101106"], 5.0, "in_invoice", ref="PAID", date="2026-11-22")
    match(client, statement_line(client, vendors["Vendor 101106"], -5.0), vendors["Vendor 101106"], "211000",
          counterpart(client, paid))
    draft = client.create("account.move", [{"move_type": "in_invoice", "partner_id": vendors["Vendor 101106"],
                                            "invoice_date": "2026-11-22", "invoice_line_ids": [
                                                (0, 0, {"name": "draft", "price_unit": 7.0})]}])
    assert draft and client.search_count(LINE, steps[0]["args"][0]) == steps[0]["result"] == len(captured)
    rows = client.call(LINE, "search_read", args=steps[1]["args"], kwargs=steps[1]["kwargs"])
    assert len(rows) == len(captured)
    numbers = {f"BILL/2026/11/{n:04d}": f"BILL/2026/11/{i:04d}" for i, n in
               enumerate(sorted(int(r["move_name"][-4:]) for r in captured), start=1)}
    for theirs, ours in zip(captured, rows, strict=True):  # same order: date desc, number desc, id
        assert set(ours) == set(theirs)
        assert ours["move_name"] == numbers[theirs["move_name"]]
        assert ours["move_id"][1] == f"{numbers[theirs['move_name']]} ({theirs['ref']})"
        assert ours["partner_id"][1] == theirs["partner_id"][1] and ours["account_id"] == [
            account(client, "211000"), "211000 Account Payable"]
        assert ours["currency_id"][1] == "EUR"  # the sandbox company's currency (the captured one's was USD)
        for name in ("date", "date_maturity", "amount_residual", "amount_residual_currency", "ref", "name", "balance"):
            assert ours[name] == theirs[name], name


def test_open_items_of_many_statement_lines_and_invoices() -> None:
    """Statement lines created in batches of 500, invoices in one call: the open-items read stays exact."""
    sandbox = OdooSandbox()
    client = make_client(sandbox, "json2")
    partners = client.create("res.partner", [{"name": f"Customer {i}", "is_company": True} for i in range(20)])
    invoices = post_invoices(client, [{"partner_id": partners[i % 20], "amount": 10.0 + i, "date": "2026-11-01"}
                                      for i in range(1000)])
    for batch in range(4):
        client.create("account.bank.statement.line", [
            {"journal_id": BNK1, "date": "2026-11-23", "payment_ref": f"B{batch}-{i}", "amount": 1.0 + i,
             "partner_id": partners[i % 20]} for i in range(500)])
    assert client.search_count("account.bank.statement.line", [("is_reconciled", "=", False)]) == 2000
    assert client.search_count(LINE, [("statement_line_id", "!=", False)]) == 4000
    rows = client.search_read(LINE, OPEN_ITEMS_DOMAIN, OPEN_ITEM_FIELDS)  # paged by 2000, in id order
    assert len(rows) == 1000 and sum(r["amount_residual"] for r in rows) == sum(10.0 + i for i in range(1000))
    by_partner = client.search_count(LINE, [*OPEN_ITEMS_DOMAIN, ("partner_id", "=", partners[3])])
    assert by_partner == 50
    assert len(invoices) == len(set(r["move_id"][0] for r in rows))


# -- statement lines ------------------------------------------------------------------------------------
def test_statement_line_entry_fields_and_statement(setup: tuple[OdooSandbox, OdooClient]) -> None:
    sandbox, client = setup
    [partner] = client.create("res.partner", [{"name": "P", "is_company": True}])
    [statement] = client.create("account.bank.statement", [{"name": "2026-11 #1", "balance_start": 1000.0,
                                                             "balance_end_real": 1130.0}])
    usd = client.search("res.currency", [("name", "=", "USD")])[0]
    st = statement_line(client, partner, 130.0, "Wire", statement_id=statement, account_number="GB29NWBK60161331926819",
                        partner_name="P Ltd", transaction_type="CRDT", narration="<p>from P</p>",
                        foreign_currency_id=usd, amount_currency=140.0)
    [row] = client.read("account.bank.statement.line", [st], [
        "move_id", "journal_id", "state", "currency_id", "amount", "amount_currency", "foreign_currency_id",
        "amount_residual", "is_reconciled", "statement_id", "name", "display_name", "internal_index"])
    assert row["move_id"][1] == row["name"] == row["display_name"] == "BNK1/2026/00001" and row["state"] == "posted"
    assert (row["currency_id"][1], row["foreign_currency_id"][1], row["amount_currency"]) == ("EUR", "USD", 140.0)
    assert (row["amount_residual"], row["is_reconciled"]) == (-140.0, False)
    assert row["internal_index"] == f"20261123{2147483647 - 1:0>10}{st:0>10}"
    item_ids = client.read("account.bank.statement.line", [st], ["line_ids"])[0]["line_ids"]
    items = client.read(LINE, item_ids, ["account_id", "currency_id", "amount_currency", "balance", "name",
                                         "partner_id", "statement_id"])
    assert [(i["account_id"][1], i["currency_id"][1], i["amount_currency"], i["balance"]) for i in items] == [
        ("101401 Bank", "EUR", 130.0, 130.0), ("101402 Bank Suspense Account", "USD", -140.0, -130.0)]
    assert all(i["name"] == "Wire" and i["partner_id"][0] == partner and i["statement_id"][0] == statement
               for i in items)
    [stmt] = client.read("account.bank.statement", [statement], ["journal_id", "date", "balance_end", "is_complete",
                                                                 "line_ids", "currency_id"])
    assert (stmt["journal_id"][0], stmt["date"], stmt["balance_end"], stmt["is_complete"]) == \
        (BNK1, "2026-11-23", 1130.0, True)
    client.write("account.bank.statement.line", [st], {"amount": 120.0, "foreign_currency_id": False,
                                                       "amount_currency": 0.0})
    balances = [i["balance"] for i in client.read(LINE, client.read("account.bank.statement.line", [st],
                                                                    ["line_ids"])[0]["line_ids"], ["balance"])]
    assert sorted(balances) == [-120.0, 120.0]
    assert client.call("account.bank.statement.line", "unlink", ids=[st]) is True
    assert client.read("account.move", [row["move_id"][0]], ["name"]) == [] and len(sandbox.env[LINE]) == 0


def test_statements_compute_date_balances_and_validity_as_the_real_server_did(
        setup: tuple[OdooSandbox, OdooClient]) -> None:
    """Seen on a real Odoo 19 (BNK1, Belgian company): the values below were read back there."""
    _, client = setup
    fields = ["date", "balance_start", "balance_end", "balance_end_real", "is_complete", "is_valid",
              "first_line_index"]

    def statement(**vals: Any) -> int:
        return client.create("account.bank.statement", [vals])[0]

    def line(day: str, amount: float, **vals: Any) -> int:
        return client.create("account.bank.statement.line", [{"journal_id": BNK1, "date": day, "amount": amount,
                                                              "payment_ref": "x", **vals}])[0]

    def show(sid: int) -> tuple:
        row = client.read("account.bank.statement", [sid], fields)[0]
        return tuple(row[f] for f in fields[:-1])

    s1 = statement(name="S1", reference="r1", date="2026-11-30", balance_start=100.0, balance_end_real=130.0)
    assert show(s1) == ("2026-11-30", 100.0, 100.0, 130.0, False, True)
    line("2026-11-03", 10.0, statement_id=s1)
    line("2026-11-04", 20.0, statement_id=s1)
    assert show(s1) == ("2026-11-04", 100.0, 130.0, 130.0, True, True)  # the date follows the last line
    line("2026-11-05", 5.0)  # a loose line between two statements
    s2 = statement(name="S2", reference="r2", line_ids=[(6, 0, [line("2026-11-06", 7.0)])])
    assert show(s2) == ("2026-11-06", 135.0, 142.0, 142.0, True, False)  # start after S1 + the loose line
    s3 = statement(name="S3")
    assert show(s3) == (False, 0.0, 0.0, 0.0, False, True)
    line("2026-11-07", 1.0, statement_id=s3)
    assert show(s3) == ("2026-11-07", 0.0, 1.0, 0.0, False, False)
    s4 = statement(name="S4", balance_start=0.0, balance_end_real=2.0)
    line("2026-11-01", 2.0, statement_id=s4)  # created last, but its first line is the journal's first
    assert show(s4) == ("2026-11-01", 0.0, 2.0, 2.0, True, True)
    assert show(s1)[-1] is False  # S1 now follows S4, which ended at 2.00, not 100.00
    client.write("account.bank.statement", [s4], {"balance_start": 98.0})  # the ending balance is recomputed
    assert show(s4)[1:4] == (98.0, 100.0, 100.0) and show(s1)[-1] is True


def test_unique_import_id_needs_the_import_module_and_is_unique() -> None:
    """Odoo 19 Community (the captured server) has no unique_import_id; the Enterprise/OCA import module adds it."""
    plain = make_client(OdooSandbox(), "json2", max_attempts=1)
    with pytest.raises(OdooRequestError, match="Invalid field 'unique_import_id' in 'account.bank.statement.line'"):
        plain.create("account.bank.statement.line", [{"journal_id": BNK1, "amount": 1.0, "unique_import_id": "X"}])
    sandbox = OdooSandbox(modules=["account_bank_statement_import"])
    for protocol in PROTOCOLS:
        client = make_client(sandbox, protocol, max_attempts=1)
        assert client.fields_get("account.bank.statement.line", ("type", "readonly"))["unique_import_id"] == \
            {"type": "char", "readonly": True}
        vals = {"journal_id": BNK1, "date": "2026-11-23", "amount": 5.0, "unique_import_id": f"{protocol}-1"}
        [first] = client.create("account.bank.statement.line", [vals])
        before = len(sandbox.env["account.bank.statement.line"])
        twice = {**vals, "unique_import_id": f"{protocol}-2"}
        for batch in ([vals], [twice, twice]):
            with pytest.raises(OdooValidationError) as caught:
                client.create("account.bank.statement.line", batch)
            assert caught.value.server_message == \
                "The operation cannot be completed: A bank account transactions can be imported only once!"
        assert len(sandbox.env["account.bank.statement.line"]) == before  # nothing of a refused batch is kept
        assert client.search("account.bank.statement.line", [("unique_import_id", "=", f"{protocol}-1")]) == [first]
