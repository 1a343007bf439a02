"""Which Prefect server a run writes its history to: the one PREFECT_API_URL names, or the project's own.

The project's own server is the one `ofm demo` starts: `prefect server start` on 127.0.0.1:<OFM_PREFECT_PORT>
(4200) with its home, and so its database, in `var/prefect` of this checkout. A server answering on that port
is used only if it says so: its settings (`/api/admin/settings`) must name that home. Another checkout's
server, another tool's, or anything else on the port is refused with one line, never written to. Prefect's
ephemeral mode (a temporary server per process, which loses history and times out on small machines) is
never used.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from ofm.cli.services import VAR, Service, prefect_service

PROJECT_HOME = VAR / "prefect"


class PrefectUnavailable(RuntimeError):
    """Prefect cannot be reached or started, or the port holds a server that is not ours: one line."""


@dataclass(frozen=True)
class PrefectTarget:
    """Where the run's history goes, and how that was decided."""

    api_url: str
    how: str  # "PREFECT_API_URL" | "Prefect settings" | "project server, running" | "project server, started"

    def line(self) -> str:
        return f"Prefect: {self.api_url} ({self.how})"


def resolve_prefect(port: int, start: bool = True) -> PrefectTarget:
    """The configured server if PREFECT_API_URL (or the Prefect profile) names one, else the project's own,
    started if needed. Raises PrefectUnavailable; never falls back to ephemeral mode."""
    configured, how = _configured_url()
    if configured:
        _check_reachable(configured, how)
        return PrefectTarget(configured, how)
    service = prefect_service(port)
    api = service.health_url.removesuffix("/health")
    verdict = identify(api)
    if verdict == "ours":
        return PrefectTarget(api, "project server, running")
    if verdict != "nothing":
        raise PrefectUnavailable(
            f"127.0.0.1:{port} is taken by {verdict}, not this project's server (home {PROJECT_HOME.resolve()}); "
            f"stop it, set PREFECT_API_URL to use it deliberately, or set OFM_PREFECT_PORT to a free port")
    if not start:
        raise PrefectUnavailable(f"the project's Prefect server is not running on 127.0.0.1:{port}")
    _start(service, api, port)
    return PrefectTarget(api, "project server, started")


def _configured_url() -> tuple[str | None, str]:
    url = os.environ.get("PREFECT_API_URL", "").strip()
    if url:
        return url.rstrip("/"), "PREFECT_API_URL"
    if "prefect" not in sys.modules:  # importing Prefect here would freeze its settings before we set the URL
        return None, ""
    from prefect.settings import get_current_settings  # already loaded: a profile or a test harness may set it

    configured = get_current_settings().api.url
    return (str(configured).rstrip("/"), "Prefect settings") if configured else (None, "")


def _check_reachable(api: str, how: str) -> None:
    headers = {"Authorization": f"Bearer {key}"} if (key := os.environ.get("PREFECT_API_KEY")) else {}
    try:
        status = httpx.get(f"{api}/health", headers=headers, timeout=5.0).status_code
    except httpx.HTTPError as exc:
        raise PrefectUnavailable(f"Prefect at {api} ({how}) cannot be reached: {type(exc).__name__}") from None
    if status != 200:
        raise PrefectUnavailable(f"Prefect at {api} ({how}) answered HTTP {status} on /health")


def identify(api: str) -> str:
    """"ours", "nothing" (the port is free), or a few words saying what else holds the port."""
    try:
        health = httpx.get(f"{api}/health", timeout=2.0)
    except httpx.HTTPError:
        return "nothing" if _port_free(api) else "a program that does not answer HTTP"
    if health.status_code != 200:
        return f"a server that answers HTTP {health.status_code} on /api/health"
    try:
        answer = httpx.get(f"{api}/admin/settings", timeout=5.0)
        home = answer.json().get("home") if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        home = None
    if home is None:
        return "a server that does not tell its Prefect settings"
    if home and Path(home).resolve() == PROJECT_HOME.resolve():
        return "ours"
    return f"a Prefect server with home {home}"


def _port_free(api: str) -> bool:
    port = httpx.URL(api).port or 80
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) != 0


def _start(service: Service, api: str, port: int) -> None:
    try:
        service.ensure()
    except RuntimeError as exc:
        if identify(api) == "ours":  # another `ofm run` started it at the same moment
            return
        raise PrefectUnavailable(f"could not start the project's Prefect server on 127.0.0.1:{port}: {exc}") from None
