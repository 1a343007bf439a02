"""Lock dates, the reversal wizard and taxes on journal entry lines in the Odoo sandbox, each as Odoo 19's own
code does it (the file cited per test, in ../shared/odoo19's addons/account) and as the captures show it
(odoo-contract/traces/trace_g_lock_dates.json, trace_h_reversal.json), through the real OdooClient over
both protocols. The sandbox's today is the machine's: expected dates are computed from it."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

import pytest
from odoo_sandbox_testkit import PROTOCOLS, make_client

from ofm.connectors.odoo import OdooAccessError, OdooClient, OdooUserError
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo.exceptions import OdooException

TODAY = date.today()
LOCK = date(TODAY.year, TODAY.month, 1) - timedelta(days=1)  # the end of last month
IN_LOCKED = LOCK.replace(day=15)
LOCKS = ["fiscalyear_lock_date", "tax_lock_date", "sale_lock_date", "purchase_lock_date", "hard_lock_date"]


@pytest.fixture(params=PROTOCOLS)
def setup(request: pytest.FixtureRequest) -> tuple[OdooSandbox, OdooClient]:
    sandbox = OdooSandbox()
    return sandbox, make_client(sandbox, request.param)


def ids(sandbox: OdooSandbox) -> dict[str, int]:
    out = {r["code"]: r["id"] for r in sandbox.records("account.account", fields=["code"])}
    out.update({r["code"]: r["id"] for r in sandbox.records("account.journal", fields=["code"])})
    return out


def entry(client: OdooClient, sandbox: OdooSandbox, on: date, amount: float = 100.0, tax: int | None = None,
          journal: str = "MISC", post: bool = True) -> int:
    a = ids(sandbox)
    expense = {"account_id": a["612000"], "name": "rent", "debit": amount,
               **({"tax_ids": [[6, 0, [tax]]]} if tax else {})}
    payable = {"account_id": a["211000"], "name": "rent", "credit": amount * (1.15 if tax else 1)}
    [move] = client.create("account.move", [{"move_type": "entry", "journal_id": a[journal], "date": on.isoformat(),
                                             "ref": f"rent {on}", "line_ids": [[0, 0, expense], [0, 0, payable]]}])
    if post:
        client.call("account.move", "action_post", ids=[move])
    return move


def lock(sandbox: OdooSandbox, **dates: object) -> None:
    sandbox.call("res.company", "write", ids=[1], vals=dates)


def test_lock_date_fields_read_and_write_as_captured(setup) -> None:
    """company.py: five lock dates; `user_*` the effective ones ("1-01-01" when unset, as captured)."""
    sandbox, client = setup
    fields = client.fields_get("res.company", attributes=["type", "readonly"])
    assert all(fields[f] == {"type": "date", "readonly": False} for f in LOCKS)
    [row] = client.read("res.company", [1], [*LOCKS, "user_fiscalyear_lock_date"])
    assert [row[f] for f in LOCKS] == [False] * 5 and row["user_fiscalyear_lock_date"] == "1-01-01"
    lock(sandbox, fiscalyear_lock_date=LOCK.isoformat())
    [row] = client.read("res.company", [1], ["fiscalyear_lock_date", "user_fiscalyear_lock_date", "user_tax_lock_date"])
    assert (row["fiscalyear_lock_date"], row["user_fiscalyear_lock_date"], row["user_tax_lock_date"]) == \
        (LOCK.isoformat(), LOCK.isoformat(), "1-01-01")
    with pytest.raises(OdooAccessError, match="not allowed to modify"):  # the least-privilege user
        client.write("res.company", [1], {"fiscalyear_lock_date": False})


def test_posting_into_a_locked_period_silently_redates(setup) -> None:
    """account_move.py `_post` -> `_get_accounting_date`: the day after the lock, then by the journal's
    monthly numbering: that month's last day when today is in a later month, else today (captured: posted on
    2026-11-22 with October locked, dated 2026-11-22)."""
    sandbox, client = setup
    lock(sandbox, fiscalyear_lock_date=LOCK.isoformat())
    move = entry(client, sandbox, IN_LOCKED)
    [row] = client.read("account.move", [move], ["state", "date", "name"])
    assert row["state"] == "posted" and row["date"] == TODAY.isoformat()
    assert row["name"].startswith(f"MISC/{TODAY.year}/{TODAY.month:02d}/")
    # a lock two months back: the first open day's month is over, so its last day
    sandbox2 = OdooSandbox()
    client2 = make_client(sandbox2)
    older = (LOCK.replace(day=1) - timedelta(days=1))
    lock(sandbox2, fiscalyear_lock_date=older.replace(day=1).isoformat())
    move = entry(client2, sandbox2, older.replace(day=1))
    first_open = older.replace(day=2)
    assert client2.read("account.move", [move], ["date"])[0]["date"] == \
        first_open.replace(day=monthrange(first_open.year, first_open.month)[1]).isoformat()


def test_which_lock_applies_to_which_entry(setup) -> None:
    """company.py `_get_lock_date_violations`: the purchase lock only for purchase journals, the tax lock
    only for entries with taxes; an entry of an open period keeps its date."""
    sandbox, client = setup
    lock(sandbox, purchase_lock_date=LOCK.isoformat(), tax_lock_date=LOCK.isoformat())
    plain = entry(client, sandbox, IN_LOCKED)
    taxed = entry(client, sandbox, IN_LOCKED, tax=2)
    [p, t] = client.read("account.move", [plain, taxed], ["date"])
    assert (p["date"], t["date"]) == (IN_LOCKED.isoformat(), TODAY.isoformat())


def test_the_refusals_of_a_locked_period(setup) -> None:
    """`_check_fiscal_lock_dates` (button_draft, captured message) and res.company `_validate_locks`."""
    sandbox, client = setup
    posted = entry(client, sandbox, IN_LOCKED)
    lock(sandbox, fiscalyear_lock_date=LOCK.isoformat())
    shown = f"{LOCK.month}/{LOCK.day}/{LOCK.year}"
    with pytest.raises(OdooUserError, match=rf"prior to and inclusive of: Global Lock Date \({shown}\)\. "):
        client.call("account.move", "button_draft", ids=[posted])
    draft = entry(client, sandbox, IN_LOCKED - timedelta(days=1), post=False)
    with pytest.raises(OdooException, match="still draft entries in the period you want to hard lock"):
        lock(sandbox, hard_lock_date=LOCK.isoformat())
    client.call("account.move", "unlink", ids=[draft])
    lock(sandbox, hard_lock_date=LOCK.isoformat())
    with pytest.raises(OdooException, match="The Hard Lock Date cannot be removed."):
        lock(sandbox, hard_lock_date=False)
    with pytest.raises(OdooException, match="must be posterior"):
        lock(sandbox, hard_lock_date=(LOCK - timedelta(days=1)).isoformat())


def test_the_reversal_wizard_as_captured(setup) -> None:
    """wizard/account_move_reversal.py `default_get` / `reverse_moves`, account_move.py `_reverse_moves`
    (trace_h): the wizard reads its entries from the context; the reversal swaps debit and credit, points at
    the entry, is dated as asked and posted (dated today or before), its ref "Reversal of: <name>, <reason>";
    the entry lists it in `reversal_move_ids`; reconcilable lines are matched."""
    sandbox, client = setup
    move = entry(client, sandbox, TODAY - timedelta(days=2))
    context = {"active_model": "account.move", "active_ids": [move]}
    defaults = client.call("account.move.reversal", "default_get", args=[["move_ids", "date", "company_id"]],
                           kwargs={"context": context})
    assert defaults == {"date": TODAY.isoformat(), "company_id": 1, "move_ids": [[6, 0, [move]]]}  # as captured
    a = ids(sandbox)
    [wizard] = client.create("account.move.reversal", [{"date": TODAY.isoformat(), "journal_id": a["MISC"],
                                                        "reason": "why"}], context=context)
    [w] = client.read("account.move.reversal", [wizard], ["move_ids", "company_id", "move_type"])
    assert (w["move_ids"], w["company_id"][0], w["move_type"]) == ([move], 1, "entry")
    action = client.call("account.move.reversal", "reverse_moves", ids=[wizard], kwargs={"context": context})
    assert {k: action[k] for k in ("name", "type", "res_model", "view_mode")} == \
        {"name": "Reverse Moves", "type": "ir.actions.act_window", "res_model": "account.move", "view_mode": "form"}
    [rev] = client.read("account.move", [action["res_id"]], ["state", "date", "ref", "reversed_entry_id",
                                                             "auto_post", "line_ids"])
    [orig] = client.read("account.move", [move], ["name", "reversal_move_ids", "line_ids"])
    assert (rev["state"], rev["date"], rev["auto_post"]) == ("posted", TODAY.isoformat(), "no")
    assert rev["ref"] == f"Reversal of: {orig['name']}, why" and rev["reversed_entry_id"][0] == move
    assert orig["reversal_move_ids"] == [rev["id"]]
    before = {r["account_id"][0]: (r["debit"], r["credit"])
              for r in client.read("account.move.line", orig["line_ids"], ["account_id", "debit", "credit"])}
    after = client.read("account.move.line", rev["line_ids"], ["account_id", "debit", "credit", "reconciled"])
    assert {r["account_id"][0]: (r["credit"], r["debit"]) for r in after} == before
    assert [r["reconciled"] for r in after if r["account_id"][0] == a["211000"]] == [True]  # payable: matched


def test_a_future_reversal_stays_a_draft_and_several_entries_are_not_posted(setup) -> None:
    """wizard `_prepare_default_reversal`: a date after today gives `auto_post` at_date (captured, a draft);
    `reverse_moves` posts reversals only when it cancels one journal entry (`is_cancel_needed`)."""
    sandbox, client = setup
    a = ids(sandbox)
    first, second = entry(client, sandbox, TODAY), entry(client, sandbox, TODAY, amount=5.0)
    later = (TODAY + timedelta(days=3)).isoformat()
    ctx = {"active_model": "account.move", "active_ids": [first]}
    [w] = client.create("account.move.reversal", [{"date": later, "journal_id": a["MISC"]}], context=ctx)
    res_id = client.call("account.move.reversal", "reverse_moves", ids=[w], kwargs={"context": ctx})["res_id"]
    assert client.read("account.move", [res_id], ["state", "auto_post", "date", "name"])[0] == \
        {"id": res_id, "state": "draft", "auto_post": "at_date", "date": later, "name": False}
    ctx = {"active_model": "account.move", "active_ids": [second, first]}
    [w] = client.create("account.move.reversal", [{"date": TODAY.isoformat(), "journal_id": a["MISC"]}], context=ctx)
    action = client.call("account.move.reversal", "refund_moves", ids=[w], kwargs={"context": ctx})
    assert action["view_mode"] == "list,form"
    rows = client.search_read("account.move", action["domain"], ["state", "reversed_entry_id"])
    assert sorted((r["state"], r["reversed_entry_id"][0]) for r in rows) == [("draft", first), ("draft", second)]


def test_a_reversal_of_a_locked_period_entry_is_dated_after_the_lock(setup) -> None:
    """account_move.py `copy_data`: a copy dated on or before the user's fiscal lock date is dated the day after."""
    sandbox, client = setup
    move = entry(client, sandbox, IN_LOCKED)
    lock(sandbox, fiscalyear_lock_date=LOCK.isoformat())
    ctx = {"active_model": "account.move", "active_ids": [move]}
    [w] = client.create("account.move.reversal", [{"date": IN_LOCKED.isoformat(), "journal_id": ids(sandbox)["MISC"]}],
                        context=ctx)
    res_id = client.call("account.move.reversal", "reverse_moves", ids=[w], kwargs={"context": ctx})["res_id"]
    assert client.read("account.move", [res_id], ["date", "state"])[0]["date"] == \
        (LOCK + timedelta(days=1)).isoformat()


