"""Bill-level checks: the total against what the order lines give, and duplicate bills.

A duplicate is the same supplier with the same bill number (compared without spaces, upper case),
or the same supplier with the same total and invoice dates at most `duplicate_window_days` apart.
Both are looked for among the bills already in Odoo (`previous_bills`) and among the earlier
bills of this batch (batch order: invoice_date, then bill_id), so the first one of a pair posts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ofm.rules.match3.policy import MatchPolicy

from .checks import tolerance_columns, within


def normalise_number(numbers: pd.Series) -> pd.Series:
    """Bill numbers as compared: no whitespace, upper case."""
    return numbers.astype("string").str.replace(r"\s+", "", regex=True).str.upper()


def check_totals(bills: pd.DataFrame, lines: pd.DataFrame, policy: MatchPolicy) -> pd.DataFrame:
    """Per bill: line count, expected total (only when every line could be compared), and the flags."""
    per_bill = lines.groupby("bill_id", sort=False).agg(
        n_lines=("bill_line_id", "size"), comparable=("comparable", "all"), expected_minor=("expected_minor", "sum"))
    b = bills.join(per_bill, on="bill_id")
    b["n_lines"] = b.n_lines.fillna(0).astype(np.int64)
    b["expected_minor"] = b.expected_minor.fillna(0).astype(np.int64)
    b["is_no_lines"] = b.n_lines.to_numpy() == 0
    percent_e4, absolute = tolerance_columns(b.currency, policy, "total_percent_e4", "total_absolute_minor")
    total, expected = b.total_minor.to_numpy(np.int64), b.expected_minor.to_numpy()
    b["is_total"] = ~b.is_no_lines.to_numpy() & b.comparable.fillna(False).to_numpy(bool) & ~within(
        total - expected, expected, percent_e4, absolute)
    return b


def check_duplicates(b: pd.DataFrame, previous: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """Adds duplicate_number / duplicate_amount flags and what they were found against (dup_*)."""
    b = b.assign(number_key=normalise_number(b.bill_number), rank=np.arange(len(b)))
    prev = previous.assign(number_key=normalise_number(previous.bill_number), rank=-1,
                           bill_id=None)[["supplier_id", "number_key", "bill_number", "invoice_date", "total_minor",
                                          "rank", "bill_id"]]
    pool = pd.concat([prev, b[prev.columns]], ignore_index=True)
    by_number = _pairs(b, pool.dropna(subset=["number_key"]), ["supplier_id", "number_key"], [])
    by_number = by_number[by_number.rank_dup < by_number["rank"]].sort_values(["rank", "rank_dup"])
    b = _attach(b, by_number.drop_duplicates("rank"), "duplicate_number")

    by_amount = _pairs(b, pool, ["supplier_id", "total_minor"], ["invoice_date", "number_key"])
    days = np.abs((by_amount.invoice_date - by_amount.invoice_date_dup).to_numpy().astype("timedelta64[D]"))
    close = (by_amount.rank_dup < by_amount["rank"]).to_numpy() & (days <= np.timedelta64(window_days, "D"))
    close &= ~(by_amount.number_key == by_amount.number_key_dup).fillna(False).to_numpy(bool)
    by_amount = by_amount[close].assign(days_apart=days[close].astype(np.int64)).sort_values(["rank", "days_apart"])
    return _attach(b, by_amount.drop_duplicates("rank"), "duplicate_amount")


def _pairs(b: pd.DataFrame, pool: pd.DataFrame, key: list[str], extra: list[str]) -> pd.DataFrame:
    """Every (bill, earlier-or-previous bill) pair sharing `key`; the other bill's columns end in _dup."""
    other = pool.rename(columns={c: f"{c}_dup" for c in pool.columns if c not in key})
    return b[key + ["rank"] + extra].merge(other, on=key)


def _attach(b: pd.DataFrame, found: pd.DataFrame, code: str) -> pd.DataFrame:
    """Flag the bills in `found` and keep the bill each duplicates (number, date, bill_id if in the batch)."""
    b[f"is_{code}"] = b["rank"].isin(found["rank"]).to_numpy()
    cols = ["bill_number_dup", "invoice_date_dup", "bill_id_dup"] + (["days_apart"] if "days_apart" in found else [])
    renamed = found.set_index("rank")[cols]
    renamed.columns = [f"{code}_{c.replace('_dup', '')}" for c in cols]
    return b.join(renamed, on="rank")
