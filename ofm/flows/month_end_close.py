"""Month-end close of a period: outstanding batches posted, goods received not invoiced accrued, last period's
accrual reversed on the first day, and the close checklist with its verdict; the period locked on request.

In order, per legal entity of the accruals mapping (or the one asked for):
1. the sub-ledger deliveries still waiting in OFM_LEDGER_DROP_DIR, and deferred entries now open, through
   the ledger-batch flow (a subflow run of its own in Prefect);
2. the accrual computed from what Odoo shows (order lines received beyond what is billed, at the order's
   net price, per expense account and distribution, foreign currencies at the period end's rate), written
   as a delivery file and posted by the same ledger-batch pipeline, once: a later run of the period reports
   today's computation beside the accrual posted, it never posts a second one;
3. last period's accrual reversed through Odoo's own reversal wizard, dated this period's first day, once;
4. the checklist (ofm/rules/close/checklist.py), published as a Prefect artifact and written as Markdown and
   CSV under OFM_CLOSE_DIR/<period>/;
5. with `lock`, the company's global lock date set to the period's last day, only if the checklist is clean.
Run twice, or after a crash, nothing is posted or reversed twice: every step finds what landed by its anchor.
"""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run

from ofm.flows.ledger_batch import ledger_batch
from ofm.mappings.close_policy import load_close_policy, load_recurring
from ofm.tasks.close.run import (
    bounds,
    build_checklist,
    companies_of,
    landed_total,
    lock_period,
    recurring_landed,
    reverse_previous,
    write_accruals,
    write_binder,
    write_recurring,
)
from ofm.tasks.shared.artifacts import publish_markdown
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import running
from ofm.tasks.shared.runstate import finish, stamp


def legal_entities(company: str | None) -> dict[str, str]:
    from ofm.mappings.ledger import BUNDLED_DIR, load_ledger_mapping

    folder = resources().settings.ledger_mapping_dir or BUNDLED_DIR
    path = folder / "accruals.yaml"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the month-end close posts its accrual through the accruals ledger mapping; "
                                f"copy ofm/mappings/ledger/accruals.yaml into {folder}")
    entities = load_ledger_mapping(path).legal_entities
    if company is not None:
        if company not in entities:
            raise ValueError(f"legal entity {company!r} is not in {path.name} (known: {', '.join(sorted(entities))})")
        entities = {company: entities[company]}
    return entities


def _run_name() -> str:
    return f"close-{flow_run.parameters.get('period')}-{stamp()}"


@flow(name="month-end-close", flow_run_name=_run_name, log_prints=False)
def month_end_close(period: str, company: str | None = None, lock: bool = False, source: str | None = None,
                    actor: str = "ofm") -> dict:
    """Close `period` ('YYYY-MM') for one legal entity (`company`) or every entity of the accruals mapping."""
    bounds(period)  # a wrong period stops here, before anything is read
    settings = resources().settings
    policy = load_close_policy(settings.close_policy)
    # the company's lock date is written only with `lock`: without it, the run does not need that right
    with running("month-end-close", actor, skip_rights=() if lock else [("res.company", "write")]) as run:
        names = legal_entities(company)
        entities = companies_of(names)
        missing = sorted(set(names) - set(entities))
        folder = settings.close_dir / period
        outstanding = ledger_batch(source=source, actor=actor) if (source or settings.ledger_drop_dir) else None
        accrued = write_accruals(period, entities, policy, folder, run)
        recurring = write_recurring(period, entities, load_recurring(settings.close_recurring), folder, run)
        files = [a.file for a in accrued if a.file] + [r.file for r in recurring if r.file]
        posted = [ledger_batch(source=f, actor=actor) for f in files]
        reversed_ = reverse_previous(period, entities, run)
        sheets, out = {}, {}
        for acc in accrued:
            total, move, _ = landed_total(acc.entity, period, acc.company_id)
            due = next((len(r.due) for r in recurring if r.entity == acc.entity), 0)
            sheet = build_checklist(period, acc.entity, acc.company_id, total if total is not None else
                                    (acc.computed if acc.lines == 0 else None), reversed_.get(acc.entity), policy,
                                    recurring=(recurring_landed(period, acc.entity, acc.company_id), due))
            sheets[acc.entity] = sheet
            binder = write_binder(folder, acc.entity, sheet)
            locked = None
            if lock:
                locked = lock_period(acc.company_id, period, run) if sheet.ready else \
                    f"not locked: {sheet.verdict}"
            out[acc.entity] = {
                "company_id": acc.company_id, "accrual": {
                    "computed_today": str(acc.computed), "order_lines": acc.lines, "posted": None if total is None
                    else str(total), "move": move, "written": acc.file, "refused": acc.refused,
                    "differs": total is not None and acc.file is None and total != acc.computed},
                "recurring": {"due": due, "posted": recurring_landed(period, acc.entity, acc.company_id)},
                "reversed_previous": reversed_.get(acc.entity), "ready": sheet.ready, "verdict": sheet.verdict,
                "reasons": sheet.reasons, "binder": binder, "lock": locked}
        markdown = "\n\n".join(s.markdown() for s in sheets.values()) or f"No legal entity to close for {period}."
        publish_markdown(f"close-{period}".lower(), markdown, f"Month-end close checklist {period}")
        not_ready = sum(1 for e in out.values() if not e["ready"]) + len(missing)
        return finish(run, {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "period": period, "entities": out,
                            "missing_companies": missing,
                            "outstanding": None if outstanding is None else outstanding["counts"],
                            "accrual_runs": [p["counts"] for p in posted], "checklist": markdown},
                      not_ready, counts={"entities": len(out), "not ready": not_ready}, companies=sorted(names),
                      warnings=[f"{name}: {e['verdict']}" for name, e in out.items() if not e["ready"]])
