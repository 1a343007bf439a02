"""Audit-chain verification (nightly): every row's hash recomputed, every link and the head checkpoint checked.

The run reads the control-plane store (no Odoo, no procurement) in one snapshot and publishes one markdown
artifact, key `audit-chain`: "chain intact: N rows" with the head row's id and hash (what a third party
compares an export's last hash with), or the first broken row by id and time with what differs (the stored
hash against the one its content gives, or its link against the row before it). A broken chain fails the
run, so the failed-run alert fires. It writes nothing, to the chain or anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from ofm.store.audit import RowCheck, check_row, checkpoint, stamp, verify
from ofm.store.engine import transaction
from ofm.tasks.shared.artifacts import publish_markdown
from ofm.tasks.shared.runinfo import current_run
from ofm.tasks.shared.runstate import finish
from ofm.tasks.shared.runstate import stamp as run_stamp


class AuditChainBroken(ValueError):
    """The audit chain does not verify: the message names the first broken row."""


@dataclass(frozen=True)
class ChainReport:
    """The verdict, the head it ended at, and the first broken row looked at closely."""

    ok: bool
    rows: int
    verdict: str
    head: tuple[int, str] | None
    first_bad_id: int | None = None
    reason: str | None = None
    row: RowCheck | None = None


@task(name="verify-audit-chain", cache_policy=NO_CACHE)
def verify_chain() -> ChainReport:
    """Walk the whole chain in one read-only snapshot; on a break, read the row and the one before it."""
    from ofm.store import Store
    from ofm.tasks.shared.resources import current_settings

    store = Store(current_settings().database_url)  # the store only: verifying needs no Odoo settings
    try:
        store.migrate()
        with transaction(store.engine, readonly=True) as conn:
            verdict, head = verify(conn), checkpoint(conn)
            row = None if verdict.ok else check_row(conn, verdict.first_bad_id)
    finally:
        store.close()
    if verdict.ok:
        return ChainReport(True, verdict.rows_checked, f"chain intact: {verdict.rows_checked} rows", head)
    when = f" ({stamp(row.at)[:19].replace('T', ' ')} UTC)" if row else ""
    return ChainReport(False, verdict.rows_checked, f"chain BROKEN at row {verdict.first_bad_id}{when}: "
                       f"{verdict.reason}", head, verdict.first_bad_id, verdict.reason, row)


def chain_markdown(report: ChainReport, actor: str) -> str:
    """The artifact: the verdict first, then the head (intact) or what differs at the first broken row."""
    lines = [f"## Audit chain: {report.verdict}", "",
             f"Verified {stamp(datetime.now(UTC))[:19].replace('T', ' ')} UTC, requested by `{actor}`; "
             f"{report.rows} rows checked{' before the break' if not report.ok else ''}.", ""]
    head = "none (nothing was ever appended)" if report.head is None else \
        f"row {report.head[0]}, hash `{report.head[1]}`"
    if report.ok:
        return "\n".join([*lines, f"Chain head: {head}. An export whose last row is the head ends with this "
                                  "hash (`python -m ofm.audit_verify_export FILE`)."])
    lines += ["| | |", "|---|---|", f"| first broken row | {report.first_bad_id} |", f"| why | {report.reason} |"]
    r = report.row
    if r is None:
        lines.append(f"| the row | not in the table (the head checkpoint names it: {head}) |")
    else:
        before = "the start of the chain (genesis)" if r.before_id is None else f"row {r.before_id}"
        lines += [f"| appended | {stamp(r.at)} |", f"| stored hash | `{r.hash}` |",
                  f"| hash its content gives | `{r.recomputed}`{' (same)' if r.recomputed == r.hash else ''} |",
                  f"| its prev_hash | `{r.prev_hash}` |",
                  f"| hash of {before} | `{r.before_hash}`{' (same)' if r.before_hash == r.prev_hash else ''} |",
                  f"| chain head | {head} |"]
    return "\n".join(lines)


def _run_name() -> str:
    return f"audit-verify-{run_stamp()}"


@flow(name="audit-verify", flow_run_name=_run_name, log_prints=False)
def audit_verify(actor: str = "ofm") -> dict:
    """Verify the audit chain; publish the verdict; fail the run when the chain is broken."""
    from prefect.runtime import flow_run

    report = verify_chain()
    publish_markdown("audit-chain", chain_markdown(report, actor), report.verdict)
    if not report.ok:
        raise AuditChainBroken(f"audit {report.verdict}")
    return finish(current_run("audit-verify", actor),
                  {"flow_run_id": str(flow_run.id) if flow_run.id else None, "ok": True, "rows": report.rows,
                   "verdict": report.verdict, "head": report.head}, 0, counts={"rows checked": report.rows})
