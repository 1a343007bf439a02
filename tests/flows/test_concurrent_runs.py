"""Runs of the same flow overlapping on the same input (a schedule and a person, a retry and the first
attempt, two workers): every record lands in Odoo exactly once, and the counts of the runs reconcile
(created in one run, `unchanged` or `in progress elsewhere` in the others).

Each run is a thread with its own store connection and Odoo client, released at the same moment
(`at_once`), against one PostgreSQL store and one Odoo sandbox, on the session's Prefect server.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from flow_world import at_once, odoo_client, outbox_states, world
from p2p_world import export, line, odoo_order, order, receipt, seed_odoo

from ofm.flows.bank_reconciliation import bank_reconciliation
from ofm.flows.goods_receipt import goods_receipt
from ofm.flows.po_sync import po_sync
from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.flows.three_way_match import three_way_match
from ofm.sandbox.procurement import generate_suppliers
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.ownership import ELSEWHERE
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = [pytest.mark.usefixtures("prefect_harness"),
              pytest.mark.parametrize("store_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                      indirect=True)]
SUPPLIERS = 60


def failures(results: list) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]


def supplier_file(tmp_path: Path) -> str:
    path = tmp_path / "suppliers.json"
    path.write_text(json.dumps({"suppliers": generate_suppliers(SUPPLIERS, seed=11, dirty=False)}))
    return str(path)


def assert_each_vendor_once(w) -> None:
    partners = w.partners()
    refs = Counter(p["ref"] for p in partners)
    assert [r for r, n in refs.items() if n > 1] == [], "two partners share a vendor code"
    assert len(partners) == SUPPLIERS


def acks(folder: Path, prefix: str) -> list[dict]:
    return [a for f in sorted(folder.glob(f"{prefix}-*.json")) for a in json.loads(f.read_text())]


def test_eight_supplier_runs_at_once_create_each_vendor_once_and_their_counts_reconcile(tmp_path, store_url):
    with world(tmp_path, suppliers=5, database_url=store_url, batch_size=10) as w:
        source = supplier_file(tmp_path)
        results = at_once(8, w.settings, w.sandbox, lambda i: supplier_onboarding(source=source, actor=f"worker-{i}"))
        assert failures(results) == []
        assert_each_vendor_once(w)
        for r in results:
            c = r["counts"]
            assert r["reconciles"] and c["received"] == SUPPLIERS, c
            assert c["quarantined"] == c["held"] == 0, r["exceptions"]
            assert c["created"] + c["unchanged"] + c[ELSEWHERE] == SUPPLIERS, c
        assert sum(r["counts"]["created"] for r in results) == SUPPLIERS
        told = acks(tmp_path / "acks", "suppliers")
        assert Counter(a["status"] for a in told)["created"] == SUPPLIERS
        assert set(Counter(a["external_id"] for a in told if a["status"] == "created").values()) == {1}
        assert {a["status"] for a in told} <= {"created", "unchanged"}, "a record left to another run was acked"
        assert set(outbox_states(w.store)) == {"done"}


def test_a_supplier_run_killed_mid_load_is_completed_once_by_the_run_beside_it(tmp_path, store_url):
    """The worst moment: the survivor read Odoo before the killed run's batches landed, and claims after it
    died; it takes the killed run's intents over, finds by anchor what landed, and creates only the rest."""
    import threading

    import httpx
    from flow_world import Crash

    with world(tmp_path, suppliers=5, database_url=store_url, batch_size=10) as w:
        source = supplier_file(tmp_path)
        died, ended = threading.Event(), threading.Event()

        def kill_the_first_claim_after_it(i: int, res) -> None:
            if i == 0:  # dies right after its second batch committed in Odoo
                inner, creates = res.odoo._http._transport, [0]

                class DiesAfterCommit(httpx.BaseTransport):
                    def handle_request(self, request: httpx.Request) -> httpx.Response:
                        response = inner.handle_request(request)
                        if request.url.path.endswith("/res.partner/create"):
                            creates[0] += 1
                            if creates[0] == 2:
                                died.set()
                                raise Crash("killed after its second batch committed in Odoo")
                        return response

                res.odoo._http._transport = DiesAfterCommit()
            else:  # has read Odoo and decided; claims only once the first run is dead
                claim = res.store.claim

                def claim_after_the_death(*args, **kwargs):
                    assert died.wait(timeout=60) and ended.wait(timeout=60)
                    return claim(*args, **kwargs)

                res.store.claim = claim_after_the_death

        def onboard(i: int) -> dict:
            try:
                return supplier_onboarding(source=source, actor=f"worker-{i}")
            finally:
                if i == 0:  # its batches go out from a sending thread: the run ends a moment after its death there
                    ended.set()

        results = at_once(2, w.settings, w.sandbox, onboard, prepare=kill_the_first_claim_after_it)
        assert "killed" in str(results[0])
        survivor = results[1]["counts"]
        assert results[1]["reconciles"] and survivor["quarantined"] == survivor[ELSEWHERE] == 0, survivor
        assert survivor["created"] + survivor["unchanged"] == SUPPLIERS and survivor["created"] >= SUPPLIERS - 10
        assert_each_vendor_once(w)
        assert set(outbox_states(w.store)) == {"done"}
        assert supplier_onboarding(source=source, actor="next")["odoo_writes"] == 0


