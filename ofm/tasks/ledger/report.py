"""The ledger run's report: the quarantine closed for what went through, a summary, an exceptions table."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.tasks.ledger.check import ALREADY, POSTED, QUARANTINED, STATUSES, EntryResult, LedgerResults
from ofm.tasks.ledger.intake import DEFERRED, LedgerFile
from ofm.tasks.shared.artifacts import publish_markdown, publish_table, reason_text
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo


def unmapped(lf: LedgerFile) -> list[EntryResult]:
    """The entries of a file that did not map (quarantined at intake)."""
    return [EntryResult(lf.entries[n].record_ref, QUARANTINED, reasons=(f"{fld}: {reason}",))
            for n, (fld, reason) in lf.failed.items()]


def held_file(lf: LedgerFile) -> list[EntryResult]:
    """A file that could not be read as a batch: one record, quarantined whole."""
    return [EntryResult(lf.received.record_ref, QUARANTINED, reasons=(lf.error or "",))]


def close_through(results: LedgerResults, run: RunInfo) -> int:
    """Entries now in Odoo close their open quarantine entries (deferred ones posted, corrected ones re-sent)."""
    refs = [r.record_ref for r in results.by_ref.values() if r.status in (POSTED, ALREADY)]
    return resources().store.resolve_open(refs, run.actor, f"posted in Odoo by run {run.run_id}")


def summary_markdown(results: LedgerResults, run: RunInfo, writes: int) -> str:
    c = results.counts()
    lines = ["# Ledger batches", "", "| received | " + " | ".join(STATUSES) + " |", "|---:|" + "---:|" * len(STATUSES),
             f"| {c['received']} | " + " | ".join(str(c[s]) for s in STATUSES) + " |", "",
             f"Counts reconcile: **{'yes' if results.reconciles() else 'NO'}**. Odoo write calls: **{writes}**"
             f"{' (nothing to write)' if writes == 0 else ''}.",
             *[f"- **Refused run**: {r}" for r in results.refused_runs],
             *[f"- **Held file**: {r}" for r in results.held_files],
             f"Deferred entries wait in `ofm quarantine list --category {DEFERRED}` and post by themselves once "
             "their period is open.", f"Run id `{run.run_id}`; trace an entry with `ofm audit trail "
                                      "ledger:<source>:<batch>:<entry>`."]
    return "\n".join(lines)


@task(name="publish-ledger-summary", cache_policy=NO_CACHE)
def publish(results: LedgerResults, run: RunInfo, writes: int) -> str:
    """Markdown summary + exceptions table as Prefect artifacts; counts as run metrics."""
    markdown = summary_markdown(results, run, writes)
    publish_markdown("ledger-batch-summary", markdown, "Ledger batches: counts")
    rows = [{"entry": r.record_ref, "status": r.status, "reasons": reason_text(r.reasons)}
            for r in results.by_ref.values() if r.status not in (POSTED, ALREADY)]
    publish_table("ledger-batch-exceptions", rows, ("entry", "status", "reasons"),
                  "Journal entries quarantined, deferred or left to another run")
    metrics = {k: float(v) for k, v in results.counts().items()} | {"odoo_write_calls": float(writes)}
    resources().store.record_metrics(run.flow_run_id or run.run_id, run.flow_name, metrics)
    return markdown
