"""The pieces the faster three-way match is built of, each against the plain way it replaces (issue 13).

Random values, seeded: the reasons' numbers written in integers against Decimal, the bill-number
normalisation in one pass against pandas' string methods, the order-line look-up on factorised keys
against the left merge on (order_number, order_line_ref), and the batch order and line numbers
against pandas' sort and cumcount.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from ofm.canonical.money import minor_units
from ofm.rules.match3.bills import normalise_number
from ofm.rules.match3.checks import KEY, locate_orders
from ofm.rules.match3.engine import _batch_order, _line_numbers
from ofm.rules.match3.messages import milli, money, pct_e4

EDGES = [0, 1, -1, 5, -5, 9, 10, -10, 999, 1000, -1000, 1001, 2500, -2500, 10_000, -10_001, 2**62, -(2**62)]


def _numbers(seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    scale = 10 ** rng.integers(0, 15, 20_000)
    return EDGES + (rng.integers(-1000, 1000, 20_000) * scale + rng.integers(-999, 1000, 20_000)).tolist()


@pytest.mark.parametrize("seed", [1, 2])
def test_numbers_are_written_as_decimal_writes_them(seed):
    for value in _numbers(seed):
        for currency in ("EUR", "JPY", "KWD"):
            places = minor_units(currency)
            assert money(value, currency) == f"{Decimal(value).scaleb(-places):.{places}f} {currency}"
        assert milli(value) == f"{Decimal(value).scaleb(-3).normalize():f}"
        assert pct_e4(value) == f"{Decimal(value).scaleb(-4).normalize():f}"
    assert {minor_units("JPY"), minor_units("KWD")} == {0, 3}  # the cases without / with 3 decimals are taken


def test_bill_numbers_are_normalised_as_pandas_string_methods_do():
    rng = np.random.default_rng(3)
    pieces = np.array(["inv", "-", "0", "7", " ", "\t", "\u00a0", "\u2003", "ß", "é", "\n", "Ab"])
    numbers = ["".join(rng.choice(pieces, rng.integers(0, 8))) for _ in range(5000)]
    series = pd.Series(numbers + [None, np.nan, 12, "  "], dtype=object, index=np.arange(5004) * 3)
    expected = series.astype("string").str.replace(r"\s+", "", regex=True).str.upper()
    pd.testing.assert_series_equal(normalise_number(series), expected)
    pd.testing.assert_series_equal(normalise_number(series.astype("str")), expected)


def _merged(lines: pd.DataFrame, orders: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    rows = orders[KEY].assign(_at=np.arange(len(orders)))
    at = lines[KEY].merge(rows, on=KEY, how="left", sort=False)["_at"].fillna(-1).to_numpy(np.int64)
    number = lines.order_number.astype("string").str.strip()
    has_ref = (number.notna() & (number != "") & lines.order_line_ref.notna()).fillna(False).to_numpy(bool)
    return np.where(has_ref, at, -1), has_ref


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_order_lines_are_found_as_the_merge_finds_them(seed):
    rng = np.random.default_rng(seed)
    numbers = np.array(["PO1", "PO2", " PO1", "PO1 ", "po1", "", "  ", None, "PO\u00a03", "3"], dtype=object)
    refs = np.array(["1", "2", "10", "01", None, " 1"], dtype=object)
    pairs = {(n, r) for n in numbers.tolist() for r in refs.tolist()}
    chosen = [p for p in sorted(pairs, key=str) if rng.random() < 0.5]
    orders = pd.DataFrame(chosen, columns=KEY, dtype=object)
    lines = pd.DataFrame({"order_number": rng.choice(numbers, 3000), "order_line_ref": rng.choice(refs, 3000)},
                         dtype=object)
    expected_at, expected_ref = _merged(lines, orders)
    assert (expected_at >= 0).any() and (~expected_ref).any()
    # plain object keys (what the engine passes: factorised) and pandas' str dtype (the merge decides)
    for keys in (lines, lines.astype("str")):
        at, has_ref = locate_orders(keys, orders)
        np.testing.assert_array_equal(has_ref, expected_ref)
        np.testing.assert_array_equal(np.where(has_ref, at, -1), expected_at)


def test_repeated_order_keys_are_refused_also_when_missing():
    orders = pd.DataFrame({"order_number": ["PO1", None, None], "order_line_ref": ["1", "1", "1"]}, dtype=object)
    lines = pd.DataFrame({"order_number": ["PO1"], "order_line_ref": ["1"]}, dtype=object)
    with pytest.raises(ValueError, match="must be unique"):
        locate_orders(lines, orders)
    with pytest.raises(ValueError, match="must be unique"):
        locate_orders(lines.astype("str"), orders)
    assert locate_orders(lines, orders.iloc[:2])[0].tolist() == [0]


@pytest.mark.parametrize("seed", [1, 2])
def test_batch_order_and_line_numbers_are_pandas_sort_and_cumcount(seed):
    rng = np.random.default_rng(seed)
    n_bills = 50
    rank = rng.integers(0, n_bills, 2000)
    ids = pd.Series(rng.integers(0, 300, 2000))  # repeated ids: the sort must be stable
    frame = pd.DataFrame({"_rank": rank, "bill_line_id": ids, "bill_id": rank * 7})
    expected = frame.sort_values(["_rank", "bill_line_id"], kind="stable")
    batch = _batch_order(rank, ids)
    np.testing.assert_array_equal(batch, expected.index.to_numpy())
    np.testing.assert_array_equal(_batch_order(rank, ids.astype(str)), frame.assign(
        bill_line_id=ids.astype(str)).sort_values(["_rank", "bill_line_id"], kind="stable").index.to_numpy())
    numbers = _line_numbers(frame.bill_id.take(batch), rank[batch], n_bills)
    np.testing.assert_array_equal(numbers, expected.groupby("bill_id", sort=False).cumcount().to_numpy() + 1)
