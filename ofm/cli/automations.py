"""`ofm automations apply|list`: the automations that alert by business impact, on the Prefect server.

What alerts is declared in ofm/ops/automations.yaml (or OFM_AUTOMATIONS_FILE); `apply` makes the server match it
(by name: applying twice leaves one of each) and `list` shows what the server has. The alert destination's URL
and token are secrets: never printed, only the channel and the host.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ofm.cli.main import app, fail

automations_app = typer.Typer(help="Automations that alert by business impact (P1 failures and late feeds, P2 "
                                   "quarantine backlog, P3 runs with exceptions).", no_args_is_help=True)
app.add_typer(automations_app, name="automations")

FileOption = Annotated[Path | None, typer.Option("--file", help="An automations YAML instead of "
                                                 "OFM_AUTOMATIONS_FILE or the bundled ofm/ops/automations.yaml.")]


def _settings():
    from pydantic_settings import SettingsError as EnvError

    from ofm.settings import SettingsError, get_settings

    try:
        return get_settings()
    except (SettingsError, EnvError) as exc:
        fail(f"configuration: {exc}")


def _api_url(port: int, start: bool) -> str:
    """PREFECT_API_URL or the project's own server, said on stderr; one line when it cannot be reached."""
    from ofm.cli.prefect_server import PrefectUnavailable, resolve_prefect

    try:
        target = resolve_prefect(port, start=start)
    except PrefectUnavailable as exc:
        fail(f"Prefect: {exc}")
    typer.echo(target.line(), err=True)
    os.environ["PREFECT_API_URL"] = target.api_url
    os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
    return target.api_url


def _destination(settings) -> str:
    """Where alerts go, without the URL's path or query (they may carry a token)."""
    if settings.alert_webhook_url is None:
        return "no OFM_ALERT_WEBHOOK_URL: the automations fire and show in the Prefect UI (Events), nothing is sent"
    import httpx

    try:
        host = httpx.URL(settings.alert_webhook_url.get_secret_value()).host or "?"
    except httpx.InvalidURL:
        host = "?"
    return f"alerts go through the notification block ofm-alerts: {settings.alert_channel} to {host}"


@automations_app.command("apply")
def automations_apply(file: FileOption = None) -> None:
    """Create or replace the declared automations on the Prefect server (by name, never twice)."""
    from ofm.ops.automation_spec import AutomationsError
    from ofm.ops.automations import sync_automations

    settings = _settings()
    api_url = _api_url(settings.prefect_port, start=True)
    try:
        applied = sync_automations(api_url, file, settings)
    except AutomationsError as exc:
        fail(str(exc))
    for a in applied:
        typer.echo(f"{a.outcome:<9}  {a.name}")
    typer.echo(_destination(settings))


@automations_app.command("list")
def automations_list(file: FileOption = None) -> None:
    """The declared automations, P1 first, and whether the Prefect server has each (and as declared)."""
    from ofm.ops.automation_spec import AutomationsError, load_automations, spoken
    from ofm.ops.automations import build_automation, comparable, list_automations

    settings = _settings()
    try:
        spec = load_automations(file or settings.automations_file)
    except AutomationsError as exc:
        fail(str(exc))
    api_url = _api_url(settings.prefect_port, start=False)
    on_server = {a.name: a for a in list_automations(api_url)}
    for a in spec.ranked():
        there = on_server.pop(a.name, None)
        if there is None:
            state = "not applied"
        else:
            block = next((x.block_document_id for x in there.actions if hasattr(x, "block_document_id")), None)
            same = comparable(there) == comparable(build_automation(a, api_url, block))
            state = ("enabled" if there.enabled else "disabled") + ("" if same else ", differs from the file")
        t = a.trigger
        when = (f"no {'/'.join(t.expect)} within {spoken(t.within)}" if t.posture == "Proactive"
                else " or ".join(sorted(t.expect)))
        typer.echo(f"{a.name:<40} {state:<32} {when}")
    for name in sorted(on_server):
        typer.echo(f"{name:<40} {'not declared (apply deletes it)':<32}")
    typer.echo(_destination(settings))
