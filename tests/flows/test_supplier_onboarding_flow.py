"""Supplier onboarding end to end: the issue's acceptance, against the in-process sandboxes.

Each test builds a fresh world (Odoo sandbox, procurement sandbox, SQLite store) and runs the
real Prefect flow on the session's test server.
"""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest
import sqlalchemy as sa
from flow_world import World, world

from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.sandbox.odoo import Faults, SandboxTransport
from ofm.sandbox.procurement import DIRTY_CASES, dirty_cases, generate_suppliers, to_csv

pytestmark = pytest.mark.usefixtures("prefect_harness")


class Crash(BaseException):
    """The process dies here (not an Exception: nothing may catch and carry on)."""


@pytest.fixture
def w(tmp_path):
    with world(tmp_path) as w:
        yield w


def run(**params) -> dict:
    return supplier_onboarding(actor="test", **params)


def assert_one_partner_per_supplier(w: World) -> None:
    partners = w.partners()
    for key in ("vat", "ref"):
        values = Counter(p[key] for p in partners if p[key])
        assert [v for v, n in values.items() if n > 1] == [], f"two partners share a {key}"


def test_day_one_reconciles_and_every_dirty_record_is_quarantined_with_its_field(w):
    result = run()
    c = result["counts"]
    assert result["reconciles"] is True
    cases = dirty_cases(60, seed=7)
    assert c["received"] == 60
    assert c["created"] == len(w.partners()) == 60 - len(cases)
    assert c["quarantined"] == sum(1 for case in cases.values() if case in DIRTY_CASES)
    assert c["held"] == sum(1 for case in cases.values() if case == "pending_approval")
    open_rows = w.store.list_quarantine(status="open", limit=1000)
    assert len(open_rows) == c["quarantined"] + sum(1 for r in open_rows if r.category == "approval")
    fields = " ".join(f"{r.field} {r.reason}" for r in open_rows).lower()
    for case in ("vat", "iban", "country", "vendor_code", "payment"):
        assert case in fields, f"no quarantine entry names {case}"
    # every record received was acknowledged at the source, the rejected ones with reasons
    acks = w.acks()
    assert len(acks) == c["received"]
    rejected = [a for a in acks.values() if a["status"] == "rejected"]
    assert len(rejected) == c["quarantined"] and all(a["reasons"] for a in rejected)
    created = [a for a in acks.values() if a["status"] == "created"]
    assert all(isinstance(a["odoo_id"], int) for a in created)


def test_same_feed_again_makes_no_write_call(w):
    first = run()
    calls = w.odoo_write_calls()
    open_after_first = len(w.store.list_quarantine(status="open", limit=1000))
    again = run(full_refresh=True)
    assert again["odoo_writes"] == 0
    assert w.odoo_write_calls() == calls, "the sandbox saw a write on a re-run"
    c1, c2 = first["counts"], again["counts"]
    assert c2["unchanged"] == c1["created"] + c1["unchanged"]
    assert (c2["held"], c2["quarantined"]) == (c1["held"], c1["quarantined"])
    # quarantine does not pile up twins on a re-run
    assert len(w.store.list_quarantine(status="open", limit=1000)) == open_after_first
    incremental = run()
    assert incremental["odoo_writes"] == 0 and incremental["counts"]["received"] < c1["received"]


def test_day_two_updates_addresses_and_holds_changed_bank_accounts_until_approved(w):
    run()
    day2 = w.advance()
    result = run()
    assert result["reconciles"] is True
    held = [r for r in w.store.list_quarantine(category="approval", limit=100) if r.field == "bank_accounts"]
    assert {r.record_ref for r in held} == {f"procurement:{i}" for i in day2["bank_changed"]}
    assert all(r.owner_team == "treasury" for r in held)
    banks_before = {b["sanitized_acc_number"] for b in w.odoo.search_read("res.partner.bank", [],
                                                                          ["sanitized_acc_number"])}
    new_ibans = {row.payload["bank_accounts"][0]["iban"] for row in held}
    assert not new_ibans & banks_before, "a changed bank account reached Odoo without approval"
    for supplier_id in day2["changed"]:
        if supplier_id in day2["bank_changed"]:
            continue
        raw = next(r for r in w.procurement.get(
            "/api/v1/suppliers", params={"limit": 500}, headers={"Authorization": "Bearer sandbox-token"}
        ).json()["items"] if r["id"] == supplier_id)
        partner = w.partners(ref=raw["vendor_code"])
        assert partner and partner[0]["street"] == raw["addresses"][0]["line1"]
    assert result["counts"]["created"] == len(day2["new"])

    replayed = run(replay=[held[0].id])
    assert replayed["counts"]["updated"] == 1
    banks_after = {b["sanitized_acc_number"] for b in w.odoo.search_read("res.partner.bank", [],
                                                                         ["sanitized_acc_number"])}
    assert held[0].payload["bank_accounts"][0]["iban"] in banks_after
    assert w.store.get_quarantine(held[0].id).status == "replayed"
    assert w.store.get_quarantine(held[1].id).status == "open"
    steps = [row.step for row in w.store.trail(held[0].record_ref)]
    assert "bank-account-added" in steps


