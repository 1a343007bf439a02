"""`ofm run ledger-batch`: the journal batches sub-ledgers deliver, checked and posted to Odoo once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ofm.cli.main import fail, run_app
from ofm.cli.printing import print_ledger_result

REFUSED_EXIT = 3  # a batch was refused because another run posts its company and period, or a file was held


@run_app.command("ledger-batch")
def run_ledger_batch(
    source: Annotated[Path | None, typer.Option(help="A delivery file (CSV or JSON), a folder of them, or 'api': the "
                                                "deliveries OFM_LEDGER_API_URL listed since the last run. Without "
                                                "it: every file in OFM_LEDGER_DROP_DIR, and the API if one is "
                                                "set.")] = None,
    actor: Annotated[str, typer.Option(help="Who runs it (written to the audit trail).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Post sub-ledger journal batches (payroll, expenses, sales summaries) and the deferred entries now open.

    Exits 3 when a batch was refused because another run is posting the same company and period, or a
    file could not be read as a batch (the reason is printed), 1 when the run failed."""
    from ofm.cli.runner import run_flow
    from ofm.connectors.ledger import LedgerApiError
    from ofm.settings import SettingsError
    from ofm.tasks.ledger.intake import API
    from ofm.tasks.shared.resources import current_settings

    if str(source) == API:  # checked here: the runner requires only Odoo of ledger-batch
        try:
            current_settings().require("ledger-api")
        except SettingsError as exc:
            fail(f"configuration: {exc}")
    elif source is not None and not source.exists():
        fail(f"{source}: no such file or folder")
    try:
        result = run_flow("ledger-batch", source=str(source) if source else None, actor=actor)
    except LedgerApiError as exc:  # one line, never the token
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
    else:
        print_ledger_result(result)
    if result["refused_runs"] or result["held_files"]:
        raise typer.Exit(REFUSED_EXIT)
