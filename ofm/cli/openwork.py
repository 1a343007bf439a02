"""`ofm open-work`: what waits for a person right now, per owner team, in the terminal.

The same rows the `open-work` flow publishes in Prefect (`ofm run open-work` publishes them), read from the
store, and from Odoo only for the names of suggested documents an older bank entry did not store. Writes
nothing. No Prefect import.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ofm.cli.main import app, run_app


def _work():
    from ofm.settings import SettingsError, get_settings
    from ofm.store import Store
    from ofm.tasks.open_work.view import collect
    from ofm.tasks.shared.resources import build_resources

    settings = get_settings()
    try:
        res = build_resources(settings)
        store, odoo = res.store, res.odoo
    except SettingsError:  # no Odoo configured: the view without names of older bank entries' suggestions
        store, odoo = Store(settings.database_url), None
        store.migrate()
    return collect(store, odoo, settings.odoo_url), dict(settings.backlog_thresholds)


@app.command("open-work")
def open_work_command(
    team: Annotated[str | None, typer.Option(help="Only this owner team's entries.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The rows per team as JSON (the artifacts' cells).")]
    = False,
) -> None:
    """The open quarantine per owner team, oldest first: record, amount, date, reason, age, Odoo link and, for
    unmatched bank entries, the ranked suggestions by Odoo document name; each team against its backlog
    threshold (OFM_BACKLOG_THRESHOLDS)."""
    from ofm.tasks.open_work.view import one_line, threshold_for

    work, thresholds = _work()
    teams = {t: rows for t, rows in work.by_team().items() if team is None or t == team}
    if as_json:
        typer.echo(json.dumps({t: [r.cells() for r in rows] for t, rows in teams.items()}, indent=2, default=str))
        return
    typer.echo(one_line(work))
    for note in work.notes:
        typer.secho(f"note: {note}", fg=typer.colors.YELLOW)
    for backlog in work.backlogs(thresholds):
        if backlog.team not in teams:
            continue
        limit = threshold_for(backlog.team, thresholds)
        over = " - OVER THRESHOLD" if backlog.over else ""
        typer.echo()
        typer.secho(f"{backlog.team}: {backlog.open} open (threshold {'-' if limit is None else limit}), oldest "
                    f"{teams[backlog.team][0].age}{over}", bold=True)
        for row in teams[backlog.team]:
            f = row.facts
            head = "  ".join(x for x in (f"#{row.quarantine_id}", row.age, row.category, row.record, f.amount or "",
                                         f.date or "") if x)
            typer.echo(f"  {head}")
            for label, value in (("who", f.counterparty), ("ref", f.reference), ("why", row.reason),
                                 ("odoo", row.odoo_url)):
                if value:
                    typer.echo(f"      {label}: {value}")
            for rank, s in enumerate(row.suggestions, 1):
                typer.echo(f"      suggestion {rank}: {s.text()}")


@run_app.command("open-work")
def run_open_work(
    actor: Annotated[str, typer.Option(help="Who asks (a schedule, a trigger, a person).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Publish the open work in Prefect now (the summary and one table per owner team) and announce the teams
    over their backlog threshold (`ofm.quarantine.backlog`)."""
    from ofm.cli.runner import run_flow

    result = run_flow("open-work", actor=actor)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    typer.echo(result["line"])
    for name in result["backlog_events"]:
        t = result["teams"][name]
        typer.echo(f"  {name}: {t['open']} open, over its threshold of {t['threshold']}: ofm.quarantine.backlog sent")
    if result.get("ui_url"):
        typer.echo(f"Prefect run: {result['ui_url']}")