def test_killed_between_outbox_and_load_then_rerun_creates_each_supplier_once(w, monkeypatch):
    original = w.odoo.create_idempotent
    seen = {"calls": 0}

    def dies_on_second_batch(*args, **kwargs):
        seen["calls"] += 1
        if seen["calls"] == 2:
            raise Crash("killed after the outbox claim, before the Odoo call")
        return original(*args, **kwargs)

    monkeypatch.setattr(w.odoo, "create_idempotent", dies_on_second_batch)
    with pytest.raises(BaseException):  # noqa: B017 - Prefect may wrap the crash
        run()
    monkeypatch.setattr(w.odoo, "create_idempotent", original)
    result = run(full_refresh=True)
    assert result["reconciles"] is True
    assert_one_partner_per_supplier(w)
    again = run(full_refresh=True)
    assert again["odoo_writes"] == 0


def test_killed_after_odoo_committed_then_rerun_creates_each_supplier_once(w):
    inner = SandboxTransport(w.sandbox)
    state = {"creates": 0}

    class DiesAfterCommit(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = inner.handle_request(request)
            if request.url.path.endswith("/res.partner/create"):
                state["creates"] += 1
                if state["creates"] == 2:
                    raise Crash("killed after Odoo committed, before the answer was recorded")
            return response

    w.odoo._http._transport = DiesAfterCommit()
    with pytest.raises(BaseException):  # noqa: B017
        run()
    w.odoo._http._transport = inner
    result = run(full_refresh=True)
    assert result["reconciles"] is True
    assert_one_partner_per_supplier(w)
    with sa.create_engine(w.settings.database_url).connect() as conn:
        states = dict(conn.execute(sa.text("SELECT state, count(*) FROM outbox GROUP BY state")).all())
    assert set(states) == {"done"}, f"the outbox still holds unfinished intents: {states}"


def test_dropped_answers_and_transient_errors_still_onboard_each_supplier_once(w):
    w.sandbox.faults = Faults(drop_after_commit_rate=0.3, transient_error_rate=0.1, rate_limit_every=9, seed=5)
    result = run()
    w.sandbox.faults = Faults()
    assert result["reconciles"] is True
    assert w.odoo.stats.retries > 0
    assert_one_partner_per_supplier(w)
    assert len(w.partners()) == result["counts"]["created"]


def test_csv_export_is_read_through_its_own_mapping_and_acknowledged_to_a_file(w, tmp_path):
    path = tmp_path / "erp-suppliers.csv"
    path.write_text(to_csv(generate_suppliers(20, seed=11, dirty=True, id_prefix="ERP")), encoding="utf-8")
    result = run(source=str(path))
    assert result["reconciles"] is True and result["origin"] == "file"
    cases = dirty_cases(20, seed=11, id_prefix="ERP")
    c = result["counts"]
    assert c["received"] == 20 and c["created"] == 20 - len(cases)
    assert c["quarantined"] == sum(1 for case in cases.values() if case in DIRTY_CASES)
    assert c["held"] == sum(1 for case in cases.values() if case == "pending_approval")
    ack_files = list((tmp_path / "acks").glob("suppliers-*.json"))
    assert len(ack_files) == 1
    acks = json.loads(ack_files[0].read_text())
    assert len(acks) == 20 and {a["external_id"][:4] for a in acks} == {"ERP-"}
    refs = {r.record_ref.split(":")[0] for r in w.store.list_quarantine(status="all", limit=100)}
    assert refs <= {"procurement-csv"}


def test_audit_trail_follows_a_record_and_the_chain_verifies(w):
    run()
    created = next(a for a in w.acks().values() if a["status"] == "created")
    steps = [row.step for row in w.store.trail(f"procurement:{created['external_id']}")]
    for step in ("received", "mapped", "checked", "decided", "loaded", "acknowledged"):
        assert step in steps
    assert w.store.verify_audit().ok is True


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_onboarding_on_postgresql_over_jsonrpc(tmp_path, store_url):
    with world(tmp_path, suppliers=40, database_url=store_url, protocol="jsonrpc") as w:
        first = run()
        assert w.odoo.protocol == "jsonrpc"
        assert first["reconciles"] is True
        assert first["counts"]["created"] == len(w.partners()) == 40 - len(dirty_cases(40, seed=7))
        assert run(full_refresh=True)["odoo_writes"] == 0
        assert w.store.verify_audit().ok is True


def test_the_next_batch_is_marked_sent_while_odoo_creates_the_one_before(tmp_path, monkeypatch):
    """One create in flight, and the next chunk's outbox keys marked sent before it ends (as ledger-batch posts):
    each create but the last holds Odoo's answer back until the next chunk has been marked sent (a few seconds
    at most). Serial loading marks a chunk sent only after the create before it returned: every create waits
    in vain."""
    import threading

    with world(tmp_path, batch_size=10) as w:
        changed, marks, creates, overlapped = threading.Condition(), [0], [0], []
        mark_sent = w.store.mark_sent

        def counted(*args, **kwargs):
            mark_sent(*args, **kwargs)
            with changed:
                marks[0] += 1
                changed.notify_all()

        monkeypatch.setattr(w.store, "mark_sent", counted)
        inner = w.odoo._http._transport

        class HoldsTheAnswer(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                response = inner.handle_request(request)
                if request.url.path.endswith("/res.partner/create"):
                    creates[0] += 1
                    with changed:
                        overlapped.append(changed.wait_for(lambda n=creates[0]: marks[0] > n, timeout=3))
                return response

        w.odoo._http._transport = HoldsTheAnswer()
        result = run()
        assert result["reconciles"] is True and result["counts"]["created"] > 30
        # one create per chunk of 10 records received (each of the 6 has new suppliers)
        assert creates[0] == marks[0] == -(-result["counts"]["received"] // 10) == 6
        assert overlapped == [True] * (creates[0] - 1) + [False]
        assert_one_partner_per_supplier(w)