def test_two_po_sync_runs_then_two_goods_receipt_runs_at_once_write_each_document_once(tmp_path, store_url):
    numbers = [f"PO-{i}" for i in range(1, 7)]
    with world(tmp_path, suppliers=5, database_url=store_url, batch_size=2) as w:
        seed_odoo(w.odoo)
        orders = export(tmp_path, *[order(n, line(1), line(2, "OFM-DESK", "4", "450.00")) for n in numbers])
        results = at_once(2, w.settings, w.sandbox, lambda i: po_sync(source=orders, actor=f"worker-{i}"))
        assert failures(results) == []
        for n in numbers:
            found = w.odoo.search_read("purchase.order", [["origin", "=", n]], ["state"])
            assert [po["state"] for po in found] == ["purchase"], f"{n}: {found}"
            statuses = sorted(r["orders"][n]["status"] for r in results)
            assert statuses in (["created", "unchanged"], ["created", ELSEWHERE]), f"{n}: {statuses}"
        assert all(r["reconciles"] for r in results)

        receipts = export(tmp_path, *[receipt(f"GR-{n}", n, (1, "10"), (2, "4")) for n in numbers])
        results = at_once(2, w.settings, w.sandbox, lambda i: goods_receipt(source=receipts, actor=f"worker-{i}"))
        assert failures(results) == []
        for n in numbers:
            assert {ln["sequence"]: ln["qty_received"] for ln in odoo_order(w.odoo, n)["lines"]} == {1: 10.0, 2: 4.0}
            marked = w.odoo.search_read("stock.picking", [["note", "ilike", f"ofm-receipt:GR-{n}"]], ["state"])
            assert [p["state"] for p in marked] == ["done"], f"GR-{n} validated {len(marked)} times"
            statuses = sorted(r["receipts"][f"GR-{n}"]["status"] for r in results)
            assert statuses in (["applied", "unchanged"], ["applied", ELSEWHERE]), f"GR-{n}: {statuses}"
        assert all(r["reconciles"] for r in results)
        assert set(outbox_states(w.store)) == {"done"}


def test_two_three_way_match_runs_at_once_create_and_post_each_bill_once(tmp_path, store_url):
    from match_world import bill_line, invoice, receive, seed
    from match_world import export as bills_export
    from match_world import order as match_order

    with world(tmp_path, suppliers=5, database_url=store_url, batch_size=2) as w:
        seeded = seed(w.odoo)
        docs = []
        for k in range(1, 6):
            number = f"PO-2026-02{k:02d}"
            po = match_order(w.odoo, seeded, number, [(1, "OFM-CHAIR", "10", "120.00", "VAT19")])
            receive(w.odoo, po, {1: "10"})
            docs.append(invoice(f"INV-{k}", f"F-{k}",  # amounts differ: equal ones would be duplicates
                                [bill_line(1, number, 1, "OFM-CHAIR", str(k + 1), "120.00")]))
        source = bills_export(tmp_path, docs)
        results = at_once(2, w.settings, w.sandbox, lambda i: three_way_match(source=source, actor=f"worker-{i}"))
        assert failures(results) == []
        bills = w.odoo.search_read("account.move", [("move_type", "=", "in_invoice")], ["ref", "state"])
        assert sorted(b["ref"] for b in bills) == [f"F-{k}" for k in range(1, 6)], "one bill per invoice"
        assert {b["state"] for b in bills} == {"posted"}
        for k in range(1, 6):
            statuses = sorted(next(b["status"] for b in r["bills"] if b["record"] == f"procurement:INV-{k}")
                              for r in results)
            assert "posted" in statuses and statuses.count("posted") == 1 or statuses == ["unchanged", "unchanged"], \
                f"INV-{k}: {statuses}"
            assert set(statuses) <= {"posted", "unchanged", ELSEWHERE}
        assert all(r["reconciles"] for r in results)
        assert set(outbox_states(w.store)) == {"done"}


def test_two_bank_reconciliation_runs_at_once_import_and_reconcile_each_entry_once(tmp_path, store_url):
    from ofm.sandbox.bank.documents import day_one, seed_documents
    from ofm.sandbox.odoo import OdooSandbox
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN

    sandbox = OdooSandbox(company_iban=COMPANY_IBAN)
    odoo = odoo_client(sandbox)
    settings = Settings(_env_file=None, database_url=store_url, ack_dir=tmp_path / "acks")
    store = Store(store_url)
    store.migrate()
    docs = seed_documents(odoo)
    file, _, expected = day_one(odoo, tmp_path)
    with use_resources(Resources(settings=settings, store=store, odoo=odoo)):
        results = at_once(2, settings, sandbox, lambda i: bank_reconciliation(file=str(file), actor=f"worker-{i}"))
        assert failures(results) == []
        lines = odoo.search_read("account.bank.statement.line", [], ["ref"])
        assert len(lines) == len(expected), "one statement line per entry"
        states = Counter(m["payment_state"] for m in odoo.read("account.move", docs["moves"], ["payment_state"]))
        settled_whole = sum(1 for e in expected if e in ("reference", "partner_amount", "fees"))
        assert states["paid"] == settled_whole + 2 * expected.count("multi_invoice")
        assert states["partial"] == expected.count("partial")
        assert len(odoo.search_read("account.move", [("ref", "like", "OFM write-off")], ["id"])) == 1
        c = [r["counts"] for r in results]
        assert sum(x["imported"] for x in c) == len(expected), c
        for x in c:
            assert x["imported"] + x["already_imported"] + x[ELSEWHERE] >= x["booked"] == len(expected), x
        reconcilable = len(expected) - expected.count("unmatched")
        assert sum(x["reconciled"] for x in c) == reconcilable, c
        with sa.create_engine(store_url).connect() as conn:
            done = dict(conn.execute(sa.text("SELECT state, count(*) FROM outbox GROUP BY state")).all())
        assert set(done) == {"done"}, done
    store.close()
