"""Run a flow from the command line: check its settings, pick its Prefect server, translate failures to one line."""

from __future__ import annotations

import importlib
import os
from typing import Any

import typer

# flow name -> (module, flow function, reads the procurement API unless given a source file or a replay)
FLOWS: dict[str, tuple[str, str, bool]] = {
    "supplier-onboarding": ("ofm.flows.supplier_onboarding", "supplier_onboarding", True),
    "po-sync": ("ofm.flows.po_sync", "po_sync", True),
    "goods-receipt": ("ofm.flows.goods_receipt", "goods_receipt", True),
    "three-way-match": ("ofm.flows.three_way_match", "three_way_match", True),
    "procure-to-pay": ("ofm.flows.procure_to_pay", "procure_to_pay", True),
    "bank-reconciliation": ("ofm.flows.bank_reconciliation", "bank_reconciliation", False),
    "bank-statement-folder": ("ofm.flows.bank_reconciliation", "bank_statement_folder", False),
    "ledger-batch": ("ofm.flows.ledger_batch", "ledger_batch", False),
    "month-end-close": ("ofm.flows.month_end_close", "month_end_close", False),
    "audit-verify": ("ofm.flows.audit_verify", "audit_verify", False),
    "open-work": ("ofm.flows.open_work", "open_work", False),
}
STORE_ONLY = frozenset({"audit-verify"})  # flows that read the control-plane store alone: no Odoo settings needed

_target = None  # the Prefect server of this process, decided (and announced) once


def flow_named(name: str):
    """The flow function of a name (imported on first use: Prefect loads with it)."""
    if name not in FLOWS:
        raise typer.BadParameter(f"unknown flow {name!r}")
    module, function, _ = FLOWS[name]
    return getattr(importlib.import_module(module), function)


def systems_needed(name: str, params: dict[str, Any]) -> tuple[str, ...]:
    """The external systems a run of this flow talks to, so only their settings are required."""
    if name in STORE_ONLY:
        return ()
    reads_api = FLOWS[name][2] and not params.get("source") and not params.get("replay")
    return ("odoo", "procurement") if reads_api else ("odoo",)


def use_prefect(port: int):
    """PREFECT_API_URL or the project's own server (started if needed), announced on the first line; never
    ephemeral. Exit 1 with one line if Prefect cannot be reached or the port holds another server."""
    global _target
    from ofm.cli.prefect_server import PrefectUnavailable, resolve_prefect

    if _target is None:
        try:
            _target = resolve_prefect(port)
        except PrefectUnavailable as exc:
            _fail(f"Prefect: {exc}")
        typer.echo(_target.line(), err=True)  # stderr: stdout stays the result (--json)
    os.environ["PREFECT_API_URL"] = _target.api_url
    os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"  # were the URL lost, fail instead of a temporary server
    return _target


def run_flow(name: str, **params: Any) -> Any:
    """Run a flow in this process against the configured systems; exit 1 with one line on failure."""
    if name not in FLOWS:
        raise typer.BadParameter(f"unknown flow {name!r}")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from ofm.settings import SettingsError
    from ofm.tasks.shared.resources import current_settings

    try:
        settings = current_settings().require(*systems_needed(name, params))
    except SettingsError as exc:
        _fail(f"configuration: {exc}")
    target = use_prefect(settings.prefect_port)
    import httpx
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings
    from pydantic import ValidationError
    from sqlalchemy.exc import DBAPIError

    from ofm.connectors.odoo import OdooAuthError, OdooError
    from ofm.connectors.procurement import ProcurementError

    try:  # the URL again in Prefect's own settings: they are frozen when Prefect is first imported
        with temporary_settings(updates={PREFECT_API_URL: target.api_url, PREFECT_SERVER_EPHEMERAL_ENABLED: False}):
            result = flow_named(name)(**params)
    except SettingsError as exc:
        _fail(f"configuration: {exc}")
    except ValidationError as exc:  # names the field, never its value
        _fail(f"configuration: {exc.errors(include_input=False)[0]['msg']}")
    except (OdooAuthError, OdooError, ProcurementError, ValueError, OSError) as exc:
        _fail(str(exc))
    except httpx.HTTPError as exc:  # Prefect went away during the run
        _fail(f"Prefect at {target.api_url}: {type(exc).__name__}: {exc}")
    except DBAPIError as exc:  # the store's database went away or its disk is full: the driver's own words, not
        _fail(f"the store: {store_error(exc)}")  # SQLAlchemy's text (it repeats the statement and its values)
    for one in result if isinstance(result, list) else [result]:  # a folder run returns one per file
        if one.get("flow_run_id"):
            one["ui_url"] = f"{target.api_url.removesuffix('/api')}/runs/flow-run/{one['flow_run_id']}"
    return result


def store_error(exc: Any) -> str:
    """The first line of what the store's driver said (`database or disk is full`, `connection ... refused`)."""
    said = str(getattr(exc, "orig", None) or exc).strip()
    return said.splitlines()[0] if said else type(exc).__name__


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1)
