"""Ledger batches pulled from a sub-ledger platform's ledger-source API (`ofm sandbox ledger` over a real port,
serving the `write_samples` deliveries) into a real Odoo 19 and 18; every assertion reads Odoo back. The deliveries
land as the same files do (tests/real/test_real_ledger_batch.py), a second run lists nothing new and writes
nothing, and `ofm run ledger-batch --source api` pulls a later delivery through a 503 and a lost answer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from pydantic import SecretStr

from ofm.flows.ledger_batch import ledger_batch
from ofm.sandbox.ledger import payroll_csv
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources

pytestmark = pytest.mark.usefixtures("prefect_harness")

TOKEN = "ledger-real-TOKEN-5e4d3c2b1a"
ANALYTIC = ("Administration", "Sales", "Operations")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def platform(odoo_version, tmp_path_factory) -> Iterator[httpx.Client]:
    """`ofm sandbox ledger` serving November's sample deliveries, and an admin client on it (a fresh one per
    Odoo version: the story adds a delivery)."""
    port = free_port()
    log = (tmp_path_factory.mktemp("ledger-api") / "sandbox.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "ofm.cli.main", "sandbox", "ledger", "--port", str(port),
                             "--token", TOKEN, "--period", "2026-11"], stdout=log, stderr=subprocess.STDOUT)
    admin = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if admin.get("/health").json()["deliveries"] == 3:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "ofm sandbox ledger did not start"
            time.sleep(0.2)
        yield admin
    finally:
        admin.close()
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def story(real_odoo, platform, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real-ledger-api")
    client = real_odoo.client()
    [plan] = client.search_read("account.analytic.plan", [], ["name"], limit=1)
    client.create("account.analytic.account", [{"name": n, "plan_id": plan["id"]} for n in ANALYTIC])
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'ofm.db'}", ack_dir=tmp / "acks",
                        ledger_api_url=str(platform.base_url).rstrip("/"), ledger_api_token=SecretStr(TOKEN))
    store = Store(settings.database_url)
    store.migrate()
    with use_resources(Resources(settings=settings, store=store, odoo=client)):
        yield {"client": client, "store": store, "settings": settings}


def moves(real_odoo, prefix: str) -> list[dict]:
    return real_odoo.read("account.move", [["ref", "=like", prefix + "%"]], ["ref", "name", "date", "state"],
                          order="id")


def numbers(rows: list[dict]) -> list[str]:
    return sorted(m["ref"].split("#")[0].rsplit(":", 1)[1] for m in rows)


def test_the_sample_deliveries_pulled_from_the_api_land_in_odoo_as_booked(real_odoo, story):
    result = ledger_batch(source="api", actor="real-test")
    assert result["pulled"] == ["DLV-000001 payroll-2026-11.csv", "DLV-000002 expenses-2026-11-30.json",
                                "DLV-000003 sales-2026-11-30.csv"]
    assert result["counts"] == {"received": 9, "posted": 7, "already posted": 0, "quarantined": 2, "deferred": 0,
                                "in progress elsewhere": 0}
    payroll = moves(real_odoo, "ofm:payroll:PAY-2026-11:")
    assert [(m["state"], m["date"]) for m in payroll] == [("posted", "2026-11-30")] * 3
    assert [m["date"] for m in moves(real_odoo, "ofm:sales:WEB-2026-11-30:")] == ["2026-11-29", "2026-11-30"]
    assert numbers(moves(real_odoo, "ofm:expenses:EXP-2026-11-30:")) == ["ER-1", "ER-4"]
    quarantined = {q.record_ref: q.reason for q in story["store"].list_quarantine(limit=100)}
    assert "does not balance" in quarantined["ledger:expenses:EXP-2026-11-30:ER-2"]
    assert "616999 does not exist" in quarantined["ledger:expenses:EXP-2026-11-30:ER-3"]
    name = story["settings"].ledger_api_url.split("://", 1)[1]
    trail = story["store"].trail(f"ledger:api:{name}/deliveries/DLV-000002")
    assert [r.step for r in trail][:2] == ["received", "mapped"]


def test_a_second_run_lists_nothing_new_and_writes_nothing(real_odoo, story):
    before = moves(real_odoo, "ofm:")
    result = ledger_batch(source="api", actor="real-test")
    assert result["pulled"] == [] and result["counts"]["received"] == 0 and result["odoo_writes"] == 0
    assert moves(real_odoo, "ofm:") == before


def test_the_command_pulls_a_later_delivery_through_a_503_and_a_lost_answer(real_odoo, story, platform):
    from prefect.settings import PREFECT_API_URL

    late = payroll_csv("PAY-2026-11-LATE", "2026-11", date(2026, 11, 28), entries=2, employees_per_entry=2)
    assert platform.post("/admin/deliveries", json={"source": "payroll", "file_name": "payroll-2026-11-late.csv",
                                                    "content": late}).status_code == 201
    platform.post("/admin/faults", json={"fail_next": 1, "status": 503, "drop_next": 1, "only": "download"})
    env = {**os.environ, **real_odoo.env(), "OFM_DATABASE_URL": story["settings"].database_url,
           "OFM_ENVIRONMENT": "sandbox", "PREFECT_API_URL": PREFECT_API_URL.value(),
           "OFM_LEDGER_API_URL": story["settings"].ledger_api_url, "OFM_LEDGER_API_TOKEN": TOKEN}
    done = subprocess.run([sys.executable, "-m", "ofm.cli.main", "run", "ledger-batch", "--source", "api"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ledger API: 1 new delivery: DLV-000004 payroll-2026-11-late.csv" in done.stdout
    assert "entries 2: posted 2" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    late_moves = moves(real_odoo, "ofm:payroll:PAY-2026-11-LATE:")
    assert [(m["state"], m["date"]) for m in late_moves] == [("posted", "2026-11-28")] * 2
    assert numbers(late_moves) == ["1", "2"]
