"""The open work on a real Odoo: the demo's statement leaves entries unmatched; their rows name the suggested
documents as Odoo names them (INV/…, BILL/…), read back from Odoo, and link to the statement line's journal entry.
Entries stored before names were (line ids only) get the same names from Odoo in one read."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from ofm.flows.bank_reconciliation import bank_reconciliation
from ofm.flows.open_work import open_work
from ofm.sandbox.bank.documents import day_one, seed_documents
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")


def tables(flow_run_id: str) -> dict[str, list[dict]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(flow_run_id)])))
    return {a.key: json.loads(a.data) for a in found if a.type == "table"}


def test_unmatched_bank_entries_show_the_real_odoo_document_names_and_links(real_odoo, tmp_path):
    client = real_odoo.client()
    [journal] = client.search_read("account.journal", [["code", "=", "BNK1"]], ["id"])
    [company] = client.search_read("res.company", [], ["partner_id"])
    [bank_id] = client.create("res.partner.bank", [{"acc_number": COMPANY_IBAN,
                                                    "partner_id": company["partner_id"][0]}])
    client.write("account.journal", [journal["id"]], {"bank_account_id": bank_id})
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'ofm.db'}", ack_dir=tmp_path / "acks",
                        bank_matching_policy=real_odoo.bank_policy, odoo_url=real_odoo.url)
    store = Store(settings.database_url)
    store.migrate()
    seed_documents(client)
    path, _, _ = day_one(client, tmp_path)
    with use_resources(Resources(settings=settings, store=store, odoo=client)):
        bank_reconciliation(file=str(path), actor="real-test")
        held = [q for q in store.list_quarantine(status="open", limit=100) if q.object_type == "bank-entry"]
        first = open_work(actor="real-test")
        with store.engine.begin() as conn:  # the same entries as stored before names were: line ids only
            from ofm.store import tables as t

            for q in held:
                old = {**q.payload, "suggestions": [{k: v for k, v in s.items() if k != "documents"}
                                                    for s in q.payload["suggestions"]]}
                old.pop("statement_move")
                conn.execute(t.quarantine.update().where(t.quarantine.c.id == q.id).values(payload=old))
        again = open_work(actor="real-test")
    store.close()

    assert len(held) == 3 and sum(len(q.payload["suggestions"]) for q in held) >= 2
    for result in (first, again):
        rows = {r["quarantine id"]: r for key, table in tables(result["flow_run_id"]).items()
                if key in ("open-work-accounts-receivable", "open-work-accounts-payable") for r in table}
        assert sorted(rows) == sorted(q.id for q in held)
        for q in held:
            expected = []
            for s in q.payload["suggestions"]:  # the names Odoo gives the suggested items' documents
                move_of = {r["id"]: r["move_id"][0] for r in real_odoo.read(
                    "account.move.line", [["id", "in", s["odoo_lines"]]], ["move_id"])}
                name_of = {m["id"]: m["name"] for m in real_odoo.read(
                    "account.move", [["id", "in", list(move_of.values())]], ["name"])}
                names = list(dict.fromkeys(name_of[move_of[i]] for i in s["odoo_lines"]))
                assert all(n.startswith(("INV/", "BILL/")) for n in names), names
                expected.append(f"{' + '.join(names)} ({s['score']:.2f}: {s['why']})")
            assert rows[q.id]["suggestions"] == "; ".join(expected)
            [line] = real_odoo.read("account.bank.statement.line", [["id", "=", q.payload["statement_line"]]],
                                    ["move_id", "amount"])
            assert rows[q.id]["odoo"] == f"{real_odoo.url}/odoo/account.move/{line['move_id'][0]}"
            assert rows[q.id]["amount"] == f"{q.payload['entry']['amount']['amount']} EUR"
            assert float(q.payload["entry"]["amount"]["amount"]) == line["amount"]
