"""Benchmarks measure each contender in a fresh process (peak memory is per process): the protocol.

The parent calls `spawn(module, kind, *args)`; the child, started as `python -m module
--_child=kind:arg:...`, runs `run_child(spec, handlers)`, which prints one JSON line back.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any


def spawn(module: str, *args: object) -> dict[str, Any]:
    """Run one measurement in a fresh `python -m module` and return what it printed."""
    command = [sys.executable, "-m", module, "--_child=" + ":".join(map(str, args))]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_child(spec: str, handlers: dict[str, Callable[..., dict[str, Any]]]) -> None:
    """In the child: dispatch `kind:n:rest...` to its handler and print the result as one JSON line."""
    kind, n, *rest = spec.split(":")
    print(json.dumps(handlers[kind](int(n), *rest)))


def timed_flow(client: Any, workdir: Any, flow: Callable[..., dict[str, Any]], source: Any,
               **settings: Any) -> tuple[dict[str, Any], float, Any]:
    """Run `flow(source=...)` once on `client` with a fresh SQLite store under `workdir` (set-up untimed).

    Returns the flow's result, its seconds, and the client's call counts from just before it ran.
    """
    from collections import Counter

    from ofm.settings import Settings
    from ofm.store import Store
    from ofm.tasks.shared.resources import Resources, use_resources

    config = Settings(_env_file=None, database_url=f"sqlite:///{workdir / 'bench.db'}", ack_dir=workdir / "acks",
                      **settings)
    store = Store(config.database_url)
    store.migrate()
    with use_resources(Resources(settings=config, store=store, odoo=client)):
        before = Counter(client.stats.calls)
        start = time.perf_counter()
        result = flow(source=str(source), actor="bench")
        return result, time.perf_counter() - start, before


@contextlib.contextmanager
def sandbox_server(latency_ms: int, record_cost_ms: float) -> Iterator[dict]:
    """A fresh `ofm sandbox odoo` process charging the contract's costs; yields its coordinates."""
    import httpx

    from ofm.testbed.realodoo import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ofm.cli.main", "sandbox", "odoo", "--port", str(port),
                             "--latency-ms", str(latency_ms), "--record-cost-ms", str(record_cost_ms)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/web/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield {"url": url, "db": "sandbox", "login": "integration@example.com", "api_key": "sandbox-key"}
    finally:
        proc.terminate()
        proc.wait(30)


def task_runs(flow_run_id: str, settle_seconds: float = 60.0) -> int:
    """How many task runs the Prefect server holds for this flow run (its API's `/task_runs/count`).

    The server records task runs from events, a little after they ran: read until the count has
    not moved for three reads in a row (or `settle_seconds` passed)."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    only = FlowRunFilter(id=FlowRunFilterId(any_=[UUID(str(flow_run_id))]))
    last, same, deadline = -1, 0, time.monotonic() + settle_seconds
    with get_client(sync_client=True) as client:
        while same < 3 and time.monotonic() < deadline:
            answer = client.request("POST", "/task_runs/count", json={"flow_runs": only.model_dump(mode="json")})
            count = int(answer.json())
            same, last = (same + 1, last) if count == last else (0, count)
            time.sleep(0.3)
    return last


def per_100k(small_n: int, small_runs: int, n: int, runs: int) -> float:
    """Task runs at 100,000 records on the line through two measured runs (fixed + per record)."""
    slope = (runs - small_runs) / (n - small_n)
    return runs + slope * (100_000 - n)
