"""How a chaos cell is counted from what the target shows afterwards."""

from chaos.core import table, tally


def test_a_cell_counts_delivered_quarantined_duplicated_and_lost() -> None:
    cell = tally("supplier-onboarding", "drop", "sandbox", 3, received=["a", "b", "c", "d"],
                 in_odoo={"a": 1, "b": 2, "x": 1}, quarantined=["c", "a"], seconds=0.5)
    assert (cell.records_in, cell.delivered, cell.quarantined, cell.duplicated, cell.lost) == (4, 2, 1, 2, 1)
    assert not cell.ok


def test_a_clean_cell_is_ok_and_the_table_sums_seeds() -> None:
    cells = [tally("po-sync", "429", "sandbox", seed, received=["a", "b"], in_odoo={"a": 1}, quarantined=["b"],
                   seconds=0.1) for seed in (0, 1)]
    assert all(c.ok for c in cells)
    assert table(cells).splitlines()[-1] == "| po-sync | 429 | sandbox | 2 | 4 | 2 | 2 | 0 | 0 |"


# ---- what makes a cell cheap must not change what it starts from ---------------------------------------------------

def _schema(path) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return [*rows, *version]


def test_a_world_store_is_a_fresh_migration_and_a_world_again_on_its_folder_keeps_it(tmp_path) -> None:
    from chaos.world import world
    from ofm.store import Store

    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.migrate()
    fresh.close()
    with world(tmp_path / "cell", suppliers=3) as w:
        assert w.store.list_quarantine() == []
        w.store.close()
    assert _schema(tmp_path / "cell" / "ofm.db") == _schema(tmp_path / "fresh.db")
    with world(tmp_path / "cell", suppliers=3) as w:
        with w.store.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO sync_cursor (name, value, updated_at) VALUES ('s', 'c', '2026-01-01')")
        w.store.close()  # the process ends: its write is in the file, no log left beside it
    with world(tmp_path / "cell", suppliers=3) as w:  # the restarted process: what the first one wrote is kept
        with w.store.engine.connect() as conn:
            kept = conn.exec_driver_sql("SELECT value FROM sync_cursor").scalars().all()
        w.store.close()
    assert kept == ["c"]


def test_each_world_gets_a_fresh_procurement_platform_equal_to_a_generated_one(tmp_path) -> None:
    from chaos.world import TOKEN, world
    from ofm.sandbox.procurement import create_app

    generated = create_app(n=12, seed=5, token=TOKEN).state.platform
    with world(tmp_path / "a", suppliers=12, seed=5) as w:
        first = w.procurement_app.state.platform
        assert first.records == generated.records and first.cases == generated.cases
        assert first.scenario.visible("purchase-orders", 1) == generated.scenario.visible("purchase-orders", 1)
        w.advance()  # day 2 in this world only
        assert first.day == 2
        w.store.close()
    with world(tmp_path / "b", suppliers=12, seed=5) as w:
        assert w.procurement_app.state.platform.day == 1
        assert w.procurement_app.state.platform.records == generated.records
        w.store.close()


def test_cells_run_without_flow_run_heartbeats_and_nothing_else_changes() -> None:
    from prefect.settings import get_current_settings

    from chaos.sandbox import no_heartbeats

    before = get_current_settings()
    with no_heartbeats():
        inside = get_current_settings()
        assert inside.flows.heartbeat_frequency is None
        assert inside.api.url == before.api.url
    assert get_current_settings().flows.heartbeat_frequency == before.flows.heartbeat_frequency


# ---- the runner: whole seeds, one after the other ------------------------------------------------------------------

def _fake(flow: str, runs: list[tuple[str, int]], fail_seed: int | None = None):
    import time

    from chaos.core import Scenario

    def run(seed, _scratch):
        runs.append((flow, seed))
        time.sleep(0.01)
        if seed == fail_seed:
            raise RuntimeError("cannot run")
        return tally(flow, "fake", "fake", seed, received=["a"], in_odoo={"a": 1}, quarantined=[], seconds=0.01)

    return Scenario(flow, "fake", "fake", run)


def test_the_runner_goes_seed_after_seed_and_stops_starting_seeds_when_time_is_up(tmp_path) -> None:
    from chaos.__main__ import run

    runs: list[tuple[str, int]] = []
    chosen = [_fake("x", runs), _fake("y", runs, fail_seed=2)]
    cells, errors, seeds = run(chosen, [1, 2, 3], tmp_path)
    assert runs == [("x", 1), ("y", 1), ("x", 2), ("y", 2), ("x", 3), ("y", 3)]
    assert seeds == [1, 2, 3] and [(c.flow, c.seed) for c in cells] == [("x", 1), ("x", 2), ("x", 3), ("y", 1),
                                                                        ("y", 3)]
    assert len(errors) == 1 and errors[0].startswith("y/fake/fake seed 2") and "cannot run" in errors[0]
    runs.clear()
    cells, errors, seeds = run(chosen, [1, 2, 3], tmp_path, minutes=0)
    assert seeds == [1] and runs == [("x", 1), ("y", 1)] and len(cells) == 2
