"""What the infrastructure faults need: `ofm run` processes, an Odoo sandbox process, a Prefect server, a private
PostgreSQL cluster, and the read-back of suppliers and ledger entries from Odoo and the store.

Everything here is started by the scenario that needs it and stopped by it (context managers); nothing touches a
server the scenario did not start, except a Prefect server named by PREFECT_API_URL, which the runs write to.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

# the console entry point, not `-m ofm.cli.main`: run as __main__ the module loads twice and the commands other
# modules register (ledger-batch, po-sync) land on the other copy's `run` group
OFM = [sys.executable, "-c", "from ofm.cli.main import main; main()"]
PG_BIN = Path(os.environ.get("OFM_CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def pg_bin_missing() -> str | None:
    """Why the private PostgreSQL cluster of `postgres-restart` cannot be made here, or None."""
    return None if (PG_BIN / "pg_ctl").is_file() else f"no PostgreSQL server binaries in {PG_BIN} (OFM_CHAOS_PG_BIN)"


def namespace_missing() -> str | None:
    """Why `disk-full` cannot mount its tmpfs in a private mount namespace here, or None."""
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-Urm"]
    if shutil.which("unshare") is None:
        return "no `unshare` (util-linux) on this machine"
    done = subprocess.run([*unshare, "true"], capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else f"`{' '.join(unshare)}` is not allowed here: {done.stderr.strip()}"
SANDBOX_KEY = "sandbox-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(every)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


# ---- runs ------------------------------------------------------------------------------------------------------

@dataclass
class Run:
    """One finished `ofm run` process: its exit code (negative: the signal that ended it) and output."""

    code: int
    out: str
    err: str

    @property
    def result(self) -> dict[str, Any] | None:
        if "{" not in self.out:
            return None
        with contextlib.suppress(ValueError):
            return json.loads(self.out[self.out.index("{"):])
        return None

    def tail(self, lines: int = 8) -> str:
        return "\n".join((self.out + self.err).strip().splitlines()[-lines:])


def start_run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """`ofm run <args> --json` in a process of its own (its own session: a kill ends it alone)."""
    return subprocess.Popen([*OFM, "run", *args, "--json"], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 600) -> Run:
    out, err = proc.communicate(timeout=timeout)
    return Run(proc.returncode, out, err)


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> Run:
    return finish(start_run(args, env, cwd), timeout)


def run_env(odoo: dict[str, str], store_url: str, scratch: Path, prefect_url: str, **more: str) -> dict[str, str]:
    """The environment of an `ofm run`: Odoo, the store, acks in the scratch dir, Prefect, telemetry off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OFM_", "PREFECT_"))}
    env.update({**odoo, "OFM_DATABASE_URL": store_url, "OFM_ACK_DIR": str(scratch / "acks"),
                "OFM_ENVIRONMENT": "sandbox", "PREFECT_API_URL": prefect_url, "DO_NOT_TRACK": "1",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_HOME": str(scratch / "prefect-home"),
                "PREFECT_LOGGING_LEVEL": "WARNING", **more})
    return env


def kill_at(proc: subprocess.Popen, seconds: float) -> bool:
    """SIGKILL the run (its whole session) after `seconds`; False if it had ended before."""
    try:
        proc.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def seeded_moment(seed: int, low: float, high: float) -> float:
    return random.Random(seed).uniform(low, high)


# ---- servers -----------------------------------------------------------------------------------------------------

