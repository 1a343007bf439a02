"""A real Odoo server for tests, benchmarks and the demo, built from a source archive and cached.

Odoo's own recipe (../shared/odoo19/README.md), made repeatable: the source is unpacked, its
requirements installed in a venv of their own, a database installed once (Belgian company,
`account`, `purchase`, `stock`, `purchase_stock`, an integration user with an API key) and kept
as a template. Every later user gets a fresh database copied from that template in about a
second (`new_database`), selected per request by name (`X-Odoo-Database` / JSON-RPC `db`).

Everything is cached under one folder keyed by the source's content, so a changed archive
builds anew and an unchanged one costs nothing. Builds and template copies take a file lock:
several test processes may share one cache. Never imported by flows.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

MODULES = "account,purchase,stock,purchase_stock"
ROLE, ROLE_PASSWORD = "odoo", "odoo"
LOGIN = "admin"
REPO = Path(__file__).resolve().parents[2]


class RealOdooUnavailable(RuntimeError):
    """No Odoo source to build from (a user's clone without ../shared): the caller says how to get one."""


@dataclass(frozen=True)
class Source:
    """One Odoo release as shipped in ../shared/odooNN: the archive, its requirements, two shell snippets."""

    version: int
    folder: Path

    @property
    def archive(self) -> Path:
        return self.folder / f"odoo{self.version}.tar.xz"

    @property
    def parts(self) -> list[Path]:
        shared19 = self.folder.parent / "odoo19"  # 18 reuses 19's company and user snippets
        snippets = [p if p.exists() else shared19 / p.name
                    for p in (self.folder / "company.py", self.folder / "integration_user.py")]
        return [self.archive, self.folder / "requirements.txt", *snippets]

    def key(self) -> str:
        """A content hash of everything the build reads (a new archive means a new cache)."""
        digest = hashlib.sha256(str(self.version).encode())
        for part in self.parts:
            digest.update(part.name.encode())
            digest.update(part.read_bytes())
        return digest.hexdigest()[:10]


def find_source(version: int = 19) -> Source:
    """OFM_ODOO_SOURCE (a folder like ../shared/odoo19), else ../shared/odooNN beside the checkout."""
    variable = "OFM_ODOO_SOURCE" if version == 19 else f"OFM_ODOO{version}_SOURCE"
    given = os.environ.get(variable)
    folder = Path(given) if given else REPO.parent / "shared" / f"odoo{version}"
    source = Source(version, folder)
    missing = [str(p) for p in source.parts if not p.is_file()]
    if missing:
        raise RealOdooUnavailable(
            f"no Odoo {version} source in {folder} ({len(missing)} file(s) missing): set {variable} to a "
            f"folder holding odoo{version}.tar.xz, requirements.txt, company.py and integration_user.py, "
            "or OFM_TEST_ODOO_URL (+ _DB, _LOGIN, _API_KEY) to an Odoo you already run")
    return source


def pg_admin_dsn() -> str:
    """libpq DSN of a PostgreSQL superuser (OFM_ODOO_PG_ADMIN; default the machine's postgres user)."""
    return os.environ.get("OFM_ODOO_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(pg_admin_dsn(), autocommit=True, connect_timeout=5) as conn:
        for sql in statements:
            conn.execute(sql)


def database_exists(database: str) -> bool:
    import psycopg

    with psycopg.connect(pg_admin_dsn(), autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is not None


class Build:
    """The cached build of one source: unpacked code, its venv, config, and the template database."""

    def __init__(self, source: Source, cache: Path | None = None, log=None) -> None:
        self.source = source
        self.key = source.key()
        root = os.environ.get("OFM_ODOO_CACHE") or str(Path.home() / ".cache" / "ofm")
        self.dir = cache or Path(root) / f"odoo{source.version}-{self.key}"
        self.prefix = f"ofm{source.version}_{self.key}"
        self.template = f"{self.prefix}_tpl"
        self._log = log or (lambda msg: print(msg, file=sys.stderr))  # noqa: T201 - build progress

    # -- paths ---------------------------------------------------------------------------
    @property
    def src(self) -> Path:
        return self.dir / "src"

    @property
    def python(self) -> Path:
        return self.dir / "venv" / "bin" / "python"

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def state_file(self) -> Path:
        return self.dir / "state.json"

    def addons_path(self) -> str:
        paths = [self.src / "odoo" / "addons", self.src / "addons"]
        return ",".join(str(p) for p in paths if p.is_dir())

    def config_file(self, port: int = 8069) -> Path:
        """An odoo.conf for this cache; `dbfilter` lets through the test databases, never the template."""
        demo = "with_demo = False" if self.source.version >= 19 else "without_demo = all"
        path = self.dir / f"odoo-{port}.conf"
        path.write_text("\n".join([
            "[options]", f"addons_path = {self.addons_path()}", f"data_dir = {self.data}",
            "db_host = 127.0.0.1", "db_port = 5432", f"db_user = {ROLE}", f"db_password = {ROLE_PASSWORD}",
            "http_interface = 127.0.0.1", f"http_port = {port}", "workers = 0", "max_cron_threads = 0",
            "list_db = False", f"dbfilter = ^{self.prefix}_t_.*$", demo, "log_level = warn", ""]))
        return path

    # -- building ------------------------------------------------------------------------
    def state(self) -> dict | None:
        """What a finished build recorded (template name, login, API key), or None."""
        if not self.state_file.is_file():
            return None
        state = json.loads(self.state_file.read_text())
        return state if state.get("template") == self.template and database_exists(self.template) else None

    def ensure(self) -> dict:
        """Build whatever is missing (source, venv, template database) and return the state."""
        with _locked(self.dir.with_suffix(".lock")):
            state = self.state()
            if state is not None:
                return state
            started = time.monotonic()
            self._unpack()
            self._venv()
            state = self._template()
            state["build_seconds"] = round(time.monotonic() - started, 1)
            self.state_file.write_text(json.dumps(state, indent=1))
            return state

    def _run(self, args: list[str], stdin: str | None = None) -> str:
        done = subprocess.run(args, input=stdin, capture_output=True, text=True, cwd=self.dir, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
            raise RuntimeError(f"{' '.join(args[:4])}... failed ({done.returncode}):\n{tail}")
        return done.stdout

    def _unpack(self) -> None:
        if (self.src / ".unpacked").exists():
            return
        self._log(f"real Odoo {self.source.version}: unpacking {self.source.archive}")
        shutil.rmtree(self.src, ignore_errors=True)
        self.src.mkdir(parents=True)
        with tarfile.open(self.source.archive) as tar:
            tar.extractall(self.src, filter="data")
        (self.src / ".unpacked").touch()

    def _venv(self) -> None:
        marker = self.dir / "venv" / ".installed"
        if marker.exists():
            return
        self._log(f"real Odoo {self.source.version}: installing its requirements (1-2 min, once)")
        base = getattr(sys, "_base_executable", None) or sys.executable
        shutil.rmtree(self.dir / "venv", ignore_errors=True)
        self._run([base, "-m", "venv", str(self.dir / "venv")])
        self._run([str(self.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   "-r", str(self.source.folder / "requirements.txt")])
        marker.touch()

    def _odoo(self, *args: str, stdin: str | None = None) -> str:
        return self._run([str(self.python), str(self.src / "odoo-bin"), *args], stdin=stdin)

    def _template(self) -> dict:
        self._log(f"real Odoo {self.source.version}: installing {MODULES} into {self.template} (~2 min, once)")
        _admin_sql(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
                   f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{ROLE_PASSWORD}'; END IF; END $$",
                   f"DROP DATABASE IF EXISTS {self.template} WITH (FORCE)")
        shutil.rmtree(self.data / "filestore" / self.template, ignore_errors=True)
        conf = str(self.config_file())
        company, user = self.source.parts[2:]
        self._odoo("-c", conf, "-d", self.template, "-i", "base", "--stop-after-init", "--no-http")
        self._odoo("shell", "-c", conf, "-d", self.template, "--no-http", stdin=company.read_text())
        self._odoo("-c", conf, "-d", self.template, "-i", MODULES, "--stop-after-init", "--no-http")
        out = self._odoo("shell", "-c", conf, "-d", self.template, "--no-http", stdin=user.read_text())
        found = re.search(r"^API_KEY=(\S+)$", out, re.M)
        if not found:
            raise RuntimeError("integration_user.py printed no API_KEY line")
        return {"template": self.template, "login": LOGIN, "api_key": found.group(1),
                "version": self.source.version}

    # -- databases from the template -------------------------------------------------------
    def new_database(self, label: str = "") -> str:
        """A fresh database copied from the template (about a second); its name passes the dbfilter."""
        tag = re.sub(r"[^a-z0-9]+", "_", label.lower())[:20].strip("_")
        name = f"{self.prefix}_t_{tag}_{uuid.uuid4().hex[:8]}" if tag else f"{self.prefix}_t_{uuid.uuid4().hex[:8]}"
        return self.new_database_named(name)

    def new_database_named(self, name: str) -> str:
        """A copy of the template under a chosen name (it must start with `<prefix>_t_`)."""
        if not name.startswith(f"{self.prefix}_t_"):
            raise ValueError(f"{name} would not pass this build's dbfilter")
        # PostgreSQL refuses a template another session is copying: one copy at a time per cache.
        with _locked(self.dir.with_suffix(".copy.lock")):
            _admin_sql(f"CREATE DATABASE {name} TEMPLATE {self.template} OWNER {ROLE}")
        files = self.data / "filestore" / self.template
        if files.is_dir():
            shutil.copytree(files, self.data / "filestore" / name)
        return name

    def drop_database(self, name: str) -> None:
        """Drop a test database (open server connections are closed by force) and its files."""
        if not name.startswith(f"{self.prefix}_t_"):
            raise ValueError(f"{name} is not a test database of this build")
        _admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(self.data / "filestore" / name, ignore_errors=True)

    def drop_test_databases(self) -> int:
        """Drop every test database this build left behind (a killed run's, say); the demo's is kept."""
        import psycopg

        with psycopg.connect(pg_admin_dsn(), autocommit=True, connect_timeout=5) as conn:
            names = [r[0] for r in conn.execute("SELECT datname FROM pg_database")  # `_` is LIKE's wildcard
                     if r[0].startswith(f"{self.prefix}_t_") and r[0] != f"{self.prefix}_t_demo"]
        for name in names:
            self.drop_database(name)
        return len(names)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One running Odoo HTTP server over a build (a process of its own; stop() ends it)."""

    def __init__(self, build: Build, port: int | None = None) -> None:
        self.build = build
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = build.dir / f"server-{self.port}.log"
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> Server:
        conf = self.build.config_file(self.port)
        log = open(self.log_path, "w")  # noqa: SIM115 - the server writes here until stopped
        self._proc = subprocess.Popen(
            [str(self.build.python), str(self.build.src / "odoo-bin"), "-c", str(conf)],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.build.dir, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"Odoo exited ({self._proc.returncode}); see {self.log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/web/webclient/version_info", timeout=2).status_code < 500:
                    return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Odoo did not answer on {self.url} within {timeout:.0f} s; see {self.log_path}")

    @property
    def pid(self) -> int | None:
        """The server process's id while it runs (a restart gives a new one)."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
