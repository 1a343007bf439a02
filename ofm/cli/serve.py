"""`ofm serve` / `make serve`: the middleware running on one machine, as operations run it.

In order: the Prefect server (PREFECT_API_URL, else the project's own on 127.0.0.1:<OFM_PREFECT_PORT>, SQLite
under var/prefect, PostgreSQL when PREFECT_API_DATABASE_CONNECTION_URL is set), the process work pool
`local-pool`, the Secret blocks the runs take their secrets from (created from the settings when missing), every
deployment of `prefect.yaml`, the automations (`ofm/ops/automations.yaml`; without OFM_ALERT_WEBHOOK_URL their
alerts go to the intake's own `POST /alerts`, ofm/ops/demo_alerts.py), a worker polling the pool every second, and
the webhook intake (when OFM_WEBHOOK_SECRETS names a source). Each step says what it
found or did; what already runs is reused, so a second `ofm serve` changes nothing and says so. The worker and the
intake run in their own sessions, log to var/logs and are stopped by their recorded process ids (`make stop`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import typer

from ofm.cli.main import app, fail
from ofm.cli.services import VAR, Service
from ofm.deploy.deployments import CHECKOUT, WORK_POOL, Deployed, deploy_all, ensure_work_pool

INTAKE_PORT = 8074


@dataclass(frozen=True)
class WorkerService(Service):
    """A Prefect worker: running while its recorded process lives (it serves no HTTP); stopped with SIGINT, which
    it answers by shutting down (it does not always answer SIGTERM at once)."""

    def healthy(self) -> bool:
        return _alive(self.pid_file)

    def stop(self) -> bool:
        if not self.pid_file.exists():
            return False
        pid = int(self.pid_file.read_text())
        self.pid_file.unlink()
        for sig, wait in ((signal.SIGINT, 15.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                return True
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if not _exists(pid):
                    return True
                time.sleep(0.2)
        return True


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:  # a zombie (not reaped yet) is gone
        return stat.read().split(") ", 1)[1][:1] != "Z"
    return True


def _alive(pid_file) -> bool:
    try:
        return _exists(int(pid_file.read_text()))
    except (OSError, ValueError):
        return False


def worker_service(api_url: str, pool: str = WORK_POOL) -> WorkerService:
    return WorkerService("prefect-worker", "", [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool],
                         {"PREFECT_API_URL": api_url, "PREFECT_WORKER_QUERY_SECONDS": "1", "DO_NOT_TRACK": "1",
                          "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "OFM_CHECKOUT": str(CHECKOUT)}, 20.0)


def intake_service(api_url: str, host: str = "127.0.0.1", port: int = INTAKE_PORT,
                   env: dict[str, str] | None = None) -> Service:
    return Service("webhook-intake", f"http://{host}:{port}/healthz",
                   [sys.executable, "-m", "ofm.cli.main", "webhooks", "serve", "--host", host, "--port", str(port)],
                   {"PREFECT_API_URL": api_url, **(env or {})}, 60.0)


def serve_services(api_url: str = "", host: str = "127.0.0.1", port: int = INTAKE_PORT,
                   intake_env: dict[str, str] | None = None) -> list[Service]:
    """What `ofm serve` starts beside the Prefect server (also what `make stop` stops)."""
    return [worker_service(api_url), intake_service(api_url, host, port, intake_env)]


def deploy_everything(api_url: str, settings, say: Callable[[str], None], secrets: bool = True,
                      if_changed: bool = False) -> Deployed:
    """The pool, the Secret blocks (`secrets`), every deployment and the automations: what `ofm serve` and
    `ofm demo` share. `if_changed`: leave the deployments alone when the server holds them at this revision."""
    from ofm.deploy.deployments import revision, up_to_date
    from ofm.deploy.secrets import ensure_secret_blocks

    say(f"  work pool {WORK_POOL}: {ensure_work_pool(api_url)}")
    if secrets:
        created = ensure_secret_blocks(api_url, settings)
        say("  secret blocks: " + (f"created {', '.join(created)} from the settings" if created else "all exist"))
    if if_changed and up_to_date(api_url):
        done = Deployed()
        say(f"  deployments: up to date (prefect.yaml and its flows unchanged: {revision()})")
    else:
        done = deploy_all(api_url)
        say(f"  deployments: {done.line()} ({revision()})")
    from ofm.ops.automations import apply_automations

    automations = apply_automations(api_url, settings=settings)
    say(f"  automations: {len(automations)} applied" + (f" ({', '.join(automations)})" if automations else "")
        + ("" if settings.alert_webhook_url is not None else ", alerts shown in the event feed only"
           if not settings.alert_token else ""))
    return done


def serve(settings, say: Callable[[str], None], host: str = "127.0.0.1", port: int = INTAKE_PORT,
          redeploy: bool = False) -> str:
    """Start or find everything; the Prefect API URL. Deployments are applied when prefect.yaml or a flow changed
    since they were (or always: `redeploy`). Raises PrefectUnavailable / RuntimeError with one line."""
    from ofm.cli.prefect_server import resolve_prefect

    VAR.mkdir(exist_ok=True)
    target = resolve_prefect(settings.prefect_port)
    database = ("PostgreSQL" if os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL", "").startswith("postgres")
                else "SQLite under var/prefect")
    own = target.how.startswith("project server")
    say(f"  {target.line()}" + (f", {database}" if own else ""))
    os.environ["PREFECT_API_URL"] = target.api_url
    intake_env: dict[str, str] = {}
    if settings.webhook_secrets and settings.alert_webhook_url is None:  # alerts to the intake's POST /alerts
        from ofm.ops.demo_alerts import with_demo_destination

        settings = with_demo_destination(settings, f"http://{host}:{port}")
        intake_env["OFM_ALERT_TOKEN"] = settings.alert_token.get_secret_value()  # its child's environment only
    done = deploy_everything(target.api_url, settings, say, if_changed=not redeploy)
    worker, intake = serve_services(target.api_url, host, port, intake_env)
    said = worker.ensure()
    if said.startswith("started"):
        time.sleep(2.0)  # a worker that cannot start (no pool, no API) exits at once
        if not worker.healthy():
            raise RuntimeError(f"{worker.name} exited at start; see var/logs/{worker.name}.log")
    say(f"  {worker.name} (pool {WORK_POOL}, polls every 1 s): {said}")
    if settings.webhook_secrets:
        say(f"  {intake.name} on http://{host}:{port}/webhooks/{{source}}: {intake.ensure()}")
    else:
        say(f"  {intake.name}: not started (OFM_WEBHOOK_SECRETS names no source; "
            '{"procurement": "<secret>"} in .env, then `make serve` again)')
    if done.failed:
        raise RuntimeError(f"{len(done.failed)} deployment(s) failed: {', '.join(done.failed)}")
    return target.api_url


@app.command("serve")
def serve_command(
    intake_host: Annotated[str, typer.Option(help="Interface of the webhook intake (behind a reverse proxy: "
                                                  "127.0.0.1).")] = "127.0.0.1",
    intake_port: Annotated[int, typer.Option(help="Port of the webhook intake.")] = INTAKE_PORT,
    redeploy: Annotated[bool, typer.Option(help="Apply every deployment again even if prefect.yaml and the flows "
                                                "did not change (undoes changes made in the UI).")] = False,
) -> None:
    """Start on this machine what runs the flows as deployments: the Prefect server (or PREFECT_API_URL), the
    process work pool `local-pool` and a worker, the webhook intake, the automations, and every deployment of
    prefect.yaml with its schedules, triggers and concurrency limits. Safe to run again: what runs is reused.
    `make stop` stops it."""
    from pydantic_settings import SettingsError as EnvError

    from ofm.cli.prefect_server import PrefectUnavailable
    from ofm.settings import SettingsError, get_settings

    try:
        settings = get_settings()
    except (SettingsError, EnvError) as exc:
        fail(f"configuration: {exc}")
    typer.secho("Serving Odoo Finance Middleware (first start of the Prefect server takes ~15 s)", bold=True)
    try:
        api = serve(settings, typer.echo, intake_host, intake_port, redeploy)
    except (PrefectUnavailable, RuntimeError) as exc:
        fail(str(exc))
    typer.echo(f"Prefect UI: {api.removesuffix('/api')}/deployments - stop everything with `make stop`")
