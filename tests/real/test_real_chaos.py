"""The infrastructure faults a real Odoo 19 produces, one seed each: its server restarted in the middle of the
batches (a server of the test's own, on a fresh database), `ofm run` processes SIGKILLed at a seeded moment (every
flow that writes to Odoo), two runs of one flow at once on one PostgreSQL store, the store's PostgreSQL restarted
mid-run, and a held bank-account change whose approval is replayed twice at once, one replay killed. Each test
proves the fault happened (a new server pid, a process ended by SIGKILL, a new postmaster, held entries) before it
reads Odoo back: every record delivered or in quarantine, none twice, none lost. The large run
(`python -m chaos --target odoo19`) takes more seeds."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from chaos import infra, infra_real
from chaos.infra_kit import assert_exactly_once, pg_bin_missing, use_session_prefect

pytestmark = [pytest.mark.odoo_versions(19), pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture(autouse=True)
def prefect_api(monkeypatch: pytest.MonkeyPatch) -> None:
    use_session_prefect(monkeypatch)


@pytest.fixture
def fresh_odoo(real_odoo_server, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A database of the test's own on the session's Odoo 19 (copied from the template; dropped afterwards): the
    OFM_ODOO_* settings pointing at it. A scenario sets its flow's state up from scratch there."""
    build, url, state = real_odoo_server
    if build is None:
        pytest.skip("needs a fresh database per scenario: not with OFM_TEST_ODOO_URL (one shared database)")
    db = build.new_database("chaos")
    try:
        yield {"OFM_ODOO_URL": url, "OFM_ODOO_DB": db, "OFM_ODOO_LOGIN": state["login"],
               "OFM_ODOO_API_KEY": state["api_key"]}
    finally:
        build.drop_database(db)


def _require_pg_bin() -> None:
    why_not = pg_bin_missing()
    if why_not is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why_not} (CI=true: the fault suite must run)")
        pytest.skip(why_not)


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


@pytest.mark.parametrize("flow", infra_real.KILLED_FLOWS)
def test_every_flow_killed_after_its_first_record_in_odoo_is_settled_by_a_rerun(odoo_version, fresh_odoo, flow,
                                                                               tmp_path) -> None:
    cell, seen = infra_real.killed(1, tmp_path, flow, odoo_env=fresh_odoo)
    assert seen["killed"] and seen["first_exit"] == -9, seen  # SIGKILL ended it after Odoo held a record
    assert seen["records_at_kill"] >= 1, seen
    assert seen["rerun_exit"] in (0, 3), seen  # 3: bank-reconciliation held a file (said on its own line)
    assert (cell.duplicated, cell.lost) == (0, 0), cell
    assert cell.delivered + cell.quarantined == cell.records_in and cell.delivered, cell


@pytest.mark.parametrize("flow", infra_real.OVERLAP_FLOWS)
def test_two_runs_of_a_flow_at_once_on_one_postgresql_store_write_each_record_once(odoo_version, fresh_odoo, flow,
                                                                                  tmp_path) -> None:
    _require_pg_bin()
    cell, seen = infra_real.overlap(1, tmp_path, flow, odoo_env=fresh_odoo)
    assert len(seen["exits"]) == 2 and all(code in (0, 3) for code in seen["exits"]), seen
    assert (cell.duplicated, cell.lost) == (0, 0), cell
    assert cell.delivered + cell.quarantined == cell.records_in and cell.delivered, cell


def test_postgresql_restarted_under_a_run_into_the_real_odoo_then_a_rerun_settles_every_supplier(
        odoo_version, fresh_odoo, tmp_path) -> None:
    _require_pg_bin()
    cell, seen = infra.postgres_restart(0, tmp_path, suppliers=60, target="odoo19", odoo_env=fresh_odoo)
    assert seen["postmaster_before"] != seen["postmaster_after"]  # the cluster really restarted
    assert seen["running_at_restart"]  # while the run was writing
    if seen["first_exit"] != 0:  # the run met the restart: it stopped, saying so in one line
        assert seen["first_tail"].strip().splitlines()[-1].startswith("error: the store:"), seen["first_tail"]
    assert seen["rerun_exit"] == 0 and seen["rerun"]["reconciles"]
    assert_exactly_once(cell, 60)


def test_an_approved_bank_account_replayed_twice_at_once_one_replay_killed_lands_once(odoo_version, fresh_odoo,
                                                                                    tmp_path) -> None:
    cell, seen = infra_real.approval_replay(1, tmp_path, odoo_env=fresh_odoo)
    assert seen["held"] == cell.records_in > 0, seen  # every change was held for approval
    assert seen["new_accounts_before_replay"] == 0, seen  # and none reached Odoo before it
    assert seen["killed"], seen
    assert_exactly_once(cell, cell.records_in)
    assert cell.delivered == cell.records_in, cell  # the approval applied every change, exactly once
