"""supplier-onboarding overlaps its own work with Odoo's: while one chunk of new suppliers is being created, the next
chunk is already kept in the inbox, mapped, checked, decided and claimed (one write in flight). The batch's checks
still see the whole batch: a VAT number two chunks share stops both records."""

from __future__ import annotations

import json
import threading

import pytest
from flow_world import world

from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.sandbox.procurement import generate_suppliers

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _export(tmp_path, suppliers: list[dict]) -> str:
    path = tmp_path / "suppliers.json"
    path.write_text(json.dumps(suppliers))
    return str(path)


def test_the_next_chunk_is_kept_and_claimed_while_the_chunk_before_is_being_created(tmp_path, monkeypatch):
    with world(tmp_path, batch_size=2) as w:
        kept: list[int] = []
        claims: list[int] = []
        second_claimed = threading.Event()
        receive, claim, create = w.store.receive, w.store.claim, w.odoo.create

        def counting_receive(items):
            kept.append(len(items))
            return receive(items)

        def counting_claim(intents, owner, **kwargs):
            rows = claim(intents, owner, **kwargs)
            if any(":create:" in i.idempotency_key for i in intents):
                claims.append(len(intents))
                if len(claims) == 2:
                    second_claimed.set()
            return rows

        at_first_create: list[list[int]] = []
        waited: list[bool] = []

        def first_create_waits(model, vals_list, *args, **kwargs):
            if model == "res.partner" and not waited:  # Odoo "busy" with the first chunk until chunk 2 is claimed
                at_first_create.append(list(kept))
                waited.append(second_claimed.wait(10))
            return create(model, vals_list, *args, **kwargs)

        monkeypatch.setattr(w.store, "receive", counting_receive)
        monkeypatch.setattr(w.store, "claim", counting_claim)
        monkeypatch.setattr(w.odoo, "create", first_create_waits)
        out = supplier_onboarding(source=_export(tmp_path, generate_suppliers(5, seed=11, dirty=False)), actor="test")
        assert at_first_create == [[2]], "more than the first chunk was in the inbox before its create went out"
        assert waited == [True], "chunk 2 was not kept and claimed while chunk 1 was in Odoo"
        assert kept == [2, 2, 1] and claims == [2, 2, 1]
        assert out["counts"]["created"] == 5 and out["reconciles"]
        assert len(w.partners()) == 5 and w.store.verify_audit().ok


def test_a_vat_number_two_chunks_share_quarantines_both_and_the_checkpoint_agrees(tmp_path):
    suppliers = generate_suppliers(5, seed=11, dirty=False)
    suppliers[4]["tax_id"] = suppliers[0]["tax_id"]  # chunk 1 and chunk 3 (two per chunk)
    suppliers[4]["country"] = suppliers[0]["country"]
    with world(tmp_path, batch_size=2) as w:
        out = supplier_onboarding(source=_export(tmp_path, suppliers), actor="test")
        assert out["counts"]["created"] == 3 and out["counts"]["quarantined"] == 2 and out["reconciles"]
        held = {r.record_ref: r for r in w.store.list_quarantine(status="open")}
        assert set(held) == {f"procurement:{suppliers[i]['id']}" for i in (0, 4)}
        assert all("vat_unique" in r.field and "more than one supplier" in r.reason for r in held.values())
        # the Great Expectations checkpoint of the whole batch failed the same two records
        assert out["quality"]["records"] == 5 and out["quality"]["records_failed"] == 2
        assert out["quality"]["unexpected"]["vat_unique"] == 2
        assert len(w.partners()) == 3
