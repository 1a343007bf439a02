"""The approval flows in this process (the deployments' triggers are proven in test_approval_deployments.py):
a rejection discards once with the approver and the reason in the audit chain, a purchase order approved goes
through as its approver, a decision addressed to another record changes nothing, and a decision that arrives twice
applies once, also when two runs decide the same record at the same moment."""

from __future__ import annotations

import threading

import pytest
from flow_world import World, world
from p2p_world import export, odoo_order, order, seed_odoo

from ofm.flows.approvals import bank_account_approved, bank_account_rejected, purchase_order_approved
from ofm.flows.po_sync import po_sync
from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.tasks.approvals.decisions import MisaddressedDecision
from ofm.tasks.shared.resources import use_thread_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def w(tmp_path):
    with world(tmp_path) as w:
        yield w


def held_bank_accounts(w: World) -> list:
    supplier_onboarding(actor="test")
    w.advance()
    supplier_onboarding(actor="test")
    held = [r for r in w.store.list_quarantine(category="approval", limit=100) if r.field == "bank_accounts"]
    assert len(held) >= 2
    return held


def ibans(w: World) -> list[str]:
    return [b["sanitized_acc_number"] for b in w.odoo.search_read("res.partner.bank", [], ["sanitized_acc_number"])]


def test_a_rejected_bank_account_is_discarded_once_with_the_approver_and_reason_and_never_reaches_odoo(w):
    held = held_bank_accounts(w)[0]
    writes = w.odoo_write_calls()
    out = bank_account_rejected(record_ref=held.record_ref, approver="Rita Treasury", reason="IBAN not confirmed",
                                event_id="evt-r-1")
    assert out["outcome"] == "discarded" and out["state"] == "Completed"
    entry = w.store.get_quarantine(held.id)
    assert (entry.status, entry.decided_by) == ("discarded", "Rita Treasury")
    assert "IBAN not confirmed" in entry.decision_note
    [row] = [r for r in w.store.trail(held.record_ref) if r.step == "quarantine-discarded"]
    assert row.actor == "Rita Treasury" and row.summary["reason"] == "IBAN not confirmed"
    assert row.summary["quarantine_id"] == held.id and row.summary["event_id"] == "evt-r-1"
    again = bank_account_rejected(record_ref=held.record_ref, approver="Rita Treasury", quarantine_id=held.id,
                                  reason="", event_id="evt-r-2")
    assert again["outcome"] == "already decided" and "discarded by Rita Treasury" in again["said"]
    assert [r.step for r in w.store.trail(held.record_ref)].count("quarantine-discarded") == 1
    assert w.odoo_write_calls() == writes
    assert held.payload["bank_accounts"][0]["iban"].replace(" ", "") not in ibans(w)
    # approving it afterwards applies nothing either: it was decided
    late = bank_account_approved(record_ref=held.record_ref, approver="Tom Treasury", event_id="evt-a-9")
    assert late["outcome"] == "already decided" and w.odoo_write_calls() == writes


def test_a_decision_naming_another_records_entry_fails_and_changes_nothing(w):
    first, second = held_bank_accounts(w)[:2]
    with pytest.raises(MisaddressedDecision, match=f"quarantine entry {second.id} is {second.record_ref}"):
        bank_account_approved(record_ref=first.record_ref, approver="Tom Treasury", quarantine_id=second.id)
    assert w.store.get_quarantine(first.id).status == w.store.get_quarantine(second.id).status == "open"


def test_nothing_held_for_the_record_ends_with_an_exception_for_someone(w):
    out = bank_account_approved(record_ref="procurement:SUP-NOPE", approver="Tom Treasury")
    assert out["outcome"] == "nothing held" and out["state"] == "Completed with exceptions"


def test_two_runs_approving_the_same_account_at_once_add_it_once(w):
    held = held_bank_accounts(w)[0]
    iban = held.payload["bank_accounts"][0]["iban"].replace(" ", "")
    results, gate = [], threading.Barrier(2)

    def decide(i: int) -> None:
        with use_thread_resources(w.resources):
            gate.wait(10)
            results.append(bank_account_approved(record_ref=held.record_ref, approver=f"Approver {i}",
                                                 event_id=f"evt-{i}"))

    threads = [threading.Thread(target=decide, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(r["outcome"] for r in results) == ["already decided", "applied"]
    assert ibans(w).count(iban) == 1
    added = [r.actor for r in w.store.trail(held.record_ref) if r.step == "bank-account-added"]
    assert len(added) == 1 and added[0] in ("Approver 1", "Approver 2")


def test_an_approved_purchase_order_waiting_in_quarantine_goes_through_as_its_approver(tmp_path):
    with world(tmp_path, suppliers=5) as w:
        seed_odoo(w.odoo)
        assert po_sync(source=export(tmp_path, order("PO-5", vendor="V-777")))["orders"]["PO-5"]["status"] == "waiting"
        [entry] = w.store.list_quarantine(category="dependency")
        w.odoo.create("res.partner", [{"name": "Late Supplier", "ref": "V-777", "supplier_rank": 1}])
        out = purchase_order_approved(record_ref="procurement:PO-5", approver="Dana Buyer", event_id="evt-po-1")
        assert out["outcome"] == "created" and out["state"] == "Completed"
        assert odoo_order(w.odoo, "PO-5")["state"] == "purchase"
        assert w.store.get_quarantine(entry.id).status != "open"
        assert "Dana Buyer" in {r.actor for r in w.store.trail("procurement:PO-5")}
        again = purchase_order_approved(record_ref="procurement:PO-5", approver="Dana Buyer", quarantine_id=entry.id)
        assert again["outcome"] == "already decided"
        assert len(w.odoo.search_read("purchase.order", [["origin", "=", "PO-5"]], ["id"])) == 1
