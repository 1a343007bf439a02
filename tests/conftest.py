"""Session-wide test set-up: telemetry off, a private PREFECT_HOME, one Prefect test server, databases.

The Prefect harness takes ~14 s to start, so it is a session fixture that only the flow tests
ask for (`prefect_harness`); unit tests of rules, mappings and connectors never pay for it.
`store_url` gives an empty database: a SQLite file, or a fresh PostgreSQL schema. PostgreSQL
comes from OFM_TEST_POSTGRES_URL (default: the CI service on 127.0.0.1:5432); when it cannot be
reached the PostgreSQL variants are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="ofm-prefect-home-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect server for the whole session (flow runs keep their history in it)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An engine on the PostgreSQL test database, or skip (fail under CI) when it is unreachable."""
    url = os.environ.get("OFM_TEST_POSTGRES_URL", DEFAULT_PG)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except Exception as exc:  # any reason it is not there: refused, auth, unknown database
        engine.dispose()
        message = f"PostgreSQL not reachable at {make_url(url).render_as_string()}: {type(exc).__name__}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL to an empty database: a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin: sa.Engine = request.getfixturevalue("pg_admin")
    schema = f"ofm_t_{uuid.uuid4().hex[:16]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


# ---- the real-Odoo suite (tests/real): run it, or say in one line how to -------------------------

_REAL_SKIPPED: list[str] = []


def _real_odoo_missing(version: int) -> str | None:
    """Why the real-Odoo suite cannot run on this Odoo version here, or None when it can."""
    if os.environ.get("OFM_TEST_ODOO_URL"):
        return None
    from ofm.testbed.realodoo import RealOdooUnavailable, find_source

    try:
        find_source(version)
    except RealOdooUnavailable as exc:
        return str(exc)
    return None


def _version(item: pytest.Item) -> int:
    callspec = getattr(item, "callspec", None)
    return int(callspec.params.get("odoo_version", 19)) if callspec else 19


def _samples_missing() -> str | None:
    default = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "samples")
    path = os.environ.get("OFM_SAMPLES_DIR", default)
    return None if os.path.isdir(path) else f"no {os.path.normpath(path)} (set OFM_SAMPLES_DIR)"


def _chromium_missing() -> str | None:
    from ofm.cli.screenshots import find_chromium

    return None if find_chromium() else "chromium is not installed (`make screenshots` installs the Debian package)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect what needs ../shared when it is not there, in one line each (never under CI=true).

    tests/real needs a real Odoo; `agpl_sample` tests read third-party files that may not be copied
    into the repository; `chromium` tests drive the Debian package a fresh machine lacks. Everything else runs on
    a fresh clone.
    """
    real = [i for i in items if "tests/real/" in i.nodeid.replace("\\", "/") or i.nodeid.startswith("real/")]
    for item in real:
        item.add_marker(pytest.mark.real_odoo)
    if os.environ.get("CI", "").lower() == "true":
        return
    versions = sorted({_version(i) for i in real}, reverse=True)
    groups = [*((f"real-Odoo {v} suite", [i for i in real if _version(i) == v], lambda v=v: _real_odoo_missing(v))
                for v in versions),
              ("AGPL-3 bank sample tests", [i for i in items if i.get_closest_marker("agpl_sample")],
               _samples_missing),
              ("browser tests", [i for i in items if i.get_closest_marker("chromium")], _chromium_missing)]
    said = []
    for label, group, missing in groups:
        why = missing() if group and missing else None
        if why is None:
            continue
        config.hook.pytest_deselected(items=group)
        items[:] = [i for i in items if i not in group]
        said.append(f"{label} skipped ({len(group)} tests): {why}")
    if said:
        _REAL_SKIPPED.append("; ".join(said))


def pytest_terminal_summary(terminalreporter) -> None:
    for line in _REAL_SKIPPED:
        terminalreporter.write_line(line, yellow=True)
