"""What a three-way match run tells people: acks to procurement, the summary, the exceptions table.

Acknowledgements go to the platform's invoice intake when the bills came from its API (a file
drop gets an ack file, a replay tells nobody: the platform heard about the bill already). Bills
that went through close their open quarantine entries; replayed entries that went through are
closed as `replayed`.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.tasks.match.results import DELIVERED, ELSEWHERE, Outcomes
from ofm.tasks.shared.artifacts import publish_markdown, publish_table, reason_text
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo


@task(name="acknowledge-bills", cache_policy=NO_CACHE)
def acknowledge(outcomes: Outcomes, origin: str, run: RunInfo) -> int:
    """posted / draft / held / rejected / unchanged, with the Odoo id and bill name, per source invoice."""
    from ofm.connectors.procurement import Acknowledgement

    results = [r for r in outcomes.by_ref.values() if r.received.mapping == "procurement/invoice"
               and r.status != ELSEWHERE]  # the run that owns it acknowledges it
    if not results or origin == "replay":
        return 0
    acks = [Acknowledgement(external_id=r.received.lineage.external_id, revision=None, status=r.status,
                            odoo_id=r.odoo_id, odoo_ref=r.odoo_ref, reasons=list(r.reasons),
                            correlation_id=r.received.lineage.correlation_id) for r in results]
    if origin == "api":
        resources().procurement.acknowledge(acks, kind="invoices")
    else:
        folder = resources().settings.ack_dir
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"invoices-{run.run_id}.json").write_text(json.dumps([asdict(a) for a in acks], indent=1))
    audit_rows(run, "acknowledged", [(r.received.record_ref, r.received.lineage.correlation_id,
                                      {"status": r.status, "odoo_ref": r.odoo_ref, "via": origin}) for r in results])
    return len(acks)


@task(name="close-quarantine-of-bills", cache_policy=NO_CACHE)
def close_quarantine(outcomes: Outcomes, replayed: list[int] | None, run: RunInfo) -> int:
    """Replayed entries that went through become `replayed`; other open entries of delivered bills resolve."""
    store = resources().store
    through = [r for r in outcomes.by_ref.values() if r.status in DELIVERED]
    for r in through:
        qid = r.received.quarantine_id
        if replayed and qid in replayed and (row := store.get_quarantine(qid)) and row.status == "open":
            store.set_quarantine_status(qid, "replayed", actor=run.actor,
                                        note=f"replayed: {r.status}, Odoo bill {r.odoo_ref or r.odoo_id}")
    refs = sorted(r.received.record_ref for r in through)
    return store.resolve_open(refs, actor=run.actor, note=f"went through in run {run.run_id}") if refs else 0


def summary_markdown(outcomes: Outcomes, run: RunInfo, origin: str, writes: int, stats: dict) -> str:
    """The run summary accounts payable reads first."""
    c = outcomes.counts()
    reasons = ", ".join(f"{k} {v}" for k, v in sorted((stats.get("reasons") or {}).items())) or "none"
    lines = [f"# Three-way match ({origin})", "",
             "| received | posted | draft | held | rejected | unchanged | match rate |",
             "|---:|---:|---:|---:|---:|---:|---:|",
             f"| {c['received']} | {c['posted']} | {c['draft']} | {c['held']} | {c['rejected']} | {c['unchanged']} "
             f"| {100.0 * outcomes.match_rate():.1f} % |", "",
             *([f"In progress elsewhere (another live run writes and acknowledges them): **{c[ELSEWHERE]}**."]
               if c.get(ELSEWHERE) else []),
             f"Reasons found by the match: {reasons}.",
             f"Counts reconcile: **{'yes' if outcomes.reconciles() else 'NO'}**. Odoo write calls: **{writes}**"
             f"{' (nothing to write)' if writes == 0 else ''}.",
             f"Run id `{run.run_id}`; trace one bill with `ofm audit trail procurement:<invoice id>`."]
    return "\n".join(lines)


@task(name="publish-match-summary", cache_policy=NO_CACHE)
def publish(outcomes: Outcomes, run: RunInfo, origin: str, writes: int, stats: dict) -> str:
    """Markdown summary + exceptions table as Prefect artifacts; counts as run metrics."""
    markdown = summary_markdown(outcomes, run, origin, writes, stats)
    publish_markdown("three-way-match-summary", markdown, "Bills per outcome and the match rate")
    rows = [{"bill": r.received.record_ref, "status": r.status, "odoo": r.odoo_ref or str(r.odoo_id or ""),
             "owner": r.owner or "", "codes": ", ".join(r.codes), "reasons": reason_text(r.reasons)}
            for r in outcomes.by_ref.values() if r.status in ("held", "rejected")]
    publish_table("three-way-match-exceptions", rows, ("bill", "status", "odoo", "owner", "codes", "reasons"),
                  "Bills held or rejected, with the team that owns each and why")
    metrics = {k: float(v) for k, v in outcomes.counts().items()}
    metrics |= {"odoo_write_calls": float(writes), "match_rate": outcomes.match_rate()}
    resources().store.record_metrics(run.flow_run_id or run.run_id, run.flow_name, metrics)
    return markdown
