"""`ofm run month-end-close` and `ofm close status`: a period's close, and its checklist at any time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ofm.cli.main import app, fail, run_app

close_app = typer.Typer(help="The month-end close: a period's checklist.", no_args_is_help=True)
app.add_typer(close_app, name="close")
NOT_READY_EXIT = 4  # --lock asked, and the checklist is not clean: nothing was locked


@run_app.command("month-end-close")
def run_month_end_close(
    period: Annotated[str, typer.Option(help="The period to close, YYYY-MM.")],
    company: Annotated[str | None, typer.Option(help="One legal entity (a code of the accruals mapping); "
                                                     "default: every one.")] = None,
    lock: Annotated[bool, typer.Option("--lock", help="Set the company's lock date to the period's last day "
                                                      "once the checklist is clean.")] = False,
    source: Annotated[Path | None, typer.Option(help="Outstanding ledger deliveries to post first (a file or "
                                                     "folder); default OFM_LEDGER_DROP_DIR.")] = None,
    actor: Annotated[str, typer.Option(help="Who runs it (written to the audit trail).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Close a period: outstanding batches, the goods-received-not-invoiced accrual, last period's accrual
    reversed, the checklist (Markdown and CSV under OFM_CLOSE_DIR/<period>/), and the lock with --lock.

    Exits 4 when --lock was asked and the checklist is not clean (nothing locked), 1 when the run failed."""
    from ofm.cli.runner import run_flow

    if source is not None and not source.exists():
        fail(f"{source}: no such file or folder")
    result = run_flow("month-end-close", period=period, company=company, lock=lock,
                      source=str(source) if source else None, actor=actor)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
    else:
        for entity, r in result["entities"].items():
            a = r["accrual"]
            typer.echo(f"{entity}: accrual posted {a['posted'] or 'none'}" + (f" ({a['move']})" if a["move"] else "")
                       + f"; today's computation {a['computed_today']} over {a['order_lines']} order lines"
                       + (" - differs from what was posted" if a["differs"] else ""))
            for reason in a["refused"]:
                typer.echo(f"  refused: {reason}")
            typer.echo(f"  last period's accrual reversed: {r['reversed_previous']}")
            typer.echo(f"  {r['verdict']}")
            typer.echo(f"  binder: {', '.join(r['binder'])}")
            if r["lock"]:
                typer.echo(f"  lock: {r['lock']}")
    if lock and any(not r["ready"] for r in result["entities"].values()):
        raise typer.Exit(NOT_READY_EXIT)


@close_app.command("status")
def close_status(
    period: Annotated[str, typer.Option(help="The period, YYYY-MM.")],
    company: Annotated[str | None, typer.Option(help="One legal entity; default: every one.")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the checklist as CSV.")] = False,
) -> None:
    """Print a period's close checklist as Odoo and the store show it now (reads only; nothing is written)."""
    from ofm.flows.month_end_close import legal_entities
    from ofm.mappings.close_policy import ClosePolicyError, load_close_policy, load_recurring
    from ofm.rules.close.recurring import recurring_entries
    from ofm.tasks.close.run import bounds, companies_of, landed_total, previous, recurring_landed
    from ofm.tasks.shared.resources import current_settings, resources

    try:
        bounds(period)
        current_settings().require("odoo")
        entities = companies_of(legal_entities(company))
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    try:
        policy = load_close_policy(resources().settings.close_policy)
        prepaid, schedule = load_recurring(resources().settings.close_recurring)
    except ClosePolicyError as exc:
        fail(str(exc))
    ready = True
    for entity, company_id in sorted(entities.items()):
        total, _, _ = landed_total(entity, period, company_id)
        before, _, ids = landed_total(entity, previous(period), company_id)
        reversed_ = None
        if ids:
            reversed_ = bool(resources().odoo.search_count("account.move", [["reversed_entry_id", "in", ids]]))
        due = len(recurring_entries(prepaid, schedule, period, entity))
        sheet = build(period, entity, company_id, total, reversed_, policy,
                      (recurring_landed(period, entity, company_id), due))
        ready = ready and sheet.ready
        typer.echo(sheet.csv() if as_csv else sheet.markdown())
    if not ready:
        raise typer.Exit(NOT_READY_EXIT)


def build(period, entity, company_id, total, reversed_, policy, recurring):
    from ofm.tasks.close.run import build_checklist

    return build_checklist.fn(period, entity, company_id, total, reversed_, policy, recurring=recurring)
