"""The vectorised checks: one boolean column per reason code, over whole frames, no loop over lines.

Lines are checked after one left merge with the order lines on (order_number, order_line_ref);
bills after grouped sums of their lines and after merges with earlier bills (duplicates). Every
comparison is exact int64 arithmetic: money in minor units, quantities in milli-units, tax rates
in milli-percent, tolerance percentages in 1/10,000 % (see policy.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ofm.rules.match3.policy import MatchPolicy

KEY = ["order_number", "order_line_ref"]
STATES = ("purchase", "done", "cancel", "draft")
METHODS = ("purchase", "receive")
LINE_CODES = ("no_order", "order_cancelled", "order_not_confirmed", "supplier_mismatch", "product_mismatch",
              "currency", "price", "price_amended", "tax", "quantity")
_ORDER_INTS = ("o_quantity_milli", "o_received_milli", "o_invoiced_milli", "o_unit_price_minor",
               "o_tax_percent_milli", "o_revision", "o_supplier_id")


def tolerance_columns(currency: pd.Series, policy: MatchPolicy, *fields: str) -> list[np.ndarray]:
    """Per row, the tolerance fields of the row's currency (an unlisted currency gets 0: exact)."""
    codes, uniques = pd.factorize(currency)
    out = []
    for f in fields:
        values = np.array([getattr(policy.tolerance(c), f) for c in uniques] + [0], dtype=np.int64)
        out.append(values[codes])  # code -1 (no currency) picks the trailing 0
    return out


def round_div(numerator: np.ndarray, divisor: int) -> np.ndarray:
    """numerator / divisor rounded half away from zero, in integers."""
    return np.sign(numerator) * ((np.abs(numerator) + divisor // 2) // divisor)


def within(difference: np.ndarray, reference: np.ndarray, percent_e4: np.ndarray, absolute: np.ndarray) -> np.ndarray:
    """|difference| within percent of |reference| OR within the absolute amount: the larger allowance wins."""
    diff = np.abs(difference)
    return (diff * 1_000_000 <= np.abs(reference) * percent_e4) | (diff <= absolute)


def check_lines(lines: pd.DataFrame, orders: pd.DataFrame, policy: MatchPolicy, consumes: np.ndarray) -> pd.DataFrame:
    """The bill lines (in batch order) joined to their order lines, with one is_<code> column per LINE_CODES.

    `consumes` marks the lines whose quantity later lines of the batch must count as billed
    (False for the lines of duplicate bills, which will not be kept)."""
    o = orders.rename(columns={c: f"o_{c}" for c in orders.columns if c not in KEY})
    if "o_revision" not in o:
        o["o_revision"] = 1
    # (order lines are unique on KEY: validate_orders checked it, so the merge need not check again)
    m = lines.merge(o, on=KEY, how="left", indicator="_found", sort=False)
    for column in _ORDER_INTS:
        m[column] = m[column].fillna(0).astype(np.int64)
    number = m.order_number.astype("string").str.strip()
    has_ref = (number.notna() & (number != "") & m.order_line_ref.notna()).fillna(False).to_numpy(bool)
    found = has_ref & (m._found == "both").to_numpy()
    m["has_ref"] = has_ref
    m["is_no_order"] = ~found
    m["is_order_cancelled"] = found & (m.o_state == "cancel").to_numpy()
    m["is_order_not_confirmed"] = found & (m.o_state == "draft").to_numpy()
    live = found & ~m.is_order_cancelled.to_numpy() & ~m.is_order_not_confirmed.to_numpy()
    m["is_supplier_mismatch"] = live & (m.supplier_id.to_numpy() != m.o_supplier_id.to_numpy())
    products = m.product_code.notna() & m.o_product_code.notna() & (m.product_code != m.o_product_code)
    m["is_product_mismatch"] = live & products.fillna(False).to_numpy(bool)
    m["is_currency"] = live & (m.currency != m.o_currency).fillna(True).to_numpy(bool)
    comparable = live & ~m.is_currency.to_numpy()
    m["comparable"] = comparable

    price_e4, price_abs, qty_e4, tax_tol = tolerance_columns(
        m.currency, policy, "price_percent_e4", "price_absolute_minor", "quantity_percent_e4", "tax_tolerance_milli")
    bill_price, order_price = m.unit_price_minor.to_numpy(np.int64), m.o_unit_price_minor.to_numpy()
    off = comparable & ~within(bill_price - order_price, order_price, price_e4, price_abs)
    amended = m.o_revision.to_numpy() > 1
    m["is_price"], m["is_price_amended"] = off & ~amended, off & amended
    m["is_tax"] = live & (np.abs(m.tax_percent_milli.to_numpy(np.int64) - m.o_tax_percent_milli.to_numpy()) > tax_tol)

    # What earlier lines of this batch already took from the same order line (bill order), so two
    # bills cannot both consume one receipt; held drafts count too, as they do in Odoo's qty_invoiced.
    qty = m.quantity_milli.to_numpy(np.int64)
    taken = np.where(found & consumes, qty, 0)
    earlier = pd.Series(taken).groupby([m.order_number, m.order_line_ref], sort=False, dropna=False).cumsum()
    m["earlier_milli"] = earlier.to_numpy(np.int64) - taken
    base = np.where(m.o_purchase_method == "purchase", m.o_quantity_milli, m.o_received_milli)
    m["base_milli"] = base
    m["available_milli"] = base - m.o_invoiced_milli.to_numpy() - m.earlier_milli.to_numpy()
    m["is_quantity"] = live & ((qty - m.available_milli.to_numpy()) * 1_000_000 > np.abs(base) * qty_e4)

    net = round_div(qty * order_price, 1000)
    m["expected_minor"] = np.where(comparable, net + round_div(net * m.o_tax_percent_milli.to_numpy(), 100_000), 0)
    return m.drop(columns="_found")


def validate_orders(orders: pd.DataFrame) -> None:
    """An unknown state or bill-control policy is an error, never a silent default."""
    for column, allowed in (("state", STATES), ("purchase_method", METHODS)):
        unknown = sorted(set(orders[column].dropna().unique().tolist()) - set(allowed))
        if unknown or orders[column].isna().any():
            raise ValueError(f"order_lines.{column}: unknown value {(unknown or [None])[0]!r} "
                             f"(allowed: {', '.join(allowed)})")
    if orders.duplicated(KEY).any():
        raise ValueError("order_lines: (order_number, order_line_ref) must be unique")
