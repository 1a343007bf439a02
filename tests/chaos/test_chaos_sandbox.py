"""The fault suite's small run: every flow that writes to Odoo under every sandbox fault, one seed each, on
SQLite; the killed runs also on PostgreSQL. Each cell is counted from what the Odoo sandbox holds under
each record's anchor and from the store's open quarantine (`make chaos` runs the same cells over many seeds)."""

from __future__ import annotations

import pytest

from chaos.flows import FLOWS
from chaos.sandbox import EVIDENCE, FAULTS, run_cell

pytestmark = pytest.mark.usefixtures("prefect_harness")
SEEDS = (1,)
DIRTY = {"supplier-onboarding", "po-sync", "goods-receipt", "three-way-match", "ledger-batch"}


def check(cell, fault: str) -> None:
    assert cell.records_in > 0
    assert (cell.duplicated, cell.lost) == (0, 0), cell
    assert cell.delivered + cell.quarantined == cell.records_in, cell
    if cell.flow in DIRTY:
        assert cell.quarantined + cell.held > 0, f"{cell.flow}: its dirty records are not in quarantine: {cell}"
    injected = dict(cell.injected)
    assert any(injected.get(kind, 0) > 0 for kind in EVIDENCE[fault]), f"the fault did not happen: {cell}"


@pytest.mark.parametrize(("flow", "fault", "seed"), [
    pytest.param(flow, fault, seed, id=f"{flow}-{fault}-{seed}") for flow in FLOWS for fault in FAULTS
    for seed in SEEDS])
def test_no_duplicate_and_no_loss_under_the_fault(flow, fault, seed, tmp_path):
    check(run_cell(FLOWS[flow], fault, seed, tmp_path), fault)


@pytest.mark.parametrize("store_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize(("flow", "fault"), [
    pytest.param(flow, fault, id=f"{flow}-{fault}") for flow in FLOWS for fault in ("killed",)])
def test_killed_runs_on_postgresql(flow, fault, tmp_path, store_url):
    check(run_cell(FLOWS[flow], fault, 3, tmp_path, database_url=store_url), fault)
