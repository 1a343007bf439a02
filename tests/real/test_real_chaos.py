"""The infrastructure faults a real Odoo 19 produces, one seed each: its server restarted in the middle of the
batches (a server of the test's own, on a fresh database), and `ofm run` processes SIGKILLed at a seeded moment.
Each test proves the fault happened (a new server pid, a process ended by SIGKILL) before it reads Odoo back: every
record delivered or in quarantine, none twice, none lost."""

from __future__ import annotations

import pytest

from chaos import infra
from chaos.infra_kit import assert_exactly_once, use_session_prefect

pytestmark = [pytest.mark.odoo_versions(19), pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture(autouse=True)
def prefect_api(monkeypatch: pytest.MonkeyPatch) -> None:
    use_session_prefect(monkeypatch)


def test_odoo_restarted_mid_batch_then_a_rerun_leaves_one_partner_per_supplier(odoo_version, tmp_path) -> None:
    cell, seen = infra.odoo_restart(0, tmp_path, suppliers=120)
    assert seen["pid_before"] and seen["pid_after"] and seen["pid_before"] != seen["pid_after"]
    assert 0 < seen["partners_at_stop"] < 120  # stopped in the middle of the batches
    assert seen["rerun_exit"] == 0 and seen["rerun"]["reconciles"]
    assert_exactly_once(cell, 120)


@pytest.mark.parametrize("flow", ["ledger-batch"])  # the large run kills every flow of KILLED_FLOWS
def test_a_run_killed_at_a_seeded_moment_is_settled_by_a_rerun_exactly_once(real_odoo, flow, tmp_path) -> None:
    cell, seen = infra.killed(1, tmp_path, flow, suppliers=120, odoo_env=real_odoo.env())
    assert seen["killed"] and seen["first_exit"] == -9, seen  # SIGKILL ended it mid-run
    assert seen["rerun_exit"] == 0, seen
    assert_exactly_once(cell, 60)
