"""Audit and quarantine helpers shared by the tasks: one batched store call per step."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ofm.tasks.shared.outcome import Outcome, Received, RecordResult
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo


def audit_rows(run: RunInfo, step: str, rows: list[tuple[str | None, str, dict[str, Any]]]) -> None:
    """Append one audit row per (record_ref, correlation_id, summary), hash-linked, in one call.

    A summary that names its `mapping` gets the `mapping_version` it was read with, here, once for every flow.
    """
    from ofm.store import AuditEntry

    if not rows:
        return
    versions: dict[str, str | None] = {}
    resources().store.audit([
        AuditEntry(correlation_id=corr, flow_run_id=run.flow_run_id, actor=run.actor, step=step,
                   record_ref=ref, summary=_with_mapping_version(summary, versions))
        for ref, corr, summary in rows
    ])


class AuditBatch:
    """Audit rows of several steps gathered and appended in one call (one transaction, one lock of the chain):
    the rows of a chunk's steps, in the order added. Quarantining through it writes what was gathered first,
    so that a record's trail stays in order."""

    def __init__(self, run: RunInfo) -> None:
        self.run = run
        self.rows: list[tuple[str, str | None, str, dict[str, Any]]] = []

    def add(self, step: str, rows: list[tuple[str | None, str, dict[str, Any]]]) -> None:
        self.rows += [(step, ref, corr, summary) for ref, corr, summary in rows]

    def quarantine(self, run: RunInfo, step: str, rows: list[tuple[Received, str, str, str | None, str]],
                   object_type: str = "supplier") -> list[RecordResult]:
        if not rows:
            return []
        self.flush()
        return quarantine_records(run, step, rows, object_type)

    def flush(self) -> None:
        from ofm.store import AuditEntry

        rows, self.rows = self.rows, []
        if not rows:
            return
        versions: dict[str, str | None] = {}
        run = self.run
        resources().store.audit([
            AuditEntry(correlation_id=corr, flow_run_id=run.flow_run_id, actor=run.actor, step=step,
                       record_ref=ref, summary=_with_mapping_version(summary, versions))
            for step, ref, corr, summary in rows
        ])


def _with_mapping_version(summary: dict[str, Any], versions: dict[str, str | None]) -> dict[str, Any]:
    name = summary.get("mapping")
    if not isinstance(name, str) or "mapping_version" in summary:
        return summary
    if name not in versions:
        versions[name] = mapping_version(name)
    return summary if versions[name] is None else {**summary, "mapping_version": versions[name]}


def mapping_version(name: str) -> str | None:
    """`sha256:<12 hex>` of the mapping file a record was read with, `code:ofm-<release>` for a mapping written as
    code (`procurement/invoice`, `ubl/invoice`); None if it cannot be told (an audit row is never refused for it)."""
    try:
        path = _mapping_file(name)
        if path is None:
            return f"code:ofm-{metadata.version('odoo-finance-middleware')}"
        return _file_version(path, path.stat().st_mtime_ns)
    except Exception:  # a version is a courtesy to the auditor: the run and its audit row go on without it
        return None


def _mapping_file(name: str) -> Path | None:
    """The file behind a mapping name: an absolute path, `payroll.yaml` (ledger mappings), or `procurement/supplier`
    (YAML field mappings), in the configured folder or shipped with the package."""
    if Path(name).is_absolute():  # a file a flow read by its configured path (a bank CSV mapping, a policy)
        return Path(name) if Path(name).is_file() else None
    settings = resources().settings
    if name.endswith((".yaml", ".yml")):
        from ofm.mappings.ledger import BUNDLED_DIR

        path = (settings.ledger_mapping_dir or BUNDLED_DIR) / name
    elif settings.mapping_dir:
        path = settings.mapping_dir / f"{name}.yaml"
    else:
        from ofm.mappings.engine import bundled_mapping

        try:
            path = bundled_mapping(name)
        except FileNotFoundError:
            return None
    return path if path.is_file() else None


@lru_cache(maxsize=64)
def _file_version(path: Path, _mtime_ns: int) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def quarantine_records(
    run: RunInfo, step: str, rows: list[tuple[Received, str, str, str | None, str]], object_type: str = "supplier",
) -> list[RecordResult]:
    """Quarantine (record, category, reason, field, owner team); audit it; return the outcomes."""
    from ofm.store import QuarantineEntry

    if not rows:
        return []
    stored = resources().store.quarantine([
        QuarantineEntry(record_ref=item.record_ref, source=item.mapping, object_type=object_type,
                        category=category, reason=reason, field=fld, owner_team=owner,
                        payload=item.raw, correlation_id=item.lineage.correlation_id,
                        flow_run_id=run.flow_run_id)
        for item, category, reason, fld, owner in rows
    ])
    audit_rows(run, f"quarantined-at-{step}", [
        (item.record_ref, item.lineage.correlation_id,
         {"quarantine_id": q.id, "category": category, "reason": reason, "field": fld,
          "owner_team": owner})
        for (item, category, reason, fld, owner), q in zip(rows, stored, strict=True)
    ])
    outcome = {"approval": Outcome.HELD}
    return [RecordResult(item, outcome.get(category, Outcome.QUARANTINED), reasons=(reason,))
            for item, category, reason, _, _ in rows]
