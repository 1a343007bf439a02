"""po-sync overlaps its own work with Odoo's: while one chunk of new orders is being created, the next chunk is
already kept, mapped, checked, decided and claimed (one write in flight, as ledger-batch posts)."""

from __future__ import annotations

import threading

import pytest
from flow_world import world
from p2p_world import export, odoo_order, order, seed_odoo

from ofm.flows.po_sync import po_sync

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_the_next_chunk_is_claimed_while_the_chunk_before_is_being_created(tmp_path, monkeypatch):
    with world(tmp_path, suppliers=5, batch_size=2) as w:
        seed_odoo(w.odoo)
        claims: list[int] = []
        second_claimed = threading.Event()
        claim, create = w.store.claim, w.odoo.create

        def counting_claim(intents, owner, **kwargs):
            rows = claim(intents, owner, **kwargs)
            if any(":create:" in i.idempotency_key for i in intents):
                claims.append(len(intents))
                if len(claims) == 2:
                    second_claimed.set()
            return rows

        waited: list[bool] = []

        def first_create_waits(model, vals_list, *args, **kwargs):
            if model == "purchase.order" and not waited:  # Odoo "busy" with the first chunk until chunk 2 is claimed
                waited.append(second_claimed.wait(10))
            return create(model, vals_list, *args, **kwargs)

        monkeypatch.setattr(w.store, "claim", counting_claim)
        monkeypatch.setattr(w.odoo, "create", first_create_waits)
        out = po_sync(source=export(tmp_path, *[order(f"PO-{i}") for i in range(1, 6)]))
        assert waited == [True], "chunk 2 was not claimed while chunk 1 was in Odoo"
        assert claims == [2, 2, 1]
        assert {o["status"] for o in out["orders"].values()} == {"created"} and out["reconciles"]
        assert all(odoo_order(w.odoo, f"PO-{i}")["state"] == "purchase" for i in range(1, 6))
