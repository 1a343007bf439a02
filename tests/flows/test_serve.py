"""`ofm serve` on a free port in an empty folder: the project's own Prefect server, the pool, every deployment, a
worker and the webhook intake; a second `ofm serve` finds them all running and says so; `ofm demo --stop` stops
every process it started (read back: the process ids are gone)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not status.exists() or status.read_text().split(") ", 1)[1][:1] != "Z"


class Ofm:
    """`ofm ...` as a user runs it: its own process, in an empty folder (var/ lands there; no .env), configured by
    its environment alone (no PREFECT_API_URL: the project's own server on a free port)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("OFM_", "PREFECT_API_"))}
        self.env.update({"OFM_PREFECT_PORT": str(_free_port()), "OFM_DATABASE_URL": f"sqlite:///{folder / 'ofm.db'}",
                         "OFM_ODOO_URL": "http://127.0.0.1:9",  # nothing may run against a real system here
                         "OFM_WEBHOOK_SECRETS": '{"procurement": "whsec-serve-test-0123456789abcdef"}'})

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ofm.cli.main", *args], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=300)


@pytest.fixture
def ofm(tmp_path):
    run = Ofm(tmp_path)
    yield run
    run("demo", "--stop")


def test_serve_starts_everything_once_and_stop_stops_it(ofm):
    here, port = ofm.folder, str(_free_port())
    started = time.monotonic()
    first = ofm("serve", "--intake-port", port)
    took = time.monotonic() - started
    first.output = first.stdout + first.stderr
    assert first.returncode == 0, first.output
    assert "project server, started" in first.output and "work pool local-pool: created" in first.output
    assert "secret blocks: created ofm-odoo-api-key, ofm-procurement-token, ofm-ledger-api-token" in first.output
    assert "deployment(s) applied" in first.output and "FAILED" not in first.output
    assert "prefect-worker (pool local-pool, polls every 1 s): started" in first.output
    assert f"webhook-intake on http://127.0.0.1:{port}/webhooks/{{source}}: started" in first.output
    pids = {p.stem: int(p.read_text()) for p in (here / "var" / "pids").glob("*.pid")}
    assert {"prefect-server", "prefect-worker", "webhook-intake"} <= pids.keys()
    assert all(_alive(pid) for pid in pids.values())

    again = ofm("serve", "--intake-port", port)
    again.output = again.stdout + again.stderr
    assert again.returncode == 0, again.output
    assert "project server, running" in again.output and "work pool local-pool: exists" in again.output
    assert "secret blocks: all exist" in again.output and "deployments: up to date" in again.output
    assert "prefect-worker (pool local-pool, polls every 1 s): already running" in again.output
    assert "webhook-intake" in again.output and "already running" in again.output.split("webhook-intake")[1]

    stop = ofm("demo", "--stop")
    assert "prefect-worker: stopped" in stop.stdout and "webhook-intake: stopped" in stop.stdout
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [name for name, pid in pids.items() if _alive(pid)]
    print(f"first ofm serve: {took:.1f} s")
