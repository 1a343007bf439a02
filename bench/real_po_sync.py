"""The po-sync contenders against a real Odoo 19 or 18 (run by bench/real_odoo.py, one per fresh process and database).

The orders, master data and baselines are bench/po_sync.py's; what changes on the real server is
the purchasing policy: the procurement legal entity is routed to the company the server has
("My Company", Belgium) and the source tax codes to Belgian purchase taxes of the same rate
(goods: 21 % / 6 % / 0 % "G" on Odoo 19; "M" on 18, whose chart has no "G" taxes, as
ofm/mappings/procurement/p2p.real18.yaml), as an installation would write its own policy file.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

from bench import po_sync as sandbox_bench
from bench.child import timed_flow

TAXES = {19: {"VAT19": "21% G", "VAT7": "6% G", "VAT0": "0% G"},  # Odoo major -> source code -> account.tax
         18: {"VAT19": "21% M", "VAT7": "6% M", "VAT0": "0% M"}}


def policy_file(client, folder: Path, version: int = 19) -> Path:
    """The bundled purchasing policy with the server's company and Belgian taxes (Odoo `version`'s chart)."""
    from ofm.mappings.p2p_policy import BUNDLED

    doc = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    [company] = client.search_read("res.company", [], ["name"], limit=1)
    doc["legal_entities"] = {entity: {**spec, "company": company["name"]}
                             for entity, spec in doc["legal_entities"].items()}
    doc["taxes"] = {code: TAXES[version][code] for code in doc["taxes"]}
    path = folder / "p2p-real.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _world(client, n: int, lines: int, suppliers: int, folder: Path, version: int = 19) -> tuple[list[dict], Path]:
    """Untimed: the same products and suppliers as the sandbox bench, the orders, the policy."""
    sandbox_bench._seed(client, suppliers)
    return sandbox_bench.orders(n, lines, suppliers), policy_file(client, folder, version)


def _baseline(client, n: int, lines: int, suppliers: int, batch: int | None, version: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp:
        raws, policy = _world(client, n, lines, suppliers, Path(tmp), version)
        vals = sandbox_bench._vals(client, raws, policy)
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    step = batch or 1
    for i in range(0, len(vals), step):
        ids = client.create("purchase.order", vals[i:i + step])
        client.call("purchase.order", "button_confirm", ids=ids)
    return sandbox_bench._outcome(client, time.perf_counter() - start, before)


def ceiling(client, n: int, lines: int, suppliers: int, batch: int, version: int = 19) -> dict:
    return _baseline(client, n, lines, suppliers, batch, version)


def naive(client, n: int, lines: int, suppliers: int, version: int = 19) -> dict:
    return _baseline(client, n, lines, suppliers, None, version)


def _flow_run(client, n: int, lines: int, suppliers: int, batch: int, workdir: Path, version: int) -> dict:
    from ofm.flows.po_sync import po_sync

    workdir.mkdir(parents=True, exist_ok=True)
    raws, policy = _world(client, n, lines, suppliers, workdir, version)
    source = workdir / "purchase-orders.json"
    source.write_text(json.dumps({"items": raws}))
    result, seconds, before = timed_flow(client, workdir, po_sync, source, odoo_batch_size=batch, p2p_policy=policy)
    return sandbox_bench._outcome(client, seconds, before, counts=result["counts"], reconciles=result["reconciles"],
                                  odoo_writes=result["odoo_writes"])


def flow(client, warm, n: int, lines: int, suppliers: int, batch: int, version: int = 19) -> dict:
    """The flow under a temporary Prefect server, after a warm-up run in a database of its own."""
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp, prefect_test_harness(server_startup_timeout=90):
        _flow_run(warm, min(n, 20), lines, suppliers, batch, Path(tmp) / "warm", version)
        return _flow_run(client, n, lines, suppliers, batch, Path(tmp) / "run", version)
