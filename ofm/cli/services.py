"""Background services of the demo: a Prefect server and the sandboxes (Odoo, procurement, sub-ledger platform).

Each runs in its own session (so it survives the demo and ignores the terminal's signals),
logs to var/logs, and is stopped by its recorded process id. A service that already answers
is reused, which makes `make demo` safe to run again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

VAR = Path("var")


@dataclass(frozen=True)
class Service:
    name: str
    health_url: str
    command: list[str]
    env: dict[str, str]
    startup_seconds: float = 90.0

    @property
    def pid_file(self) -> Path:
        return VAR / "pids" / f"{self.name}.pid"

    def healthy(self) -> bool:
        try:
            return httpx.get(self.health_url, timeout=1.0).status_code < 500
        except httpx.HTTPError:
            return False

    def ensure(self) -> str:
        """Start the service unless it already answers; wait until it does."""
        if self.healthy():
            return "already running"
        (VAR / "logs").mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        log = (VAR / "logs" / f"{self.name}.log").open("ab")
        proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **self.env}, start_new_session=True)
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start (code {proc.returncode}); "
                                   f"see var/logs/{self.name}.log")
            if self.healthy():
                return f"started (pid {proc.pid})"
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not answer {self.health_url} within "
                           f"{self.startup_seconds:.0f} s; see var/logs/{self.name}.log")

    def stop(self) -> bool:
        if not self.pid_file.exists():
            return False
        pid = int(self.pid_file.read_text())
        self.pid_file.unlink()
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        return True


def prefect_service(port: int = 4200) -> Service:
    """The project's own Prefect server: history (SQLite) under var/prefect, which is how it is recognised."""
    return Service("prefect-server", f"http://127.0.0.1:{port}/api/health",
                   [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                   {"PREFECT_HOME": str((VAR / "prefect").resolve()), "DO_NOT_TRACK": "1",
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "true",
                    # the UI calls the API on this port (Prefect's default names 4200 whatever --port says)
                    "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api"})


def demo_port(name: str, default: int) -> int:
    """OFM_DEMO_<NAME>_PORT (ODOO, PROCUREMENT, LEDGER), else the default: two checkouts on one machine can run
    their demos side by side, each against its own sandboxes."""
    return int(os.environ.get(f"OFM_DEMO_{name.upper()}_PORT") or default)


def demo_services(prefect_port: int = 4200, odoo_port: int | None = None, procurement_port: int | None = None,
                  suppliers: int = 300, ledger_port: int | None = None) -> list[Service]:
    """The four services, with their state kept under var/ (the ledger sandbox starts with no deliveries)."""
    odoo_port = odoo_port or demo_port("odoo", 8070)
    procurement_port = procurement_port or demo_port("procurement", 8071)
    ofm = [sys.executable, "-m", "ofm.cli.main"]
    return [
        prefect_service(prefect_port),
        Service("odoo-sandbox", f"http://127.0.0.1:{odoo_port}/web/health",
                [*ofm, "sandbox", "odoo", "--port", str(odoo_port),
                 "--state-file", str(VAR / "odoo-sandbox.json")], {}, 30.0),
        Service("procurement-sandbox", f"http://127.0.0.1:{procurement_port}/health",
                [*ofm, "sandbox", "procurement", "--port", str(procurement_port),
                 "--suppliers", str(suppliers)], {}, 30.0),
        ledger_service(ledger_port),
    ]


def ledger_service(port: int | None = None) -> Service:
    """The sub-ledger platform's ledger-source API, empty at start: the demo adds deliveries (POST
    /admin/deliveries) and `ledger-batch --source api` pulls them (OFM_LEDGER_API_URL=http://127.0.0.1:8072)."""
    port = port or demo_port("ledger", 8072)
    return Service("ledger-sandbox", f"http://127.0.0.1:{port}/health",
                   [sys.executable, "-m", "ofm.cli.main", "sandbox", "ledger", "--port", str(port)], {}, 30.0)
