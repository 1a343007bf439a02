"""Session-wide test set-up: telemetry off, a private PREFECT_HOME, one Prefect test server.

The Prefect harness takes ~14 s to start, so it is a session fixture that only the flow tests
ask for (`prefect_harness`); unit tests of rules, mappings and connectors never pay for it.
"""

from __future__ import annotations

import os
import tempfile

import pytest

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
