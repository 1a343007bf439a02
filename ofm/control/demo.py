"""`ofm demo` / `make demo`: the whole story against the bundled sandboxes.

Day 1 onboards the procurement platform's suppliers (dirty records included); day 2 brings
changed addresses, two changed bank accounts (held for approval) and a new supplier; then the
same feed is read again in full and nothing is written. A CSV export from a second system is
dropped in as a file. History stays in a local Prefect server; services keep running so the
runs can be browsed (stop them with `make stop`).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import typer

from ofm.control.services import VAR, demo_services

DEMO_ENV = {
    "OFM_ENVIRONMENT": "sandbox",
    "OFM_DATABASE_URL": f"sqlite:///{VAR / 'demo.db'}",
    "OFM_ODOO_URL": "http://127.0.0.1:8070", "OFM_ODOO_DB": "sandbox",
    "OFM_ODOO_LOGIN": "integration@example.com", "OFM_ODOO_API_KEY": "sandbox-key",
    "OFM_PROCUREMENT_URL": "http://127.0.0.1:8071", "OFM_PROCUREMENT_TOKEN": "sandbox-token",
    "OFM_ACK_DIR": str(VAR / "acks"),
}


def say(text: str = "", bold: bool = False) -> None:
    typer.secho(text, bold=bold)


def stop_services() -> None:
    for svc in demo_services():
        say(f"{svc.name}: {'stopped' if svc.stop() else 'not started by the demo'}")


def _start(suppliers: int) -> str:
    api = os.environ.get("PREFECT_API_URL")
    for svc in demo_services(suppliers=suppliers):
        if svc.name == "prefect-server" and api:
            httpx.get(f"{api.rstrip('/')}/health", timeout=5).raise_for_status()
            say(f"  prefect server: using PREFECT_API_URL={api}")
            continue
        say(f"  {svc.name}: {svc.ensure()}")
    return api or "http://127.0.0.1:4200/api"


def run_demo(suppliers: int = 300) -> None:
    """Start what is missing, then run every flow end to end and print what happened."""
    VAR.mkdir(exist_ok=True)
    say("Starting services (first start of the Prefect server takes ~15 s)", bold=True)
    api = _start(suppliers)
    os.environ.update({"PREFECT_API_URL": api, "DO_NOT_TRACK": "1",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **DEMO_ENV})
    from ofm.control.cli import _print_result
    from ofm.control.settings import Settings
    from ofm.flows.supplier_onboarding import supplier_onboarding
    from ofm.tasks.resources import build_resources, use_resources

    settings = Settings(_env_file=None)
    with use_resources(build_resources(settings)) as res:
        def run(title: str, **params) -> dict:
            say()
            say(title, bold=True)
            result = supplier_onboarding(actor="demo", **params)
            result["ui_url"] = f"{api.removesuffix('/api')}/runs/flow-run/{result['flow_run_id']}"
            _print_result(result, as_json=False)
            return result

        run("Day 1 - suppliers from the procurement API (new ones since the last run)")
        changed = httpx.post(f"{settings.procurement_url}/admin/advance", timeout=10,
                             headers={"Authorization": f"Bearer {settings.procurement_token.get_secret_value()}"})
        changed.raise_for_status()
        run("Day 2 - procurement changed some suppliers (two new bank accounts, held for approval)")
        run("Same feed again, read in full: nothing may be written", full_refresh=True)
        run("File drop - a CSV export from the ERP of a second entity", source=str(_csv_drop()))
        open_rows = res.store.list_quarantine(status="open", limit=1000)
        verdict = res.store.verify_audit()
    say()
    say("What is left for people", bold=True)
    say(f"  {len(open_rows)} open quarantine entries: .venv/bin/ofm quarantine list "
        f"(OFM_DATABASE_URL={DEMO_ENV['OFM_DATABASE_URL']})")
    say(f"  audit chain: {'intact' if verdict.ok else 'BROKEN'} ({verdict.rows_checked} rows)")
    say(f"  Prefect UI with every run, its tasks and artifacts: {api.removesuffix('/api')}/runs")
    say("  Stop the background services with: make stop")


def _csv_drop() -> Path:
    """A CSV export of a second system's suppliers (the CSV mapping reads it, no new code)."""
    from ofm.sandbox.procurement import generate_suppliers, to_csv

    path = VAR / "drop" / "erp-suppliers.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_csv(generate_suppliers(25, seed=11, dirty=True, id_prefix="ERP")), encoding="utf-8")
    return path