class Process:
    """A server process of the scenario's own, in its own session; `stop()` ends that session only."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> None:
        self.log = log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@contextlib.contextmanager
def odoo_sandbox(scratch: Path, latency_ms: int = 0, record_cost_ms: float = 0.0) -> Iterator[dict[str, str]]:
    """`ofm sandbox odoo` on a free port, as a process; yields the OFM_ODOO_* settings that point a run at it."""
    port = free_port()
    proc = Process([*OFM, "sandbox", "odoo", "--port", str(port), "--latency-ms", str(latency_ms),
                    "--record-cost-ms", str(record_cost_ms)], dict(os.environ), scratch / f"odoo-sandbox-{port}.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: proc.alive() and httpx.get(f"{url}/web/health", timeout=2).status_code == 200, 60,
                   "the Odoo sandbox")
        yield {"OFM_ODOO_URL": url, "OFM_ODOO_DB": "sandbox", "OFM_ODOO_LOGIN": "integration@example.com",
               "OFM_ODOO_API_KEY": SANDBOX_KEY}
    finally:
        proc.stop()


@contextlib.contextmanager
def prefect_server(scratch: Path) -> Iterator[str]:
    """The API URL of a Prefect server: the one PREFECT_API_URL names, else a private `prefect server start`."""
    named = os.environ.get("PREFECT_API_URL")
    if named:
        yield named
        return
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix="ofm-chaos-prefect-"))
    env = {**os.environ, "PREFECT_HOME": str(home), "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false"}
    proc = Process([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                   env, scratch / "prefect-server.log")
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_until(lambda: proc.alive() and httpx.get(f"{api}/health", timeout=2).status_code == 200, 120,
                   "the Prefect server")
        yield api
    finally:
        proc.stop()
        shutil.rmtree(home, ignore_errors=True)


class PgCluster:
    """A PostgreSQL cluster of the scenario's own (initdb into a fresh folder, a free port, trust auth).

    As root the binaries run as the `postgres` user (initdb refuses root)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ofm-chaos-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, *args: str) -> str:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {(done.stdout + done.stderr)[-800:]}")
        return done.stdout

    def start(self) -> PgCluster:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self.up()
        return self

    def up(self) -> None:
        """Start the server (again, after `down()`)."""
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def down(self, mode: str = "fast") -> None:
        """Stop the server, keeping its data (`up()` starts it again)."""
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def restart(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-m", mode, "restart")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._pg("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---- read back -------------------------------------------------------------------------------------------------

@dataclass
class Readback:
    """An Odoo client for reading the target back (over HTTP, with the run's own settings)."""

    odoo: dict[str, str]
    _client: Any = field(default=None, repr=False)

    def client(self) -> Any:
        if self._client is None:
            from pydantic import SecretStr

            from ofm.connectors.odoo import OdooClient, OdooConfig

            self._client = OdooClient(OdooConfig(url=self.odoo["OFM_ODOO_URL"], db=self.odoo["OFM_ODOO_DB"],
                                                 login=self.odoo["OFM_ODOO_LOGIN"],
                                                 api_key=SecretStr(self.odoo["OFM_ODOO_API_KEY"]),
                                                 timeout_seconds=120))
        return self._client

    def count(self, model: str, domain: list) -> int:
        return self.client().call(model, "search_count", args=[domain], kwargs={"context": {"active_test": False}})

    def partners_by_ref(self, refs: list[str]) -> Counter:
        rows = self.client().call("res.partner", "search_read", args=[[["ref", "in", refs]]],
                                  kwargs={"fields": ["ref"], "context": {"active_test": False}})
        return Counter(r["ref"] for r in rows)

    def moves_by_entry(self, prefix: str) -> Counter:
        """Entries per source entry id of journal entries whose ref starts with `prefix` (`ofm:payroll:B:`)."""
        rows = self.client().call("account.move", "search_read", args=[[["ref", "=like", f"{prefix}%"]]],
                                  kwargs={"fields": ["ref"]})
        return Counter(r["ref"].split("#")[0].rsplit(":", 1)[1] for r in rows)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def open_quarantine(store_url: str) -> set[str]:
    """External ids of the records waiting in the store's open quarantine (`system:external_id` -> external_id)."""
    from ofm.store import Store

    store = Store(store_url)
    try:
        return {row.record_ref.rsplit(":", 1)[-1] for row in store.list_quarantine("open", limit=1_000_000)}
    finally:
        store.close()


def supplier_file(path: Path, n: int, seed: int, prefix: str) -> dict[str, str]:
    """A supplier export of `n` clean suppliers; returns source id -> vendor code (the anchor in Odoo)."""
    from ofm.sandbox.procurement import generate_suppliers

    suppliers = generate_suppliers(n, seed=seed, dirty=False, id_prefix=prefix)
    path.write_text(json.dumps({"suppliers": suppliers}), encoding="utf-8")
    return {s["id"]: s["vendor_code"] for s in suppliers}


def supplier_counts(back: Readback, anchors: dict[str, str]) -> dict[str, int]:
    """Source id -> partners in Odoo carrying its vendor code, plus any partner with one of our codes twice."""
    per_ref = back.partners_by_ref(sorted(anchors.values()))
    return {key: per_ref.get(code, 0) for key, code in anchors.items()}


# ---- a proxy that can refuse ----------------------------------------------------------------------------------

class Proxy:
    """A TCP proxy to `upstream` (host, port) on a free port, in a thread of its own. `cut()` resets every open
    connection and refuses (accept, then reset) every new one until `restore()`; `refused` counts those."""

    def __init__(self, host: str, port: int) -> None:
        import asyncio
        import threading

        self.upstream = (host, port)
        self.port = free_port()
        self.down = False
        self.refused = self.passed = 0
        self._open: set[Any] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _serve(self) -> None:
        import asyncio

        async def main() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
            self._ready.set()
            async with self._server:
                await self._server.serve_forever()

        with contextlib.suppress(BaseException):  # the CancelledError of close()
            self._loop.run_until_complete(main())

    @staticmethod
    def _reset(writer: Any) -> None:
        import struct

        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()

    async def _handle(self, reader: Any, writer: Any) -> None:
        import asyncio

        if self.down:
            self.refused += 1
            self._reset(writer)
            return
        self.passed += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self._reset(writer)
            return
        self._open.update((writer, up_writer))

        async def pipe(src: Any, dst: Any) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._open.difference_update((writer, up_writer))

    def cut(self) -> None:
        def now() -> None:
            self.down = True
            for writer in list(self._open):
                self._reset(writer)
            self._open.clear()

        self._loop.call_soon_threadsafe(now)

    def restore(self) -> None:
        self._loop.call_soon_threadsafe(lambda: setattr(self, "down", False))

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._thread.join(5)


def prefect_runs(api: str, flow: str, since: str) -> list[dict[str, Any]]:
    """What Prefect shows of a flow's runs started after `since` (ISO): state, task runs and log records each."""
    runs = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"start_time": {"after_": since}},
                                                         "flows": {"name": {"any_": [flow]}}}, timeout=30).json()
    shown = []
    for one in sorted(runs, key=lambda r: r.get("start_time") or ""):
        ids = {"flow_runs": {"id": {"any_": [one["id"]]}}}
        tasks = httpx.post(f"{api}/task_runs/count", json=ids, timeout=30).json()
        logs = httpx.post(f"{api}/logs/filter", json={"logs": {"flow_run_id": {"any_": [one["id"]]}}, "limit": 200},
                          timeout=30).json()
        shown.append({"id": one["id"], "state": one["state"]["name"] if one.get("state") else None,
                      "task_runs": tasks, "logs": len(logs)})
    return shown


