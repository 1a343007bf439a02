"""A world for flow runs under test or under faults: in-process Odoo and procurement sandboxes, a store, the
real clients.

Nothing is mocked below the wire: the real OdooClient speaks JSON-2 to the Odoo sandbox through
`SandboxTransport`, and the real ProcurementClient speaks HTTP to the procurement sandbox's ASGI
app. Plain helpers, no fixtures: each test module (and each chaos scenario) builds its world itself.
"""

from __future__ import annotations

import atexit
import pickle
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
from ofm.connectors.procurement import ProcurementClient, ProcurementConfig
from ofm.sandbox.odoo import OdooSandbox, SandboxTransport
from ofm.sandbox.procurement import InProcessTransport, create_app
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources

TOKEN = "sandbox-token"
WRITE_METHODS = frozenset({"create", "write", "unlink"})


@dataclass
class World:
    """Everything a flow run touches, kept at hand for assertions."""

    sandbox: OdooSandbox
    odoo: OdooClient
    store: Store
    settings: Settings
    procurement_app: Any
    procurement: httpx.Client
    resources: Resources

    def odoo_write_calls(self) -> int:
        """Write calls the Odoo sandbox received, counted on the server side."""
        return sum(n for (_model, method), n in self.sandbox.calls.items() if method in WRITE_METHODS)

    def partners(self, **where: Any) -> list[dict[str, Any]]:
        rows = self.odoo.search_read("res.partner", [["supplier_rank", ">", 0], "|", ["active", "=", True],
                                                    ["active", "=", False]],
                                     ["name", "vat", "ref", "bank_ids", "street", "city", "active"])
        return [r for r in rows if all(r.get(k) == v for k, v in where.items())]

    def advance(self) -> dict[str, Any]:
        answer = self.procurement.post("/admin/advance", headers={"Authorization": f"Bearer {TOKEN}"})
        answer.raise_for_status()
        return answer.json()

    def acks(self) -> dict[str, dict[str, Any]]:
        answer = self.procurement.get("/admin/acknowledgements", headers={"Authorization": f"Bearer {TOKEN}"})
        answer.raise_for_status()
        body = answer.json()
        rows = body["items"]
        return {row["external_id"]: row for row in rows}


def odoo_client(sandbox: OdooSandbox, protocol: str = "auto") -> OdooClient:
    config = OdooConfig(url="http://odoo.sandbox", db="sandbox", login="integration@example.com",
                        api_key=SecretStr("sandbox-key"), protocol=protocol,  # type: ignore[arg-type]
                        retry=RetryPolicy(max_attempts=6, base_delay=0.0, max_delay=0.0))
    return OdooClient(config, transport=SandboxTransport(sandbox), sleep=lambda _s: None, jitter=lambda: 0.0)


_TEMPLATES: dict[str, Any] = {}  # what every world starts from, built once per process
_templates_guard = threading.Lock()


def _template_dir() -> Path:
    if "dir" not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="ofm-world-templates-"))
        atexit.register(shutil.rmtree, folder, True)
        _TEMPLATES["dir"] = folder
    return _TEMPLATES["dir"]


def fresh_sqlite_store(path: Path) -> None:
    """An empty store migrated to head at `path`: a copy of one migrated once per process (a migration per
    world cost more than the rest of setting a world up). The copy is the file a fresh migration writes."""
    with _templates_guard:
        template = _TEMPLATES.get("store")
        if template is None:
            template = _template_dir() / "store.db"
            store = Store(f"sqlite:///{template}")
            store.migrate()
            store.close()  # the last connection closed: the WAL is checkpointed into the file and removed
            if template.with_name("store.db-wal").exists():
                raise RuntimeError(f"the store template {template} kept a write-ahead log")
            _TEMPLATES["store"] = template
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)


def procurement_app(suppliers: int, seed: int) -> Any:
    """The procurement sandbox's app over a fresh platform: a copy of one generated once per process for
    (`suppliers`, `seed`) (generating the feed cost more than the rest of setting a world up)."""
    key = ("platform", suppliers, seed)
    with _templates_guard:
        pristine = _TEMPLATES.get(key)
        if pristine is None:
            pristine = _TEMPLATES[key] = pickle.dumps(create_app(n=suppliers, seed=seed, token=TOKEN).state.platform)
    app = create_app(n=0, seed=seed, token=TOKEN, p2p=False)
    app.state.platform = pickle.loads(pristine)
    return app


