"""Feeds announce what arrived: `ofm.feed.arrived`, the event a feed's deadline automation waits for.

A bank statement file taken into the inbox is the bank-statements feed arriving (readable or not: a file that
cannot be read is quarantined and alerts through the run's exceptions, not as a late feed). The automation
"P1 bank statement feed late" fires when no such event came within its window (ofm/ops/automations.yaml). The
payment feed, when it exists, announces itself the same way with `feed="payments"`.
"""

from __future__ import annotations

import logging

from ofm.tasks.shared.runinfo import RunInfo

FEED_ARRIVED = "ofm.feed.arrived"
BANK_STATEMENTS = "bank-statements"
PAYMENTS = "payments"


def feed_resource(feed: str) -> dict[str, str]:
    """The Prefect resource of a feed: `ofm.feed.<feed>`."""
    return {"prefect.resource.id": f"ofm.feed.{feed}", "prefect.resource.name": feed}


def feed_arrived(feed: str, run: RunInfo, **payload: object) -> None:
    """Emit `ofm.feed.arrived` for `feed`, related to the run that took it in; nothing outside a Prefect run."""
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.events import emit_event

    if FlowRunContext.get() is None and TaskRunContext.get() is None:
        return
    related = [{"prefect.resource.id": f"prefect.flow-run.{run.flow_run_id}", "prefect.resource.role": "flow-run"}
               ] if run.flow_run_id else []
    try:
        emit_event(event=FEED_ARRIVED, resource=feed_resource(feed), related=related,
                   payload={"feed": feed, "flow": run.flow_name, **payload})
    except Exception:  # an announcement must not fail the intake that already kept the file
        logging.getLogger(__name__).warning("could not announce the arrival of feed %s", feed)
