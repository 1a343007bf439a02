"""Approvals: a person's decision on a held record, applied once, with that person in the audit chain.

The webhook intake and `ofm quarantine approve|reject` emit `ofm.approval.<kind>` events; the deployments in
`prefect.yaml` run these flows on them, with the record, the approver and (from the CLI) the quarantine entry
as parameters. A held supplier bank account approved is applied by replaying its quarantine entry through
supplier onboarding as the approver; rejected, the entry is discarded with the approver and the reason in the
audit chain. A purchase order approved is synced: its waiting entry replayed when it has one, otherwise a
po-sync run from the watermark, which reads the order as the platform now shows it. A decision that arrives
again finds its entry decided and changes nothing; each run says what it did in its Logs tab.
"""

from __future__ import annotations

import contextlib
from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from ofm.tasks.approvals.decisions import BANK_ACCOUNT, PURCHASE_ORDER, already, deciding, discard, the_entry
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo, running
from ofm.tasks.shared.runstate import finish, run_logger, stamp


def _run_name() -> str:
    ref = str(flow_run.parameters.get("record_ref") or "record").partition(":")[2] or "record"
    return f"{flow_run.flow_name}-{ref}-{stamp()}"


def _end(run: RunInfo, result: dict[str, Any], waits: bool) -> Any:
    """Log what was done; a decision that could not be applied waits for someone (the exceptions state)."""
    with contextlib.suppress(Exception):  # outside a flow run (a plain call) there is no run log
        run_logger().info("%s by %s: %s", result["record_ref"], result["approver"], result["said"])
    return finish(run, result, 1 if waits else 0, counts={"decisions": 1, "waiting": int(waits)},
                  sources=[result["record_ref"].partition(":")[0]])


def _result(record_ref: str, approver: str, decision: str, outcome: str, said: str,
            quarantine_id: int | None, event_id: str | None, **extra: Any) -> dict[str, Any]:
    return {"record_ref": record_ref, "approver": approver, "decision": decision, "outcome": outcome,
            "said": said, "quarantine_id": quarantine_id, "event_id": event_id, "flow_run_id": flow_run.id, **extra}


@flow(name="bank-account-approved", flow_run_name=_run_name, log_prints=False)
def bank_account_approved(record_ref: str, approver: str, quarantine_id: int | None = None,
                          event_id: str | None = None) -> dict:
    """Apply a supplier's held bank account that treasury approved: its quarantine entry (`quarantine_id`, else the
    record's open one) replayed through supplier onboarding as `approver`."""
    from ofm.flows.supplier_onboarding import supplier_onboarding

    store = resources().store
    with running("bank-account-approved", approver) as run, deciding(store, record_ref, run):
        row = the_entry(store, record_ref, quarantine_id, BANK_ACCOUNT)
        if row is None:
            return _end(run, _result(record_ref, approver, "approved", "nothing held",
                                     f"no held bank account of {record_ref}: nothing to apply", quarantine_id,
                                     event_id), waits=True)
        if row.status != "open":
            return _end(run, _result(record_ref, approver, "approved", "already decided", already(row), row.id,
                                     event_id), waits=False)
        onboarding = supplier_onboarding(replay=[row.id], actor=approver)
        now = store.get_quarantine(row.id)
        applied = now is not None and now.status == "replayed"
        said = (f"held bank account applied in Odoo (quarantine entry {row.id} replayed)" if applied else
                f"not applied: quarantine entry {row.id} is still open: {now.reason if now else 'gone'}")
        return _end(run, _result(record_ref, approver, "approved", "applied" if applied else "not applied", said,
                                 row.id, event_id, supplier_onboarding=onboarding.get("counts"),
                                 supplier_onboarding_run=onboarding.get("flow_run_id")), waits=not applied)


@flow(name="bank-account-rejected", flow_run_name=_run_name, log_prints=False)
def bank_account_rejected(record_ref: str, approver: str, quarantine_id: int | None = None,
                          reason: str | None = None, event_id: str | None = None) -> dict:
    """Discard a supplier's held bank account that treasury rejected: the entry closed as discarded by `approver`,
    with the reason, and the audit row written in the same transaction. Nothing reaches Odoo."""
    reason = (reason or "").strip() or None  # the trigger renders a missing reason as ""
    store = resources().store
    with running("bank-account-rejected", approver) as run, deciding(store, record_ref, run):
        row = the_entry(store, record_ref, quarantine_id, BANK_ACCOUNT)
        if row is None:
            return _end(run, _result(record_ref, approver, "rejected", "nothing held",
                                     f"no held bank account of {record_ref}: nothing to discard", quarantine_id,
                                     event_id), waits=False)
        if row.status != "open" or not discard(store, row, run, reason, event_id):
            return _end(run, _result(record_ref, approver, "rejected", "already decided",
                                     already(store.get_quarantine(row.id) or row), row.id, event_id), waits=False)
        return _end(run, _result(record_ref, approver, "rejected", "discarded",
                                 f"held bank account discarded (quarantine entry {row.id})"
                                 + (f": {reason}" if reason else ""), row.id, event_id), waits=False)


@flow(name="purchase-order-approved", flow_run_name=_run_name, log_prints=False)
def purchase_order_approved(record_ref: str, approver: str, quarantine_id: int | None = None,
                            event_id: str | None = None) -> dict:
    """Sync a purchase order the platform approved: its open quarantine entry (waiting on a dependency, refused
    before the approval) replayed through po-sync as `approver`; without one, a po-sync run from the watermark,
    which reads the order as the platform now shows it (with whatever else changed since the last run)."""
    from ofm.flows.po_sync import po_sync

    store = resources().store
    po_id = record_ref.partition(":")[2]
    with running("purchase-order-approved", approver) as run, deciding(store, record_ref, run):
        row = the_entry(store, record_ref, quarantine_id, PURCHASE_ORDER)
        if row is not None and row.status != "open" and quarantine_id is not None:
            return _end(run, _result(record_ref, approver, "approved", "already decided", already(row), row.id,
                                     event_id), waits=False)
        replay = [row.id] if row is not None and row.status == "open" else None
        synced = po_sync(replay=replay, actor=approver if replay else f"po-sync on approval by {approver}")
        order = (synced.get("orders") or {}).get(po_id)
        if order is None:
            said, outcome = (f"{po_id} was not in this po-sync run (already synced, or not approved on the platform "
                             "yet)"), "not in the feed"
        else:
            said, outcome = f"{po_id}: {order['status']}" + (f" ({order['odoo']})" if order.get("odoo") else "") + (
                f": {'; '.join(order['reasons'])}" if order.get("reasons") else ""), order["status"]
        waits = order is not None and order["status"] in ("waiting", "rejected")
        return _end(run, _result(record_ref, approver, "approved", outcome, said, row.id if row else quarantine_id,
                                 event_id, po_sync_run=synced.get("flow_run_id"),
                                 po_sync=synced.get("counts")), waits=waits)
