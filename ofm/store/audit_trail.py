"""`ofm audit trail REF`: one record's journey read back from the audit chain, from intake to its Odoo id.

Each step shows when, what, in which flow run, by whom, with which mapping version, and the Odoo record it
wrote. The rows say this in their summaries, in the words of the task that wrote them; this module only
reads them: the Odoo model of a bare `odoo_id` is the one an earlier step of the record named, and the
mapping version recorded at the `mapped` step holds for every step of that record in that run (one
correlation id). No Prefect import: the command answers in well under a second.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from ofm.store import AuditRow
from ofm.store.audit import stamp

_MODEL = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")  # a summary key that is an Odoo model: {"account.move": 7}
_MODEL_BY_KEY = {"statement_line": "account.bank.statement.line"}
_MODEL_BY_STEP = {"bill-created": "account.move", "bill-posted": "account.move"}


@dataclass(frozen=True)
class Step:
    """One audit row of the record, with what it means for an auditor."""

    id: int
    at: str
    step: str
    flow_run_id: str | None
    actor: str
    mapping_version: str | None
    odoo_model: str | None
    odoo_id: int | None
    correlation_id: str | None
    summary: dict[str, Any]
    hash: str


def odoo_target(summary: dict[str, Any], step: str, known_model: str | None) -> tuple[str | None, int | None]:
    """The Odoo record a step wrote or read, as (model, id), from the summary's own words."""
    oid = summary.get("odoo_id")
    if isinstance(oid, int) and not isinstance(oid, bool):
        return summary.get("odoo_model") or _MODEL_BY_STEP.get(step) or known_model, oid
    for key, value in summary.items():
        if _MODEL.match(key) and isinstance(value, int) and not isinstance(value, bool):
            return key, value
    for key, model in _MODEL_BY_KEY.items():
        if isinstance(summary.get(key), int):
            return model, summary[key]
    return None, None


def steps(rows: list[AuditRow]) -> list[Step]:
    """The rows (oldest first) as steps, mapping versions carried across one run's rows of the record."""
    versions: dict[str | None, str] = {}
    for r in rows:
        if isinstance(r.summary.get("mapping_version"), str) and r.correlation_id not in versions:
            versions[r.correlation_id] = r.summary["mapping_version"]
    out, model = [], None
    for r in rows:
        odoo_model, odoo_id = odoo_target(r.summary, r.step, model)
        model = odoo_model or model
        out.append(Step(id=r.id, at=stamp(r.at), step=r.step, flow_run_id=r.flow_run_id, actor=r.actor,
                        mapping_version=r.summary.get("mapping_version") or versions.get(r.correlation_id),
                        odoo_model=odoo_model, odoo_id=odoo_id, correlation_id=r.correlation_id,
                        summary=r.summary, hash=r.hash))
    return out


def in_odoo(trail: list[Step]) -> list[str]:
    """The Odoo records the trail names, `model id`, in order of first mention."""
    return list(dict.fromkeys(f"{s.odoo_model or 'odoo id'} {s.odoo_id}" for s in trail if s.odoo_id is not None))


def trail_json(record_ref: str, trail: list[Step]) -> str:
    return json.dumps({"record_ref": record_ref, "odoo": in_odoo(trail),
                       "runs": list(dict.fromkeys(s.flow_run_id for s in trail if s.flow_run_id)),
                       "steps": [asdict(s) for s in trail]}, indent=2, ensure_ascii=False, default=str)


def trail_lines(record_ref: str, trail: list[Step]) -> list[str]:
    """A table: time, step, flow run, actor, mapping version, Odoo record, then the summary (cut to fit)."""
    runs = {s.flow_run_id for s in trail if s.flow_run_id}
    odoo = in_odoo(trail)
    counted = f"{len(trail)} step{'s' * (len(trail) != 1)} in {len(runs)} flow run{'s' * (len(runs) != 1)}"
    lines = [f"{record_ref}: {counted}; in Odoo: {', '.join(odoo) or 'nothing yet'}",
             f"{'time (UTC)':<19}  {'step':<24} {'flow run':<36} {'actor':<12} {'mapping':<19} {'odoo':<30} details"]
    for s in trail:
        target = f"{s.odoo_model or 'odoo id'} {s.odoo_id}" if s.odoo_id is not None else "-"
        details = json.dumps(s.summary, ensure_ascii=False, default=str)
        lines.append(f"{s.at[:19].replace('T', ' ')}  {s.step:<24} {s.flow_run_id or '-':<36} {s.actor:<12} "
                     f"{s.mapping_version or '-':<19} {target:<30} {details[:100]}")
    return lines
