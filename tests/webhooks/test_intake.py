"""POST /webhooks/{source}: every status with a real HMAC, replays, exactly-once per event id, stored before emitted."""

from __future__ import annotations

import json
import logging
import threading

import pytest
import sqlalchemy as sa
from webhook_world import OTHER_SECRET, SECRET, Recorder, TestClient, bank_event, po_event, signed

from ofm.store import tables as t
from ofm.webhooks.app import create_app
from ofm.webhooks.intake import CLI_SOURCE, emitted_up_to, pending, store_approval
from ofm.webhooks.schemas import Approval
from ofm.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER


def inbox_rows(store, source: str = "webhook:procurement") -> list:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(t.inbox).where(t.inbox.c.source == source).order_by(t.inbox.c.id)).all()


def test_a_signed_approval_is_stored_audited_and_emitted_with_the_record_as_resource(post, store, recorder):
    r = post(po_event())
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "accepted" and body["emitted"] is True
    assert body["resource"] == "ofm.procurement.po.PO-0042" and body["event"] == "ofm.approval.purchase-order.approved"
    [row] = inbox_rows(store)
    assert row.id == body["id"] and row.object_type == "purchase_order.approved" and row.external_id == "evt-0001"
    assert json.loads(row.payload["body"]) == po_event()  # the raw event as received
    [event] = recorder.events
    assert event.event == "ofm.approval.purchase-order.approved"
    assert event.resource.id == "ofm.procurement.po.PO-0042"
    assert event.payload["approver"] == "Dana Buyer" and event.payload["inbox_id"] == row.id
    [approver] = event.related
    assert approver.role == "approver" and approver["prefect.resource.name"] == "Dana Buyer"
    [audit] = store.trail("procurement:PO-0042")
    assert audit.actor == "Dana Buyer" and audit.step == "approval-received"
    assert audit.summary["event_id"] == "evt-0001" and audit.summary["via"] == "webhook:procurement"


@pytest.mark.parametrize(("decision", "data", "resource"), [
    ("approved", {"quarantine_id": 7}, "ofm.procurement.supplier.SUP-000123"),
    ("rejected", {"reason": "IBAN not confirmed by phone"}, "ofm.procurement.supplier.SUP-000123"),
    ("approved", {"supplier_id": None, "record_ref": "procurement:SUP-9"}, "ofm.procurement.supplier.SUP-9"),
])
def test_bank_account_decisions_name_the_supplier(post, recorder, decision, data, resource):
    event = bank_event(decision, **data)
    event["data"] = {k: v for k, v in event["data"].items() if v is not None}
    r = post(event)
    assert r.status_code == 202, r.text
    [sent] = recorder.events
    assert sent.event == f"ofm.approval.supplier-bank-account.{decision}" and sent.resource.id == resource
    assert sent.payload["approver"] == "Tom Treasury" and sent.payload["decision"] == decision
    assert sent.payload["quarantine_id"] == data.get("quarantine_id")


def test_a_captured_request_sent_again_is_a_duplicate_then_stale(post, clock, recorder, store):
    captured = signed(po_event(), clock.now)
    assert post(captured).status_code == 202
    again = post(captured)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["id"] == inbox_rows(store)[0].id
    clock.now += 301  # past the 300 s window: refused before anything is looked up
    late = post(captured)
    assert late.status_code == 401 and "window" in late.json()["error"]
    assert len(recorder.events) == 1 and len(inbox_rows(store)) == 1


def test_the_same_event_id_with_another_body_is_still_a_duplicate(post, clock, recorder, store):
    assert post(po_event()).status_code == 202
    clock.now += 60  # the sender retried later, re-signed, with a changed field
    r = post(po_event(approved_by="Someone Else"))
    assert r.status_code == 200 and r.json()["status"] == "duplicate"
    assert len(recorder.events) == 1 and len(inbox_rows(store)) == 1
    assert len(store.trail("procurement:PO-0042")) == 1


