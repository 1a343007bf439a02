"""Report tasks: acknowledge to the source, publish the run's summary and exceptions table."""

from __future__ import annotations

import json
from dataclasses import asdict

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.tasks.shared.artifacts import publish_markdown, publish_table, reason_text
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.outcome import Outcome, Tally
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

_ACK_STATUS = {Outcome.CREATED: "created", Outcome.UPDATED: "updated", Outcome.UNCHANGED: "unchanged",
               Outcome.HELD: "held", Outcome.QUARANTINED: "rejected"}


@task(name="acknowledge-source", cache_policy=NO_CACHE)
def acknowledge(tally: Tally, origin: str, run: RunInfo) -> int:
    """Tell the source what happened to each record: the API gets acks; a file gets an ack file."""
    from ofm.connectors.procurement import Acknowledgement

    acks = [Acknowledgement(external_id=r.received.lineage.external_id, revision=r.received.lineage.revision,
                            status=_ACK_STATUS[r.outcome], odoo_id=r.odoo_id, reasons=list(r.reasons),
                            correlation_id=r.received.lineage.correlation_id)
            for r in tally.results.values() if r.outcome in _ACK_STATUS]  # elsewhere: its owner run acks it
    if not acks:
        return 0
    if origin == "api":
        resources().procurement.acknowledge(acks)
    else:
        folder = resources().settings.ack_dir
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"suppliers-{run.run_id}.json").write_text(
            json.dumps([asdict(a) for a in acks], indent=1, default=str))
    audit_rows(run, "acknowledged", [(r.received.record_ref, r.received.lineage.correlation_id,
                                      {"status": _ACK_STATUS[r.outcome], "via": origin})
                                     for r in tally.results.values() if r.outcome in _ACK_STATUS])
    return len(acks)


def summary_markdown(tally: Tally, run: RunInfo, origin: str, writes: int) -> str:
    """The run summary an operator reads first."""
    c = tally.counts()
    lines = [f"# Supplier onboarding ({origin})", "",
             "| received | created | updated | unchanged | held | quarantined |",
             "|---:|---:|---:|---:|---:|---:|",
             f"| {c['received']} | {c['created']} | {c['updated']} | {c['unchanged']} | {c['held']} "
             f"| {c['quarantined']} |", "",
             *([f"In progress elsewhere (owned by another live run, which writes and acknowledges them): "
                f"**{c['in progress elsewhere']}**.", ""] if c["in progress elsewhere"] else []),
             f"Counts reconcile: **{'yes' if tally.reconciles() else 'NO'}**. "
             f"Odoo write calls: **{writes}**{' (nothing to write)' if writes == 0 else ''}.",
             f"Run id `{run.run_id}`; trace one record with `ofm audit trail <record_ref>`."]
    return "\n".join(lines)


def exception_rows(tally: Tally) -> list[dict[str, str]]:
    """One row per held or quarantined record, with its reasons."""
    return [{"record": r.received.record_ref, "outcome": r.outcome.value,
             "odoo_id": str(r.odoo_id or ""), "reasons": reason_text(r.reasons)}
            for r in tally.results.values() if r.outcome in (Outcome.HELD, Outcome.QUARANTINED)]


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish(tally: Tally, run: RunInfo, origin: str, writes: int) -> str:
    """Markdown summary + exceptions table as Prefect artifacts; counts as run metrics."""
    markdown = summary_markdown(tally, run, origin, writes)
    publish_markdown("supplier-onboarding-summary", markdown, "Counts of the supplier onboarding run")
    publish_table("supplier-onboarding-exceptions", exception_rows(tally), ("record", "outcome", "odoo_id", "reasons"),
                  "Held and quarantined suppliers with their reasons")
    metrics = {k: float(v) for k, v in tally.counts().items()} | {"odoo_write_calls": float(writes)}
    resources().store.record_metrics(run.flow_run_id or run.run_id, run.flow_name, metrics)
    return markdown
