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