@pytest.mark.parametrize(("headers", "reason"), [
    ({SIGNATURE_HEADER: None}, "missing X-OFM-Signature"),
    ({TIMESTAMP_HEADER: None}, "X-OFM-Timestamp"),
    ({TIMESTAMP_HEADER: "yesterday"}, "X-OFM-Timestamp"),
    ({SIGNATURE_HEADER: "sha256=" + "0" * 64}, "signature does not match"),
    ({SIGNATURE_HEADER: "sha1=abc"}, "signature does not match"),
])
def test_missing_or_wrong_signature_headers_are_401(client, clock, store, recorder, headers, reason):
    request = signed(po_event(), clock.now)
    sent = {k: v for k, v in {**request.headers, **headers}.items() if v is not None}
    r = client.post("/webhooks/procurement", content=request.body, headers=sent)
    assert r.status_code == 401 and reason in r.json()["error"]
    assert inbox_rows(store) == [] and recorder.events == []


def test_a_body_changed_after_signing_or_signed_with_another_secret_is_401(post, clock):
    request = signed(po_event(), clock.now)
    tampered = request.body.replace(b"PO-0042", b"PO-0043")
    assert post(type(request)(tampered, request.headers)).status_code == 401
    assert post(signed(po_event(), clock.now, secret=OTHER_SECRET)).status_code == 401  # treasury's secret
    assert post(signed(po_event(), clock.now, secret=OTHER_SECRET), source="treasury").status_code == 202


@pytest.mark.parametrize("skew", [-301, +301])
def test_a_timestamp_outside_the_window_is_401_even_when_signed(post, clock, skew):
    r = post(signed(po_event(), clock.now + skew))
    assert r.status_code == 401 and "window" in r.json()["error"]


def test_an_unknown_source_is_404(post):
    assert post(po_event(), source="nobody").status_code == 404


def test_too_large_is_413_by_content_length_and_by_the_bytes_read(client, clock, store, settings):
    big = json.dumps({**po_event(), "pad": "x" * settings.webhook_max_body_bytes}).encode()
    request = signed(big, clock.now)
    assert client.post("/webhooks/procurement", content=request.body, headers=request.headers).status_code == 413
    # no Content-Length (chunked): refused once more than the limit has actually arrived
    chunks = (big[i:i + 8192] for i in range(0, len(big), 8192))
    r = client.post("/webhooks/procurement", content=chunks, headers=request.headers)
    assert r.status_code == 413
    assert inbox_rows(store) == []


