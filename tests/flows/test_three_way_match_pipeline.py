"""Three-way match overlaps its own bookkeeping with Odoo's work: while one chunk of bills is being created (or
posted), the next chunk is already marked sent and the chunk before is recorded (one write in flight)."""

from __future__ import annotations

import threading

import pytest
from flow_world import world
from match_world import bill_line, export, invoice, order, receive, seed

from ofm.flows.three_way_match import three_way_match

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.mark.parametrize("operation", ["create", "action_post"])
def test_the_next_chunk_is_marked_sent_while_the_chunk_before_is_in_odoo(tmp_path, monkeypatch, operation):
    with world(tmp_path, suppliers=5, batch_size=2) as w:
        seeded = seed(w.odoo)
        bills = []
        for i in range(1, 6):
            number = f"PO-2026-02{i:02d}"
            qty = str(i)  # amounts differ: five bills of one supplier with one amount and date are duplicates
            receive(w.odoo, order(w.odoo, seeded, number, [(1, "OFM-CHAIR", qty, "120.00", "VAT19")]), {1: qty})
            bills.append(invoice(f"INV-{i}", f"F-{i}", [bill_line(1, number, 1, "OFM-CHAIR", qty, "120.00")]))
        marked: list[int] = []
        second_marked = threading.Event()
        mark_sent, call = w.store.mark_sent, w.odoo.call

        def counting_mark_sent(keys, owner):
            mark_sent(keys, owner)
            if any(f":{operation}:" in k for k in keys):
                marked.append(len(keys))
                if len(marked) == 2:
                    second_marked.set()

        waited: list[bool] = []

        def first_write_waits(model, method, *args, **kwargs):
            if (model, method) == ("account.move", operation) and not waited:  # Odoo "busy" with chunk 1
                waited.append(second_marked.wait(10))
            return call(model, method, *args, **kwargs)

        monkeypatch.setattr(w.store, "mark_sent", counting_mark_sent)
        monkeypatch.setattr(w.odoo, "call", first_write_waits)
        out = three_way_match(source=export(tmp_path, bills), actor="test")
        assert waited == [True], f"chunk 2 was not marked sent while chunk 1 was in Odoo ({operation})"
        assert marked == [2, 2, 1]
        assert out["counts"]["posted"] == 5 and out["reconciles"]
        assert len({b["odoo_id"] for b in out["bills"]}) == 5
        for i in range(1, 6):  # each bill's rows, once each, in order
            steps = [r.step for r in w.store.trail(f"procurement:INV-{i}") if r.step.startswith("bill-")]
            assert steps == ["bill-created", "bill-posted"]
