"""A write to Odoo whose answer is lost, finished in the same run: bank reconciliation and the month-end close.

Each write that is not a create is hit once, in two ways: Odoo applies and commits it and the connection drops
before the answer (what `Faults.drop_after_commit_rate` does), or the proxy answers 502 and Odoo never sees it.
The run must not fail: an idempotent write is sent again; a reconcile, a post or a reversal is read back from
Odoo first and sent again only if Odoo does not show it. Then every record is in Odoo once, the outbox holds
nothing unfinished, and a second run writes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import httpx
import pytest
from flow_world import odoo_client, outbox_states

from ofm.canonical import BankEntry, BankStatement, Money
from ofm.flows.bank_reconciliation import bank_reconciliation
from ofm.sandbox.bank.documents import day_one, seed_documents, write_statement
from ofm.sandbox.odoo import OdooSandbox, SandboxTransport
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
from ofm.sandbox.odoo.faults import proxy_page
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")
LOST = ["dropped", "502"]


def lose_answer(odoo, sandbox: OdooSandbox, path: str, nth: int, how: str) -> list[str]:
    """The `nth` request to `path` loses its answer: applied then dropped, or a 502 before Odoo (nothing applied).
    Returns the list the losses are noted in."""
    inner, seen, lost = SandboxTransport(sandbox), Counter[str](), []

    class LosesAnswer(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if called(request).endswith(path):
                seen["n"] += 1
                if seen["n"] == nth:
                    lost.append(how)
                    if how == "502":
                        return httpx.Response(502, content=proxy_page(502, "Bad Gateway"), request=request)
                    inner.handle_request(request)
                    raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                                    request=request)
            return inner.handle_request(request)

    odoo._http._transport = LosesAnswer()
    return lost


def called(request: httpx.Request) -> str:
    """`/model/method` of a JSON-2 or a JSON-RPC request."""
    if request.url.path != "/jsonrpc":
        return request.url.path
    args = (json.loads(request.read() or b"{}").get("params") or {}).get("args") or []
    return f"/{args[3]}/{args[4]}" if len(args) > 4 else ""


def applied(sandbox: OdooSandbox, before: int) -> int:
    return sum(n for (_m, method), n in sandbox.calls.items() if method not in
               {"search_read", "read", "search", "search_count", "fields_get", "context_get"}) - before


@pytest.fixture
def bank(tmp_path):
    sandbox = OdooSandbox(company_iban=COMPANY_IBAN)
    odoo = odoo_client(sandbox)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'ofm.db'}", ack_dir=tmp_path / "acks")
    store = Store(settings.database_url)
    store.migrate()
    docs = seed_documents(odoo)
    with use_resources(Resources(settings=settings, store=store, odoo=odoo)):
        yield sandbox, odoo, store, docs, tmp_path


@pytest.mark.parametrize("how", LOST)
@pytest.mark.parametrize(("path", "nth"), [
    ("/account.bank.statement.line/web_save_multi", 1),  # the matched lines' partner
    ("/account.move/action_post", 1),                    # the write-off entry's post
    ("/account.move.line/web_save_multi", 1),            # the counterparts moved to the receivable
    ("/account.move.line/reconcile", 1),                 # the first reconciliation
    ("/account.move.line/reconcile", 4),                 # one half way through
])
def test_a_bank_write_whose_answer_is_lost_is_finished_in_the_same_run(bank, path, nth, how):
    sandbox, odoo, store, docs, tmp = bank
    file, _, expected = day_one(odoo, tmp)
    lost = lose_answer(odoo, sandbox, path, nth, how)
    result = bank_reconciliation(file=str(file), actor="test")  # does not raise
    assert lost == [how], "the answer was never lost"
    c = result["counts"]
    assert c["reconciled"] + c["unmatched"] == c["booked"] == len(expected)
    assert c["unmatched"] == expected.count("unmatched")
    reconciled = odoo.search_read("account.bank.statement.line", [("is_reconciled", "=", True)], ["partner_id"])
    assert len(reconciled) == c["reconciled"] and all(line["partner_id"] for line in reconciled)
    states = Counter(m["payment_state"] for m in odoo.read("account.move", docs["moves"], ["payment_state"]))
    settled_whole = sum(1 for e in expected if e in ("reference", "partner_amount", "fees"))
    assert states["paid"] == settled_whole + 2 * expected.count("multi_invoice")
    assert states["partial"] == expected.count("partial")
    assert [m["state"] for m in odoo.search_read("account.move", [("ref", "like", "OFM write-off")], ["state"])] \
        == ["posted"]
    if path.endswith("/reconcile"):  # Odoo reconciled each entry once: none sent again once applied
        assert sandbox.count(method="reconcile") == c["reconciled"]
    assert set(outbox_states(store)) == {"done"}
    before = applied(sandbox, 0)
    again = bank_reconciliation(file=str(file), actor="test")
    assert applied(sandbox, before) == 0 and again["counts"]["reconciled"] == 0


def _entry(day: date, amount: str, ref: str) -> BankEntry:
    return BankEntry(booking_date=day, value_date=day, amount=Money(amount=amount, currency="EUR"),
                     bank_reference=ref, remittance=ref)


@pytest.mark.parametrize("how", LOST)
def test_a_statement_sent_again_longer_gets_its_new_balances_once_the_answer_was_lost(bank, how):
    """The bank sends a statement again with one more entry: its balances are written again (idempotent)."""
    sandbox, odoo, store, docs, tmp = bank
    d1 = date(2026, 11, 4)
    short = BankStatement(format="camt.053", statement_id="ST-9", account_iban=COMPANY_IBAN, currency="EUR",
                          sequence="9", opening_balance=Money(amount="0.00", currency="EUR"), opening_date=d1,
                          closing_balance=Money(amount="10.00", currency="EUR"), closing_date=d1,
                          entries=(_entry(d1, "10.00", "X-1"),))
    longer = short.model_copy(update={"closing_balance": Money(amount="15.00", currency="EUR"),
                                      "entries": (_entry(d1, "10.00", "X-1"), _entry(d1, "5.00", "X-2"))})
    bank_reconciliation(file=str(write_statement(tmp, short, "short.xml")), actor="test")
    lost = lose_answer(odoo, sandbox, "/account.bank.statement/write", 1, how)
    result = bank_reconciliation(file=str(write_statement(tmp, longer, "longer.xml")), actor="test")
    assert lost == [how]
    assert (result["counts"]["imported"], result["counts"]["already_imported"]) == (1, 1)
    [st] = odoo.search_read("account.bank.statement", [], ["balance_start", "balance_end_real", "line_ids",
                                                           "is_complete"])
    assert (st["balance_start"], st["balance_end_real"], len(st["line_ids"]), st["is_complete"]) == \
        (0.0, 15.0, 2, True)
    assert set(outbox_states(store)) == {"done"}


@pytest.fixture
def ledger(tmp_path):
    """The sandbox's chart completed as the demo does it, and October's accrual posted (November reverses it)."""
    from dataclasses import replace

    from flow_world import world

    from chaos.flows import admin_client, october_accrual
    from ofm.cli.demo import sandbox_chart, sandbox_ledger_mappings
    from ofm.flows.ledger_batch import ledger_batch

    with world(tmp_path, suppliers=1) as w:
        settings = w.settings.model_copy(update={"ledger_mapping_dir": sandbox_ledger_mappings(
            tmp_path / "mappings", "Sandbox Company"), "close_dir": tmp_path / "close"})
        with use_resources(replace(w.resources, settings=settings)):
            assert sandbox_chart(admin_client(w.sandbox), 1)["accounts"] > 0
            assert ledger_batch(source=october_accrual(tmp_path / "october"))["counts"]["posted"] == 1
            yield w


@pytest.mark.parametrize("how", LOST)
@pytest.mark.parametrize("path", ["/account.move.reversal/create", "/account.move.reversal/reverse_moves",
                                  "/res.company/write"])
def test_a_close_write_whose_answer_is_lost_is_finished_in_the_same_run(ledger, path, how):
    """The reversal wizard's create, its `reverse_moves`, the lock date: October's accrual reversed once, the
    period locked, in the run that lost the answer. (The run is the administrator's over JSON-RPC: the sandbox's
    integration user may not write the company's lock date.)"""
    from dataclasses import replace

    from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
    from ofm.flows.month_end_close import month_end_close
    from ofm.tasks.shared.resources import resources

    w = ledger
    admin = OdooClient(OdooConfig(url="http://odoo.sandbox", db="sandbox", login="admin", api_key="admin",
                                  protocol="jsonrpc", retry=RetryPolicy(max_attempts=6, base_delay=0, max_delay=0)),
                       transport=SandboxTransport(w.sandbox), sleep=lambda _s: None, jitter=lambda: 0.0)
    [accrual] = w.odoo.search_read("account.move", [["ref", "=like", "ofm:accruals:grni-2026-10-%"]], ["id"])
    lost = lose_answer(admin, w.sandbox, path, 1, how)
    with use_resources(replace(resources(), odoo=admin)):
        result = month_end_close(period="2026-11", lock=True)  # does not raise
    assert lost == [how], "the answer was never lost"
    entity = result["entities"]["ACME-BE"]
    assert entity["reversed_previous"] is True and entity["lock"] == "locked up to 2026-11-30", entity
    reversals = w.odoo.search_read("account.move", [["reversed_entry_id", "=", accrual["id"]]], ["state", "date"])
    assert reversals == [{"id": reversals[0]["id"], "state": "posted", "date": "2026-11-01"}]
    assert w.sandbox.count("account.move.reversal", "reverse_moves") == 1, "Odoo reversed it once"
    [company] = w.odoo.read("res.company", [1], ["fiscalyear_lock_date"])
    assert company["fiscalyear_lock_date"] == "2026-11-30"
