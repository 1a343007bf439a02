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


def locate_orders(lines: pd.DataFrame, orders: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per bill line (input order): the row of its order line in `orders` (-1: none) and whether it names one
    (has_ref: an order number that is not blank and a line reference). Raises when order lines repeat a key.

    The keys are factorised once, bill lines and order lines together, and everything after works on
    integers: the look-up, the repeat check, the "earlier lines of the batch" running sums (by order row)
    and the blank test (on the distinct order numbers only). As the left merge on KEY did, equal keys
    meet (Python equality); a line with a missing number or reference never matches (it has no ref)."""
    columns = [lines[c] for c in KEY] + [orders[c] for c in KEY]
    if not all(c.dtype == object for c in columns):  # typed keys: the merge decides how they compare
        if orders.duplicated(KEY).any():
            raise ValueError("order_lines: (order_number, order_line_ref) must be unique")
        rows = orders[KEY].assign(_at=np.arange(len(orders), dtype=np.int64))
        at = lines[KEY].merge(rows, on=KEY, how="left", sort=False)["_at"].fillna(-1).to_numpy(np.int64)
        number = lines.order_number.astype("string").str.strip()
        has_ref = (number.notna() & (number != "") & lines.order_line_ref.notna()).fillna(False).to_numpy(bool)
        return at, has_ref
    n = len(lines)
    number, numbers = pd.factorize(np.concatenate([columns[0].to_numpy(), columns[2].to_numpy()]))
    ref, refs = pd.factorize(np.concatenate([columns[1].to_numpy(), columns[3].to_numpy()]))
    key = (number + 1) * (len(refs) + 1) + (ref + 1)  # -1 (missing) stays a value of its own, as in duplicated
    index = pd.Index(key[n:])
    if not index.is_unique:
        raise ValueError("order_lines: (order_number, order_line_ref) must be unique")
    line_number, line_ref = number[:n], ref[:n]
    at = index.get_indexer(key[:n])
    at[(line_number < 0) | (line_ref < 0)] = -1
    text = pd.Series(numbers, dtype=object).astype("string").str.strip()
    named = np.append((text.notna() & (text != "")).fillna(False).to_numpy(bool), False)  # [-1]: missing
    return at.astype(np.int64), named[line_number] & (line_ref >= 0)


def taken(values: pd.Series, at: np.ndarray) -> np.ndarray:
    """values[at] as the left merge gave them: missing (at -1) as NaN, ints promoted to float if any is."""
    return pd.api.extensions.take(values.to_numpy(), at, allow_fill=True)


def taken_series(values: pd.Series, at: np.ndarray, index: pd.Index) -> pd.Series:
    """taken() as a Series of the same dtype as the merge's column (no inference: text stays object)."""
    out = taken(values, at)
    return pd.Series(out, index=index, dtype=out.dtype)


def check_lines(lines: pd.DataFrame, orders: pd.DataFrame, policy: MatchPolicy, consumes: np.ndarray,
                at: np.ndarray, has_ref: np.ndarray, batch: np.ndarray) -> pd.DataFrame:
    """The bill lines (as given) with their order line's values (o_*) and one is_<code> column per
    LINE_CODES; `at` and `has_ref` are locate_orders' answers, `batch` the lines' positions in batch order.

    `consumes` marks the lines whose quantity later lines of the batch must count as billed
    (False for the lines of duplicate bills, which will not be kept). The order line's texts
    (o_currency, o_product_code, o_purchase_method) are not copied here: `order_texts` adds them
    to the few rows that get a reason."""
    m = lines
    for column in _ORDER_INTS:
        source = orders[column[2:]] if column[2:] in orders else pd.Series(np.ones(len(orders), dtype=np.int64))
        m[column] = pd.Series(taken(source, at)).fillna(0).astype(np.int64).to_numpy()
    state = taken(orders.state, at)
    found = has_ref & (at >= 0)
    m["_at"] = at
    m["has_ref"] = has_ref
    m["is_no_order"] = ~found
    cancelled = found & (state == "cancel")
    draft = found & (state == "draft")
    m["is_order_cancelled"], m["is_order_not_confirmed"] = cancelled, draft
    live = found & ~cancelled & ~draft
    m["is_supplier_mismatch"] = live & (m.supplier_id.to_numpy() != m.o_supplier_id.to_numpy())
    o_product = taken_series(orders.product_code, at, m.index)
    products = m.product_code.notna() & o_product.notna() & (m.product_code != o_product)
    m["is_product_mismatch"] = live & products.fillna(False).to_numpy(bool)
    currency = (m.currency != taken_series(orders.currency, at, m.index)).fillna(True).to_numpy(bool)
    m["is_currency"] = live & currency
    comparable = live & ~currency
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
    # Lines of one order line share its row `at` (the lines without one take nothing).
    qty = m.quantity_milli.to_numpy(np.int64)
    took = np.where(found & consumes, qty, 0)[batch]
    earlier = np.empty_like(took)
    earlier[batch] = pd.Series(took).groupby(at[batch], sort=False).cumsum().to_numpy(np.int64) - took
    m["earlier_milli"] = earlier
    by_order = taken(orders.purchase_method, at) == "purchase"
    base = np.where(by_order, m.o_quantity_milli.to_numpy(), m.o_received_milli.to_numpy())
    m["base_milli"] = base
    available = base - m.o_invoiced_milli.to_numpy() - earlier
    m["available_milli"] = available
    m["is_quantity"] = live & ((qty - available) * 1_000_000 > np.abs(base) * qty_e4)

    net = round_div(qty * order_price, 1000)
    m["expected_minor"] = np.where(comparable, net + round_div(net * m.o_tax_percent_milli.to_numpy(), 100_000), 0)
    return m


ORDER_TEXTS = ("o_currency", "o_product_code", "o_purchase_method")


def order_texts(hit: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """The order line's text columns for a few checked lines (by their `_at`), as the merge gave them."""
    at = hit["_at"].to_numpy()
    return hit.assign(**{c: taken_series(orders[c[2:]], at, hit.index) for c in ORDER_TEXTS})


def validate_orders(orders: pd.DataFrame) -> None:
    """An unknown state or bill-control policy is an error, never a silent default (repeated keys: locate_orders)."""
    for column, allowed in (("state", STATES), ("purchase_method", METHODS)):
        unknown = sorted(set(orders[column].dropna().unique().tolist()) - set(allowed))
        if unknown or orders[column].isna().any():
            raise ValueError(f"order_lines.{column}: unknown value {(unknown or [None])[0]!r} "
                             f"(allowed: {', '.join(allowed)})")