@contextmanager
def world(tmp_path: Path, suppliers: int = 60, seed: int = 7, database_url: str | None = None,
          batch_size: int = 25, protocol: str = "auto", sandbox: OdooSandbox | None = None,
          **settings: Any) -> Iterator[World]:
    """Install a fresh world as the process's resources for the duration of the block (on `sandbox` if given;
    `settings`: more Settings fields)."""
    sandbox = sandbox or OdooSandbox()
    odoo = odoo_client(sandbox, protocol)
    settings = Settings(_env_file=None, database_url=database_url or f"sqlite:///{tmp_path / 'ofm.db'}",
                        ack_dir=tmp_path / "acks", odoo_batch_size=batch_size, **settings)
    if database_url is None and not (tmp_path / "ofm.db").exists():  # a world again on the same folder keeps it
        fresh_sqlite_store(tmp_path / "ofm.db")
    store = Store(settings.database_url)
    store.migrate()  # at head already when copied: one look
    app = procurement_app(suppliers, seed)
    transport = InProcessTransport(app)

    def procurement() -> ProcurementClient:
        return ProcurementClient(ProcurementConfig(url="http://procurement.test", token=SecretStr(TOKEN),
                                                   pagination="cursor", page_size=20), transport=transport)

    res = Resources(settings=settings, store=store, odoo=odoo, procurement_factory=procurement)
    with use_resources(res), httpx.Client(transport=transport, base_url="http://procurement.test") as admin:
        yield World(sandbox, odoo, store, settings, app, admin, res)


class Crash(BaseException):
    """The process dies here (not an Exception: nothing may catch it and carry on)."""


def kill_after(odoo: OdooClient, sandbox: OdooSandbox, path: str, nth: int = 1) -> None:
    """From now on the client's process dies right after the `nth` request to `path` committed in Odoo
    (the answer is never recorded): what a killed worker or a lost connection leaves behind."""
    inner, seen = SandboxTransport(sandbox), {"n": 0}

    class DiesAfterCommit(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = inner.handle_request(request)
            if request.url.path.endswith(path):
                seen["n"] += 1
                if seen["n"] == nth:
                    raise Crash(f"killed after {path} committed")
            return response

    odoo._http._transport = DiesAfterCommit()


def revive(odoo: OdooClient, sandbox: OdooSandbox) -> None:
    """The restarted process: the client talks to the sandbox normally again."""
    odoo._http._transport = SandboxTransport(sandbox)


def outbox_states(store: Store) -> dict[str, int]:
    """How many outbox intents are in each state."""
    import sqlalchemy as sa

    with sa.create_engine(store.engine.url).connect() as conn:
        return dict(conn.execute(sa.text("SELECT state, count(*) FROM outbox GROUP BY state")).all())


class Slow(httpx.BaseTransport):
    """An Odoo a few milliseconds away, as over a network: runs in threads then interleave their calls."""

    def __init__(self, inner: httpx.BaseTransport, seconds: float) -> None:
        self.inner, self.seconds = inner, seconds

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import time

        time.sleep(self.seconds)
        return self.inner.handle_request(request)


def at_once(n: int, settings: Settings, sandbox: OdooSandbox, run: Any,
            prepare: Any = None, latency: float = 0.01) -> list[Any]:
    """`run(i)` in n threads released at the same moment, each with its own store and Odoo client (as n
    workers would have), sharing one database and one Odoo `latency` seconds away. `prepare(i, resources)`
    may tamper with a run's clients first (e.g. kill it after some request). Returns each run's result, or
    the exception it died of.

    The worst overlap is forced: each run's first outbox claim waits (up to a few seconds) until every run
    has reached its own, so all runs have read Odoo and decided before any of them writes."""
    import contextlib
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from ofm.tasks.shared.resources import use_thread_resources

    barrier, decided = threading.Barrier(n), threading.Barrier(n)

    def one(i: int) -> Any:
        res = Resources(settings=settings, store=Store(settings.database_url), odoo=odoo_client(sandbox))
        res.odoo._http._transport = Slow(res.odoo._http._transport, latency)
        claim, first = res.store.claim, [True]

        def claim_together(*args: Any, **kwargs: Any) -> Any:
            if first[0]:
                first[0] = False
                with contextlib.suppress(threading.BrokenBarrierError):  # a run that never claims
                    decided.wait(timeout=5)
            return claim(*args, **kwargs)

        res.store.claim = claim_together  # type: ignore[method-assign]
        if prepare is not None:
            prepare(i, res)
        try:
            with use_thread_resources(res):
                barrier.wait(timeout=120)
                return run(i)
        except BaseException as exc:  # noqa: BLE001 - a killed run is a result here
            return exc
        finally:
            res.store.close()

    with ThreadPoolExecutor(n) as pool:
        return [f.result() for f in [pool.submit(one, i) for i in range(n)]]