# ---- a real Odoo of the scenario's own -------------------------------------------------------------------------

@contextlib.contextmanager
def real_odoo(version: int = 19) -> Iterator[tuple[Any, dict[str, str]]]:
    """A real Odoo server of the scenario's own (the cached build, a free port) on a fresh database copied from
    the template; yields the server and the OFM_ODOO_* settings; the database is dropped afterwards."""
    from ofm.testbed.realodoo import Build, Server, find_source

    build = Build(find_source(version))
    state = build.ensure()
    db = build.new_database("chaos")
    server = Server(build)
    try:
        server.start()
        yield server, {"OFM_ODOO_URL": server.url, "OFM_ODOO_DB": db, "OFM_ODOO_LOGIN": state["login"],
                       "OFM_ODOO_API_KEY": state["api_key"]}
    finally:
        server.stop()
        build.drop_database(db)


# ---- what the tests check --------------------------------------------------------------------------------------

def use_session_prefect(monkeypatch: Any) -> None:
    """Point the scenario's runs at the Prefect server of the test session (else each starts one of its own)."""
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())


def assert_exactly_once(cell: Any, records: int) -> None:
    """Every record delivered or in quarantine, none twice, none lost."""
    assert cell.records_in == records, cell
    assert (cell.duplicated, cell.lost) == (0, 0), cell
    assert cell.delivered + cell.quarantined == records, cell
    assert cell.delivered, cell
