"""bank-reconciliation reads the open items while its statement lines go into Odoo (they are not among them),
and asks the server's anchor field once per client."""

from __future__ import annotations

import threading

import pytest
from flow_world import odoo_client

from ofm.flows.bank_reconciliation import bank_reconciliation
from ofm.sandbox.bank.documents import day_one, seed_documents
from ofm.sandbox.odoo import OdooSandbox
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_open_items_are_read_while_the_lines_are_created_and_the_anchor_is_asked_once(tmp_path, monkeypatch):
    sandbox = OdooSandbox(company_iban=COMPANY_IBAN)
    odoo = odoo_client(sandbox)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'ofm.db'}", ack_dir=tmp_path / "acks")
    store = Store(settings.database_url)
    store.migrate()
    seed_documents(odoo)
    path, _, expected = day_one(odoo, tmp_path)
    items_read = threading.Event()
    call = odoo.call
    waited: list[bool] = []

    def watched(model, method, *args, **kwargs):
        answer = call(model, method, *args, **kwargs)
        if (model, method) == ("account.move", "read") and "payment_reference" in str(kwargs):
            items_read.set()  # the open items' payment references: the second of their reads
        return answer

    def lines_wait(model, method, *args, **kwargs):
        if (model, method) == ("account.bank.statement.line", "create") and not waited:  # Odoo "busy" with them
            waited.append(items_read.wait(10))
        return watched(model, method, *args, **kwargs)

    monkeypatch.setattr(odoo, "call", lines_wait)
    with use_resources(Resources(settings=settings, store=store, odoo=odoo)):
        fields_before = sandbox.count("account.bank.statement.line", "fields_get")
        result = bank_reconciliation(file=str(path), actor="test")
        assert waited == [True], "the open items were not read while the statement lines were being created"
        assert result["counts"]["reconciled"] == len([e for e in expected if e != "unmatched"])
        assert sandbox.count("account.bank.statement.line", "fields_get") - fields_before == 1
