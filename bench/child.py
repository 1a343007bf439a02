"""Benchmarks measure each contender in a fresh process (peak memory is per process): the protocol.

The parent calls `spawn(module, kind, *args)`; the child, started as `python -m module
--_child=kind:arg:...`, runs `run_child(spec, handlers)`, which prints one JSON line back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
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
    import time
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
