"""The real-Odoo suite: a real Odoo 19 server for the session, a fresh database per test module.

The server is built once from ../shared/odoo19 (or OFM_ODOO_SOURCE) and cached under
~/.cache/ofm (OFM_ODOO_CACHE): its venv and a template database. Each test module gets its own
database copied from the template (about a second) and dropped afterwards. OFM_TEST_ODOO_URL
(+ OFM_TEST_ODOO_DB, OFM_TEST_ODOO_LOGIN, OFM_TEST_ODOO_API_KEY) points the suite at an Odoo you
already run instead; then every module shares that one database.

Whether the suite runs at all is decided in ../conftest.py: without a source it is deselected
with one line saying how to enable it, except under CI=true, where it must run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from realodoo_testkit import RealOdoo


@pytest.fixture(scope="session")
def real_odoo_server() -> Iterator[tuple]:
    """(build or None, url, state) of the session's real Odoo."""
    url = os.environ.get("OFM_TEST_ODOO_URL")
    if url:
        yield None, url.rstrip("/"), {"login": os.environ.get("OFM_TEST_ODOO_LOGIN", "admin"),
                                      "api_key": os.environ["OFM_TEST_ODOO_API_KEY"],
                                      "db": os.environ["OFM_TEST_ODOO_DB"]}
        return
    from ofm.testbed.realodoo import Build, Server, find_source

    build = Build(find_source(19))
    state = build.ensure()
    with Server(build) as server:
        yield build, server.url, state


@pytest.fixture(scope="module")
def real_odoo(real_odoo_server, request: pytest.FixtureRequest) -> Iterator[RealOdoo]:
    """A fresh Odoo database for this test module (the shared one with OFM_TEST_ODOO_URL)."""
    build, url, state = real_odoo_server
    db = build.new_database(request.module.__name__.rsplit(".", 1)[-1]) if build else state["db"]
    odoo = RealOdoo(url=url, db=db, login=state["login"], api_key=state["api_key"])
    try:
        yield odoo
    finally:
        odoo.close()
        if build:
            build.drop_database(db)