@pytest.mark.parametrize(("body", "error"), [
    (b"{not json", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (b"[]", "schema"),
    (json.dumps({**po_event(), "type": "invoice.paid"}).encode(), "schema"),
    (json.dumps(po_event(po_id="")).encode(), "schema"),
    (json.dumps(po_event(amount=12)).encode(), "schema"),  # an unknown field is refused, not ignored
    (json.dumps({**po_event(), "data": {"po_id": "PO-1", "approved_by": "x", "approved_at": "2026-12-07T10:00"}})
     .encode(), "schema"),  # a time without its zone
    (json.dumps(bank_event(supplier_id=None)).encode(), "schema"),
    (json.dumps(bank_event(record_ref="procurement:SUP-1")).encode(), "different suppliers"),
])
def test_invalid_json_or_schema_is_422_and_stores_nothing(post, clock, store, body, error):
    r = post(signed(body, clock.now))
    assert r.status_code == 422 and error in r.text
    assert inbox_rows(store) == []


def test_an_event_id_header_must_match_the_signed_body(post, clock):
    r = post(signed(po_event(), clock.now, **{EVENT_ID_HEADER: "evt-9999"}))
    assert r.status_code == 422
    assert post(signed(po_event(), clock.now, **{EVENT_ID_HEADER: "evt-0001"})).status_code == 202


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_stored_before_emitted_and_emitted_once_prefect_is_back(post, clock, recorder, store):
    recorder.fail = True
    first = post(po_event("evt-1", "PO-1"))
    second = post(po_event("evt-2", "PO-2"))
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["emitted"] is False and recorder.events == []
    assert [r.external_id for r in inbox_rows(store)] == ["evt-1", "evt-2"]  # kept although Prefect was down
    assert [a.event_id for _, a in pending(store, "webhook:procurement")] == ["evt-1", "evt-2"]
    recorder.fail = False
    again = post(signed(po_event("evt-1", "PO-1"), clock.now))  # the sender's retry: a duplicate, and a new attempt
    assert again.status_code == 200
    assert [e.resource.id for e in recorder.events] == ["ofm.procurement.po.PO-1", "ofm.procurement.po.PO-2"]
    assert pending(store, "webhook:procurement") == []
    post(po_event("evt-3", "PO-3"))
    assert len(recorder.events) == 3  # each emitted once


def test_a_new_process_emits_at_startup_what_an_earlier_one_could_not(settings, store, clock):
    down = Recorder(fail=True)
    with TestClient(create_app(settings, store=store, client=down, clock=clock)) as c:
        request = signed(po_event(), clock.now)
        assert c.post("/webhooks/procurement", content=request.body, headers=request.headers).status_code == 202
    up = Recorder()
    with TestClient(create_app(settings, store=store, client=up, clock=clock)):
        pass  # startup's pass runs before the test client hands over
    assert [e.resource.id for e in up.events] == ["ofm.procurement.po.PO-0042"]
    assert emitted_up_to(store, "webhook:procurement") == inbox_rows(store)[0].id


def test_the_prefect_event_id_is_the_same_when_an_event_is_sent_again(store):
    from ofm.webhooks.relay import prefect_event

    approval = Approval(kind="purchase_order.approved", system="procurement", object="po", record_id="PO-1",
                        approver="a", event_id="evt-1", via="webhook:procurement")
    assert prefect_event(approval, "webhook:procurement", 1).id == prefect_event(approval, "webhook:procurement", 1).id
    assert prefect_event(approval, "webhook:procurement", 1).id != prefect_event(approval, CLI_SOURCE, 1).id


def test_concurrent_receivers_store_an_event_id_once(store_url, store):
    from ofm.store import Store

    approval = Approval(kind="purchase_order.approved", system="procurement", object="po", record_id="PO-7",
                        approver="a", event_id="evt-race", via="webhook:procurement")
    stores = [Store(store_url) for _ in range(4)]
    results: list = []
    barrier = threading.Barrier(len(stores))

    def receive(s, n: int) -> None:
        barrier.wait()
        results.append(store_approval(s, "webhook:procurement", approval, {"attempt": n}))

    threads = [threading.Thread(target=receive, args=(s, n)) for n, s in enumerate(stores)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for s in stores:
        s.close()
    assert sorted(r.duplicate for r in results) == [False, True, True, True]
    assert len({r.inbox_id for r in results}) == 1 and len(inbox_rows(store)) == 1
    assert len(store.trail("procurement:PO-7")) == 1


def test_the_secret_is_never_in_logs_responses_or_errors(post, clock, caplog, recorder, settings):
    caplog.set_level(logging.DEBUG)
    texts = [post(po_event()).text, post(signed(po_event(), clock.now)).text,
             post(signed(po_event("evt-x"), clock.now, secret="wrong-secret-0123456789")).text,
             post(signed(po_event("evt-y"), clock.now - 999)).text, post(signed(b"{", clock.now)).text]
    recorder.fail = True
    texts.append(post(po_event("evt-z", "PO-9")).text)
    texts += [repr(settings), str(settings.model_dump()), str(settings.webhook_secrets)]
    everything = "\n".join(texts) + caplog.text
    assert "refused (401)" in caplog.text and "not emitted yet" in caplog.text  # the logs did say something
    assert SECRET not in everything and OTHER_SECRET not in everything


def test_a_slow_prefect_does_not_hold_the_sender_and_the_event_still_goes_out(settings, store, clock, monkeypatch):
    import asyncio
    import time

    from ofm.webhooks import app as app_module

    class Slow(Recorder):
        async def emit(self, event) -> None:
            await asyncio.sleep(0.5)
            await super().emit(event)

    monkeypatch.setattr(app_module, "REQUEST_RELAY_SECONDS", 0.05)
    slow = Slow()
    with TestClient(create_app(settings, store=store, client=slow, clock=clock)) as c:
        request = signed(po_event(), clock.now)
        r = c.post("/webhooks/procurement", content=request.body, headers=request.headers)
        assert r.status_code == 202 and r.json()["emitted"] is False
        deadline = time.monotonic() + 10  # the pass goes on in the background: sent, then marked sent
        while (not slow.events or pending(store, "webhook:procurement")) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [e.resource.id for e in slow.events] == ["ofm.procurement.po.PO-0042"]
    assert pending(store, "webhook:procurement") == []
