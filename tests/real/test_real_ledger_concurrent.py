"""Two `ofm run ledger-batch` processes started at the same moment on one file, one PostgreSQL store and a real
Odoo (19, then 18): each entry is posted once, and a run that found the company and period busy was refused
(exit 3, its entries `in progress elsewhere`), never queued behind the other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest

from ofm.sandbox.ledger import payroll_csv

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.postgres]
ENTRIES = 60


def _start(env: dict[str, str], source: str) -> subprocess.Popen:
    # the console entry point (`ofm`), not `-m ofm.cli.main`: run as __main__, the module is loaded twice and
    # the commands registered from other modules (cli_ledger, cli_p2p) land on the other copy's `run` group
    return subprocess.Popen([sys.executable, "-c", "from ofm.cli.main import main; main()", "run", "ledger-batch",
                             "--source", source, "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _result(proc: subprocess.Popen) -> tuple[int, dict]:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode in (0, 3), f"exit {proc.returncode}\n{out[-2000:]}\n{err[-3000:]}"
    return proc.returncode, json.loads(out[out.index("{"):])


def test_two_runs_started_together_post_each_entry_once_and_a_busy_period_is_refused(real_odoo, pg_admin, tmp_path):
    from prefect.settings import PREFECT_API_URL

    from ofm.store import Store

    client = real_odoo.client()
    [plan] = client.search_read("account.analytic.plan", [], ["name"], limit=1)
    client.create("account.analytic.account", [{"name": n, "plan_id": plan["id"]} for n in ("Administration", "Sales")])
    source = tmp_path / "payroll-2026-11.csv"
    source.write_text(payroll_csv("PAY-CC", "2026-11", date(2026, 11, 30), entries=ENTRIES))
    schema = f"ofm_lcc_{os.getpid()}"
    with pg_admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    store = pg_admin.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    env = {**os.environ, **real_odoo.env(), "OFM_DATABASE_URL": store, "OFM_ACK_DIR": str(tmp_path / "acks"),
           "PREFECT_API_URL": PREFECT_API_URL.value(), "OFM_ENVIRONMENT": "sandbox", "OFM_ODOO_BATCH_SIZE": "5"}
    Store(store).migrate()
    try:
        results = [_result(p) for p in [_start(env, str(source)) for _ in range(2)]]
    finally:
        with pg_admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    moves = real_odoo.read("account.move", [["ref", "=like", "ofm:payroll:PAY-CC:%"]], ["ref", "state"])
    per_entry = Counter(m["ref"].split("#")[0].rsplit(":", 1)[1] for m in moves)
    assert len(per_entry) == ENTRIES and set(per_entry.values()) == {1}
    assert {m["state"] for m in moves} == {"posted"}
    assert sum(r["counts"]["posted"] for _, r in results) == ENTRIES
    for code, r in results:
        assert r["reconciles"]
        if r["refused_runs"]:  # the one that found the period busy: refused at once, nothing written
            assert code == 3 and r["counts"]["in progress elsewhere"] == ENTRIES and r["odoo_writes"] == 0
        else:
            assert code == 0 and r["counts"]["posted"] + r["counts"]["already posted"] == ENTRIES
