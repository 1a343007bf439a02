"""Run a flow from the command line: find the Prefect server, translate failures to one line."""

from __future__ import annotations

import os
from typing import Any

import httpx
import typer

LOCAL_PREFECT = "http://127.0.0.1:4200/api"


def prefect_api_url() -> str | None:
    """PREFECT_API_URL if set, else a local server on 4200 if one answers, else None (ephemeral)."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        return url
    try:
        if httpx.get(f"{LOCAL_PREFECT}/health", timeout=0.5).status_code == 200:
            os.environ["PREFECT_API_URL"] = LOCAL_PREFECT
            return LOCAL_PREFECT
    except httpx.HTTPError:
        pass
    typer.secho("warning: no Prefect server (PREFECT_API_URL unset, none on 127.0.0.1:4200): running "
                "ephemeral, run history will NOT be kept. Start one with `make demo` or "
                "`prefect server start`.", err=True, fg=typer.colors.YELLOW)
    return None


def _flow(name: str):
    if name == "supplier-onboarding":
        from ofm.flows.supplier_onboarding import supplier_onboarding

        return supplier_onboarding
    if name == "bank-reconciliation":
        from ofm.flows.bank_reconciliation import bank_reconciliation

        return bank_reconciliation
    if name == "po-sync":
        from ofm.flows.po_sync import po_sync

        return po_sync
    if name == "goods-receipt":
        from ofm.flows.goods_receipt import goods_receipt

        return goods_receipt
    if name == "procure-to-pay":
        from ofm.flows.procure_to_pay import procure_to_pay

        return procure_to_pay
    if name == "bank-statement-folder":
        from ofm.flows.bank_reconciliation import bank_statement_folder

        return bank_statement_folder
    if name == "three-way-match":
        from ofm.flows.three_way_match import three_way_match

        return three_way_match
    raise typer.BadParameter(f"unknown flow {name!r}")


def run_flow(name: str, **params: Any) -> Any:
    """Run a flow in this process against the configured systems; exit 1 with one line on failure."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    api = prefect_api_url()
    from pydantic import ValidationError

    from ofm.connectors.odoo import OdooAuthError, OdooError
    from ofm.connectors.procurement import ProcurementError

    try:
        result = _flow(name)(**params)
    except ValidationError as exc:  # settings: names the variable, never its value
        _fail(f"configuration: {exc.errors()[0]['msg']}")
    except (OdooAuthError, OdooError, ProcurementError, ValueError, OSError) as exc:
        _fail(str(exc))
    for one in result if isinstance(result, list) else [result]:  # a folder run returns one per file
        if api and one.get("flow_run_id"):
            one["ui_url"] = f"{api.removesuffix('/api')}/runs/flow-run/{one['flow_run_id']}"
    return result


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1)
