"""`ofm webhooks serve|emit-pending` and `ofm quarantine approve|reject`: approvals in, Prefect events out.

Both ways in store the decision (inbox + the approver's audit row) before emitting `ofm.approval.<kind>`,
so the same deployment trigger does the work whichever way an approval arrives.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ofm.cli.main import app, fail
from ofm.cli.ops import quarantine_app

webhooks_app = typer.Typer(help="The signed webhook intake (approvals from the procurement platform, treasury).",
                           no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


def _settings():
    from pydantic_settings import SettingsError as EnvError

    from ofm.settings import SettingsError, get_settings

    try:
        return get_settings()
    except (SettingsError, EnvError) as exc:  # EnvError: a JSON variable that does not parse (never its value)
        fail(f"configuration: {exc}")


def _prefect(port: int) -> str:
    """PREFECT_API_URL or the project's own server, announced on stderr; never ephemeral."""
    from ofm.cli.prefect_server import PrefectUnavailable, resolve_prefect

    try:
        target = resolve_prefect(port)
    except PrefectUnavailable as exc:
        raise RuntimeError(str(exc)) from None
    typer.echo(target.line(), err=True)
    os.environ["PREFECT_API_URL"] = target.api_url
    os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
    return target.api_url


def _relay(store, sources: list[str], api_url: str):
    import asyncio

    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    from ofm.webhooks.relay import Relay

    with temporary_settings(updates={PREFECT_API_URL: api_url, PREFECT_SERVER_EPHEMERAL_ENABLED: False}):
        return asyncio.run(Relay(store, sources).run())


@webhooks_app.command("serve")
def webhooks_serve(
    host: Annotated[str, typer.Option(help="Interface (behind a reverse proxy: 127.0.0.1).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (8070-8073: the demo's sandboxes).")] = 8074,
) -> None:
    """Serve POST /webhooks/{source} and GET /healthz under uvicorn (TLS belongs to the reverse proxy)."""
    from ofm.settings import SettingsError
    from ofm.webhooks.app import create_app, webhook_secrets

    settings = _settings()
    try:
        webhook_secrets(settings)
    except SettingsError as exc:
        fail(f"configuration: {exc}")
    try:
        api_url = _prefect(settings.prefect_port)
    except RuntimeError as exc:
        fail(f"Prefect: {exc}")
    import uvicorn
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url, PREFECT_SERVER_EPHEMERAL_ENABLED: False}):
        typer.echo(f"webhook intake on http://{host}:{port}/webhooks/{{source}} "
                   f"(sources: {', '.join(sorted(settings.webhook_secrets))})", err=True)
        uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True, server_header=False,
                    log_level="info")


@webhooks_app.command("emit-pending")
def webhooks_emit_pending() -> None:
    """Emit to Prefect the stored approvals it has not confirmed yet (the server also does this by itself)."""
    from ofm.store import Store
    from ofm.webhooks.intake import CLI_SOURCE

    settings = _settings()
    store = Store(settings.database_url)
    store.migrate()
    try:
        api_url = _prefect(settings.prefect_port)
    except RuntimeError as exc:
        fail(f"Prefect: {exc}")
    sources = [*(f"webhook:{s}" for s in sorted(settings.webhook_secrets)), CLI_SOURCE]
    done = _relay(store, sources, api_url)
    typer.echo(f"emitted {len(done.emitted)} stored event(s)")
    for source, reason in done.failed.items():
        typer.secho(f"{source}: not emitted yet: {reason}", err=True, fg=typer.colors.RED)
    if done.failed:
        raise typer.Exit(1)


def _decide(entry_id: int, decision: str, by: str, reason: str | None) -> None:
    from ofm.store import Store
    from ofm.webhooks.decisions import approval_from_quarantine
    from ofm.webhooks.intake import CLI_SOURCE, emitted_up_to, store_approval

    settings = _settings()
    store = Store(settings.database_url)
    store.migrate()
    row = store.get_quarantine(entry_id)
    if row is None:
        fail(f"quarantine entry {entry_id} does not exist")
    try:
        approval = approval_from_quarantine(row, decision, by, reason)
    except ValueError as exc:
        fail(str(exc))
    stored = store_approval(store, CLI_SOURCE, approval, {"quarantine_id": row.id, "record_ref": row.record_ref})
    said = "already recorded" if stored.duplicate else "recorded in the audit chain"
    typer.echo(f"quarantine entry {entry_id} ({row.record_ref}): {decision} by {approval.approver}, {said} "
               f"(inbox {stored.inbox_id})")
    if emitted_up_to(store, CLI_SOURCE) >= stored.inbox_id:
        typer.echo(f"{approval.event_name} for {approval.resource_id} was emitted before")
        return
    try:
        done = _relay(store, [CLI_SOURCE], _prefect(settings.prefect_port))
    except RuntimeError as exc:
        fail(f"stored, not emitted yet (Prefect: {exc}); `ofm webhooks emit-pending` or the webhook server emits it")
    if emitted_up_to(store, CLI_SOURCE) >= stored.inbox_id:
        typer.echo(f"emitted {approval.event_name} for {approval.resource_id}: the deployment triggered by it "
                   f"{'applies' if decision == 'approved' else 'discards'} the change")
    elif CLI_SOURCE in done.busy:
        typer.echo(f"stored; another process is emitting stored events and emits {approval.event_name} too")
    else:
        fail(f"stored, not emitted yet ({done.failed.get(CLI_SOURCE, 'unknown reason')}); "
             "`ofm webhooks emit-pending` or the webhook server emits it")


@quarantine_app.command("approve")
def quarantine_approve(
    entry_id: Annotated[int, typer.Argument(help="Quarantine id of a held bank account or a purchase order.")],
    by: Annotated[str, typer.Option("--by", help="Who approves (recorded in the audit chain).")],
    reason: Annotated[str | None, typer.Option(help="Why (kept with the decision).")] = None,
) -> None:
    """Approve a held change: emits ofm.approval.<kind>.approved, whose trigger applies it."""
    _decide(entry_id, "approved", by, reason)


@quarantine_app.command("reject")
def quarantine_reject(
    entry_id: Annotated[int, typer.Argument(help="Quarantine id of a held bank account.")],
    by: Annotated[str, typer.Option("--by", help="Who rejects (recorded in the audit chain).")],
    reason: Annotated[str | None, typer.Option(help="Why (kept with the decision).")] = None,
) -> None:
    """Reject a held change: emits ofm.approval.<kind>.rejected, whose trigger discards it."""
    _decide(entry_id, "rejected", by, reason)
