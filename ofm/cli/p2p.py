"""`ofm run po-sync` and `ofm run goods-receipt`: the procurement documents that feed purchasing in Odoo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ofm.cli.main import fail, run_app
from ofm.cli.printing import print_p2p_result

P2P_FLOWS = {"purchase_order": ("po-sync", "orders"), "goods_receipt": ("goods-receipt", "receipts")}
SOURCE_HELP = "A procurement export file (JSON: a list, or {\"items\": [...]}) instead of the procurement API."


@run_app.command("po-sync")
def run_po_sync(
    source: Annotated[Path | None, typer.Option(help=SOURCE_HELP)] = None,
    full_refresh: Annotated[bool, typer.Option(help="Ignore the API watermark; read every order.")] = False,
    actor: Annotated[str, typer.Option(help="Who runs it (written to the audit trail).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Bring approved purchase orders (and their revisions) from procurement into Odoo, confirmed."""
    from ofm.cli.runner import run_flow

    if source is not None and not source.is_file():
        fail(f"{source}: no such file")
    result = run_flow("po-sync", source=str(source) if source else None, full_refresh=full_refresh, actor=actor)
    print_p2p_result(result, "orders", as_json)


@run_app.command("goods-receipt")
def run_goods_receipt(
    source: Annotated[Path | None, typer.Option(help=SOURCE_HELP)] = None,
    full_refresh: Annotated[bool, typer.Option(help="Ignore the API watermark; read every receipt.")] = False,
    actor: Annotated[str, typer.Option(help="Who runs it (written to the audit trail).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Apply goods receipt confirmations to the receipts Odoo created for the orders."""
    from ofm.cli.runner import run_flow

    if source is not None and not source.is_file():
        fail(f"{source}: no such file")
    result = run_flow("goods-receipt", source=str(source) if source else None, full_refresh=full_refresh,
                      actor=actor)
    print_p2p_result(result, "receipts", as_json)


@run_app.command("procure-to-pay")
def run_procure_to_pay(
    actor: Annotated[str, typer.Option(help="Who runs it (written to the audit trail).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """po-sync, then goods-receipt, then three-way-match, from the procurement API (what the schedule runs)."""
    from ofm.cli.runner import run_flow

    result = run_flow("procure-to-pay", actor=actor)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    for name, step in result["steps"].items():
        counts = ", ".join(f"{k} {v}" for k, v in step["counts"].items() if v)
        typer.echo(f"{name:<16} {counts}; Odoo write calls {step['odoo_writes']}")
