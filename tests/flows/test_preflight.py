"""A run's preflight on the sandbox: a right the integration user lacks stops the run before it reads or writes
anything, naming flow, model, operation and the Odoo groups granting it; rights seen granted are not asked
again in the process. The same on real Odoo 18 and 19 with a restricted user:
tests/real/test_real_least_privilege.py."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flow_world import world
from p2p_world import export, line, order, seed_odoo

from ofm.connectors.odoo.access import OdooRightsMissing
from ofm.connectors.odoo.usage import load_usage
from ofm.flows.po_sync import po_sync

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def w(tmp_path):
    with world(tmp_path, suppliers=5) as w:
        w.seed = seed_odoo(w.odoo)
        yield w


def _take_away(sandbox, model: str, letter: str) -> None:
    """The sandbox's integration user loses one right (letters r, w, c, u) on `model`."""
    m = sandbox.schema[model]
    sandbox.schema = {**sandbox.schema, model: replace(m, integration_rights=m.integration_rights.replace(letter, ""))}


def test_a_missing_right_stops_the_run_before_it_reads_or_writes_anything(w, tmp_path):
    _take_away(w.sandbox, "purchase.order", "c")
    before = dict(w.sandbox.calls)
    with pytest.raises(OdooRightsMissing) as caught:
        po_sync(source=export(tmp_path, order("PO-1", line(1))))
    assert str(caught.value).startswith(
        "po-sync: the integration user lacks create on purchase.order (Odoo group purchase.group_purchase_user); "
        "nothing was read or written")
    asked = {key: n - before.get(key, 0) for key, n in w.sandbox.calls.items() if n != before.get(key, 0)}
    assert {method for _model, method in asked} == {"has_access"}, asked  # nothing but the rights asked
    assert w.store.inbox_payload("procurement", "purchase_order", "PO-1") is None


def test_rights_seen_granted_are_asked_once_per_process(w, tmp_path):
    path = export(tmp_path, order("PO-1", line(1)))
    po_sync(source=path)
    assert w.store.inbox_payload("procurement", "purchase_order", "PO-1") is not None
    rights = load_usage().rights("po-sync")
    assert w.sandbox.count(method="has_access") == len(rights) == 13
    po_sync(source=path)
    assert w.sandbox.count(method="has_access") == len(rights)  # the second run asks none


def test_procure_to_pay_checks_every_steps_rights_before_its_first_step_writes(w):
    from ofm.flows.procure_to_pay import procure_to_pay

    _take_away(w.sandbox, "account.move", "c")  # three-way-match's bills, the last step
    writes = w.odoo_write_calls()  # the fixture's catalogue
    with pytest.raises(OdooRightsMissing, match=r"^procure-to-pay: the integration user lacks create on account\.move "
                                                r"\(Odoo group account\.group_account_invoice or "
                                                r"purchase\.group_purchase_user\) for three-way-match; nothing"):
        procure_to_pay()
    assert w.sandbox.records("purchase.order") == [] and w.odoo_write_calls() == writes


def test_asking_rights_is_not_counted_as_a_write() -> None:
    """`has_access` changes nothing: a re-run that only asks its rights reports 0 write calls (the demo's
    "nothing was written" and every flow's `odoo_writes` count on it)."""
    from ofm.connectors.odoo.stats import CallStats

    stats = CallStats()
    for model in ("purchase.order", "account.move"):
        stats.record(model, "has_access")
        stats.record(model, "check_access_rights")
    assert stats.total == 4 and stats.writes == 0
