"""`ofm`: the command line of Odoo Finance Middleware.

Heavy imports (Prefect, Great Expectations, pandas) happen inside the commands that need
them, so `ofm --help` and the operating commands answer at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ofm.cli.bank import bank_app
from ofm.cli.ops import audit_app, quarantine_app
from ofm.cli.printing import print_bank_result, print_match_result, print_supplier_result
from ofm.cli.sandbox import sandbox_app

app = typer.Typer(help="Odoo Finance Middleware: governed finance integrations into Odoo, on Prefect.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
run_app = typer.Typer(help="Run a finance workflow (a Prefect flow) now.", no_args_is_help=True)
odoo_app = typer.Typer(help="Look at the Odoo this middleware is configured for.", no_args_is_help=True)
db_app = typer.Typer(help="The control-plane store (inbox, outbox, quarantine, audit).", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(odoo_app, name="odoo")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(audit_app, name="audit")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(bank_app, name="bank")
app.add_typer(db_app, name="db")


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, no traceback, non-zero exit."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@run_app.command("supplier-onboarding")
def run_supplier_onboarding(
    source: Annotated[Path | None, typer.Option(help="A procurement export file (JSON or CSV) "
                                                "instead of the procurement API.")] = None,
    full_refresh: Annotated[bool, typer.Option(help="Ignore the API watermark; read every supplier.")] = False,
    actor: Annotated[str, typer.Option(help="Who runs it (written to the audit trail).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Onboard suppliers from procurement (API or --source file) into Odoo."""
    from ofm.cli.runner import run_flow

    if source is not None and not source.is_file():
        fail(f"{source}: no such file")
    result = run_flow("supplier-onboarding", source=str(source) if source else None,
                      full_refresh=full_refresh, actor=actor)
    print_supplier_result(result, as_json)


HELD_EXIT = 3  # `ofm run bank-reconciliation`: a file was held or refused (1 is a failed run)


@run_app.command("bank-reconciliation")
def run_bank_reconciliation(
    file: Annotated[Path | None, typer.Option(help="A statement file (camt.05x, MT940, OFX or CSV). Without it: "
                                              "every file in OFM_BANK_DROP_DIR.")] = None,
    csv_mapping: Annotated[str | None, typer.Option(help="Mapping of a CSV statement (bundled name or YAML path).")]
    = None,
    actor: Annotated[str, typer.Option(help="Who runs it (written to the audit trail).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import bank statements into their Odoo journals and reconcile what is certain.

    Exits 3 when a file was held or refused (nothing of it imported; the reason is printed), 1 when
    the run failed."""
    from ofm.cli.runner import run_flow

    if file is not None and not file.is_file():
        fail(f"{file}: no such file")
    if file is not None:
        results = [run_flow("bank-reconciliation", file=str(file), csv_mapping=csv_mapping, actor=actor)]
    else:
        from ofm.settings import SettingsError, get_settings

        try:
            folder = get_settings().bank_drop_dir
        except SettingsError as exc:
            fail(f"configuration: {exc}")
        if folder is None:
            fail("give --file, or set OFM_BANK_DROP_DIR to a folder of statement files")
        results = run_flow("bank-statement-folder", folder=str(folder), actor=actor)
        if not results:
            typer.echo(f"no statement files in {folder}")
    for result in results:
        print_bank_result(result, as_json)
    if any(r["file"]["error"] or r["file"]["held"] for r in results):
        raise typer.Exit(HELD_EXIT)  # a scheduler or script must see that a file was not imported


@run_app.command("three-way-match")
def run_three_way_match(
    source: Annotated[Path | None, typer.Option(help="A procurement invoice export (JSON), a UBL file or a folder "
                                                "of UBL files instead of the procurement API.")] = None,
    actor: Annotated[str, typer.Option(help="Who runs it (written to the audit trail).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Match supplier bills against their orders and receipts; post matched bills in Odoo, hold the rest."""
    from ofm.cli.runner import run_flow

    if source is not None and not source.exists():
        fail(f"{source}: no such file or folder")
    print_match_result(run_flow("three-way-match", source=str(source) if source else None, actor=actor), as_json)


@odoo_app.command("check")
def odoo_check(
    flow: Annotated[str | None, typer.Option(help="Check only this flow (default: every flow).")] = None,
) -> None:
    """Per flow: the Odoo models, fields, methods and access rights it uses, checked with the integration
    user (the table is ofm/connectors/odoo/usage.yaml). Exits 1 if anything is missing."""
    from ofm.cli.odoo_check import check_odoo
    from ofm.connectors.odoo import OdooError
    from ofm.connectors.odoo.usage import load_usage
    from ofm.settings import SettingsError

    if flow is not None and flow not in load_usage().names():
        fail(f"unknown flow {flow!r}; one of: {', '.join(load_usage().names())}", code=2)
    try:
        report = check_odoo(flow)
    except SettingsError as exc:
        fail(f"configuration: {exc}")
    except OdooError as exc:
        fail(f"Odoo: {exc}")
    for line in report.lines:
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the store's tables (Alembic, to the latest revision)."""
    from ofm.settings import get_settings
    from ofm.store import Store

    url = get_settings().database_url
    Store(url).migrate()
    typer.echo(f"store at {url.split('@')[-1]} is at the latest revision")


@app.command("demo")
def demo(
    stop: Annotated[bool, typer.Option(help="Stop the demo's background services and exit.")] = False,
    suppliers: Annotated[int, typer.Option(help="Suppliers in the procurement sandbox.")] = 300,
    odoo: Annotated[str, typer.Option(help="sandbox: the bundled Odoo stand-in; real: a real Odoo 19 built from "
                                           "../shared/odoo19 or OFM_ODOO_SOURCE (cached after the first build).")
                    ] = "sandbox",
) -> None:
    """Every flow end to end against the bundled sandboxes, with a Prefect server keeping history."""
    from ofm.cli.demo import run_demo, stop_services

    if stop:
        stop_services()
        return
    if odoo not in ("sandbox", "real"):
        raise typer.BadParameter("sandbox or real", param_hint="--odoo")
    run_demo(suppliers=suppliers, odoo=odoo)


from ofm.cli import (  # noqa: E402, F401 - register their commands
    automations,
    close,
    ledger,
    openwork,
    p2p,
    scale,
    screenshots,
    serve,
    webhooks,
)


def main() -> None:
    """Console entry point."""
    from ofm.settings import SettingsError

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SettingsError as exc:  # a command that reads a setting the environment got wrong
        typer.secho(f"error: configuration: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(1)


if __name__ == "__main__":
    # `python -m ofm.cli.main`: run the module's own instance, where cli_close, cli_ledger and cli_p2p
    # registered their commands (this file runs as __main__, a second copy they never see)
    from ofm.cli.main import main as _main

    _main()
