"""The real-Odoo suite: real Odoo 19 and 18 servers for the session, a fresh database per test module.

Every test module runs against each version (`odoo_version`, ids `odoo19` / `odoo18`): 19 over JSON-2,
18 over JSON-RPC (the only protocol it has); a test that takes a `protocol` argument runs once per
protocol the server speaks. Each server is built once from ../shared/odooNN (or OFM_ODOO_SOURCE /
OFM_ODOO18_SOURCE) and cached under ~/.cache/ofm (OFM_ODOO_CACHE): its venv and a template database.
Each test module gets its own database copied from the template (about a second) and dropped
afterwards. OFM_TEST_ODOO_VERSIONS narrows the versions (e.g. "19"). OFM_TEST_ODOO_URL (+
OFM_TEST_ODOO_DB, OFM_TEST_ODOO_LOGIN, OFM_TEST_ODOO_API_KEY, OFM_TEST_ODOO_VERSION, default 19)
points the suite at an Odoo you already run instead; then every module shares that one database.
A module marked `pytest.mark.odoo_versions(19)` runs on the versions named only (what the README claims
for that flow).

Whether the suite runs at all is decided in ../conftest.py: without a source it is deselected
with one line saying how to enable it, except under CI=true, where it must run.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import pytest
from realodoo_testkit import RealOdoo

PROTOCOLS = {19: ("json2", "jsonrpc"), 18: ("jsonrpc",)}   # what each server speaks (18 has no JSON-2)


def test_versions() -> list[int]:
    """The Odoo versions this run tests: the external server's, else OFM_TEST_ODOO_VERSIONS, else 19 and 18."""
    if os.environ.get("OFM_TEST_ODOO_URL"):
        return [int(os.environ.get("OFM_TEST_ODOO_VERSION", "19"))]
    wanted = os.environ.get("OFM_TEST_ODOO_VERSIONS", "19,18")
    return [int(v) for v in wanted.replace(" ", "").split(",") if v]


test_versions.__test__ = False  # not a test


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`odoo_version` (and `protocol`, where a test takes it) per server, module-scoped: one database each."""
    if "odoo_version" not in metafunc.fixturenames:
        return
    versions = test_versions()
    only = metafunc.definition.get_closest_marker("odoo_versions")  # a flow not yet proven on every version
    if only is not None:
        versions = [v for v in versions if v in only.args]
    if "protocol" in metafunc.fixturenames:
        pairs = [(v, p) for v in versions for p in PROTOCOLS.get(v, ("jsonrpc",))]
        metafunc.parametrize(("odoo_version", "protocol"), pairs, scope="module",
                             ids=[f"odoo{v}-{p}" for v, p in pairs])
    else:
        metafunc.parametrize("odoo_version", versions, scope="module", ids=[f"odoo{v}" for v in versions])


@pytest.fixture(scope="session")
def real_odoo_servers() -> Iterator[Callable[[int], tuple]]:
    """version -> (build or None, url, state); each server started on first use, stopped at the end."""
    started: dict[int, tuple] = {}
    with contextlib.ExitStack() as stack:
        def get(version: int) -> tuple:
            if version in started:
                return started[version]
            url = os.environ.get("OFM_TEST_ODOO_URL")
            if url:
                started[version] = (None, url.rstrip("/"), {
                    "login": os.environ.get("OFM_TEST_ODOO_LOGIN", "admin"),
                    "api_key": os.environ["OFM_TEST_ODOO_API_KEY"], "db": os.environ["OFM_TEST_ODOO_DB"]})
                return started[version]
            from ofm.testbed.realodoo import Build, Server, find_source

            build = Build(find_source(version))
            state = build.ensure()
            server = stack.enter_context(Server(build))
            started[version] = (build, server.url, state)
            return started[version]

        yield get


@pytest.fixture(scope="module")
def real_odoo_server(real_odoo_servers, odoo_version: int) -> tuple:
    """(build or None, url, state) of this module's Odoo version."""
    return real_odoo_servers(odoo_version)


@pytest.fixture(scope="module")
def real_odoo(real_odoo_server, odoo_version: int, request: pytest.FixtureRequest) -> Iterator[RealOdoo]:
    """A fresh Odoo database for this test module (the shared one with OFM_TEST_ODOO_URL)."""
    build, url, state = real_odoo_server
    label = f"{request.module.__name__.rsplit('.', 1)[-1]}_{odoo_version}"
    db = build.new_database(label) if build else state["db"]
    odoo = RealOdoo(url=url, db=db, login=state["login"], api_key=state["api_key"], version=odoo_version)
    try:
        yield odoo
    finally:
        odoo.close()
        if build:
            build.drop_database(db)
