"""Overlapping runs on one PostgreSQL store and one real Odoo 19: every record lands exactly once.

Separate OS processes (`ofm run supplier-onboarding --source FILE`), started at the same moment on
the same file, as a person starting a run while the nightly schedule runs would; the assertions read
Odoo back: one partner per vendor code, and counts that add up across the runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from ofm.sandbox.procurement import generate_suppliers

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.postgres]


def _prefect_api() -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def _start(env: dict[str, str], source: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ofm.cli.main", "run", "supplier-onboarding",
                             "--source", source, "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{out[-2000:]}\n{err[-3000:]}"
    return json.loads(out[out.index("{"):])


@pytest.mark.parametrize("runs", [2, 8])
def test_runs_started_together_on_one_file_create_each_supplier_once(real_odoo, pg_admin, tmp_path, runs) -> None:
    suppliers = generate_suppliers(60, seed=40 + runs, dirty=False, id_prefix=f"CC{runs}")
    source = tmp_path / "suppliers.json"
    source.write_text(json.dumps({"suppliers": suppliers}), encoding="utf-8")
    schema = f"ofm_cc_{os.getpid()}_{runs}"
    with pg_admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    store = pg_admin.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    env = {**os.environ, **real_odoo.env(), "OFM_DATABASE_URL": store, "OFM_ACK_DIR": str(tmp_path / "acks"),
           "PREFECT_API_URL": _prefect_api(), "OFM_ENVIRONMENT": "sandbox"}
    from ofm.store import Store

    Store(store).migrate()  # as `ofm db upgrade` would, once, before the runs
    try:
        procs = [_start(env, str(source)) for _ in range(runs)]
        results = [_result(p) for p in procs]
    finally:
        with pg_admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    refs = [s["vendor_code"] for s in suppliers]
    rows = real_odoo.read("res.partner", [["ref", "in", refs]], ["ref"], context={"active_test": False})
    per_ref = Counter(r["ref"] for r in rows)
    assert per_ref and set(per_ref.values()) == {1}, per_ref.most_common(3)
    created = sum(r["counts"].get("created", 0) for r in results)
    assert created == len(per_ref), [r["counts"] for r in results]
    assert all(r["reconciles"] for r in results)