def test_the_wizard_refuses_what_odoo_refuses(setup) -> None:
    """wizard `default_get`: only posted entries; `_check_journal_type`: a journal of the entries' type."""
    sandbox, client = setup
    draft = entry(client, sandbox, TODAY, post=False)
    ctx = {"active_model": "account.move", "active_ids": [draft]}
    with pytest.raises(OdooUserError, match="To reverse a journal entry, it has to be posted first."):
        client.create("account.move.reversal", [{"journal_id": ids(sandbox)["MISC"]}], context=ctx)
    client.call("account.move", "action_post", ids=[draft])
    with pytest.raises(OdooUserError, match="Journal should be the same type as the reversed entry."):
        client.create("account.move.reversal", [{"journal_id": ids(sandbox)["BILL"]}], context=ctx)


def test_taxes_on_journal_entry_lines_book_on_the_tax_account(setup) -> None:
    """account_move.py `_sync_tax_lines`, account_tax.py repartition lines: a journal entry's line with a tax
    and no product gets a tax line on the account of the tax's repartition line; a sale tax on a credit is
    an invoice, on a debit a refund; a tax created without distribution gets one base and one tax line per
    document type (`_compute_invoice_repartition_line_ids`)."""
    sandbox, client = setup
    a = ids(sandbox)
    [tax] = sandbox.create("account.tax", [{"name": "21%", "type_tax_use": "sale", "amount": 21.0, "tax_group_id": 1,
                                            "country_id": 1, "company_id": 1, "refund_repartition_line_ids": [
                                                [0, 0, {"repartition_type": "base"}],
                                                [0, 0, {"repartition_type": "tax", "account_id": a["251000"]}]],
                                            "invoice_repartition_line_ids": [
                                                [0, 0, {"repartition_type": "base"}],
                                                [0, 0, {"repartition_type": "tax", "account_id": a["201000"]}]]}])
    [row] = client.read("account.tax", [tax], ["invoice_repartition_line_ids", "refund_repartition_line_ids"])
    assert len(row["invoice_repartition_line_ids"]) == len(row["refund_repartition_line_ids"]) == 2
    [move] = client.create("account.move", [{"move_type": "entry", "journal_id": a["MISC"], "line_ids": [
        [0, 0, {"account_id": a["121000"], "debit": 1270.5}],
        [0, 0, {"account_id": a["400000"], "credit": 1000.0, "tax_ids": [[6, 0, [tax]]]}],
        [0, 0, {"account_id": a["400000"], "credit": 50.0, "tax_ids": [[6, 0, [tax]]]}]]}])
    lines = client.search_read("account.move.line", [["move_id", "=", move], ["display_type", "=", "tax"]],
                               ["account_id", "balance", "tax_line_id", "name"])
    assert [(r["account_id"][0], r["balance"], r["tax_line_id"][0], r["name"]) for r in lines] == \
        [(a["201000"], -220.5, tax, "21%")]
    [refund] = client.create("account.move", [{"move_type": "entry", "journal_id": a["MISC"], "line_ids": [
        [0, 0, {"account_id": a["400000"], "debit": 100.0, "tax_ids": [[6, 0, [tax]]]}],
        [0, 0, {"account_id": a["121000"], "credit": 121.0}]]}])
    [line] = client.search_read("account.move.line", [["move_id", "=", refund], ["display_type", "=", "tax"]],
                                ["account_id", "balance"])
    assert (line["account_id"][0], line["balance"]) == (a["251000"], 21.0)
    [bare] = sandbox.create("account.tax", [{"name": "6%", "type_tax_use": "sale", "amount": 6.0, "tax_group_id": 1,
                                             "country_id": 1, "company_id": 1}])
    kinds = sandbox.records("account.tax.repartition.line", [["tax_id", "=", bare]], ["document_type",
                                                                                     "repartition_type", "account_id"])
    assert sorted((k["document_type"], k["repartition_type"], k["account_id"]) for k in kinds) == [
        ("invoice", "base", False), ("invoice", "tax", False), ("refund", "base", False), ("refund", "tax", False)]


def test_product_categories_give_an_expense_account(setup) -> None:
    """product.category (product/models/product_category.py, account's property_account_expense_categ_id):
    what the month-end close reads for an order line's expense account."""
    sandbox, client = setup
    a = ids(sandbox)
    [parent, child] = [sandbox.create("product.category", [{"name": "All"}])[0], None]
    [child] = sandbox.create("product.category", [{"name": "Office", "parent_id": parent,
                                                   "property_account_expense_categ_id": a["612000"]}])
    [product] = client.create("product.product", [{"name": "Desk", "categ_id": child}])
    [row] = client.read("product.product", [product], ["categ_id"])
    assert row["categ_id"] == [child, "All / Office"]
    assert client.read("product.category", [child], ["property_account_expense_categ_id"])[0][
        "property_account_expense_categ_id"][0] == a["612000"]
