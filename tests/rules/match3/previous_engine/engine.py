"""Three-way match: each supplier bill line against its purchase order line and the received quantity.

Pure and vectorised: `match_bills(bill_lines, bills, order_lines, previous_bills, policy)` reads four
frames and decides per bill: matched (create the bill and post it) or exception (create it as a
draft, hold it, record the reasons, each with the team that owns it). A bill is matched only when
every line passes and the bill-level checks (total, duplicates) pass.

Units, so every comparison is exact integer arithmetic:
- money in int64 minor units of the currency (`*_minor`, 12.50 EUR = 1250);
- quantities in int64 thousandths of the unit (`*_milli`, 2.5 kg = 2500);
- tax rates in int64 milli-percent (`tax_percent_milli`, 19 % = 19000);
- `invoice_date` anything `pd.to_datetime` reads.

Frames (extra columns are ignored):
- bill_lines: bill_id, bill_line_id, supplier_id, bill_number, invoice_date, currency, order_number,
  order_line_ref, product_code, quantity_milli, unit_price_minor, tax_percent_milli, net_minor
- bills: bill_id, supplier_id, bill_number, invoice_date, currency, total_minor (net + tax), tax_minor
- order_lines: order_number, order_line_ref, supplier_id, state (purchase|done|cancel|draft), currency,
  product_code, purchase_method (purchase = bill ordered quantities | receive = bill received ones),
  quantity_milli, received_milli, invoiced_milli (what bills already in Odoo took), unit_price_minor,
  tax_percent_milli, and optionally revision (the current revision of an amended order; default 1).
  These are the CURRENT order lines only: an earlier revision's price is not known here.
- previous_bills: supplier_id, bill_number, invoice_date, total_minor (bills already in Odoo).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ofm.memory import paused_gc
from ofm.rules.match3.policy import MatchPolicy

from .bills import check_duplicates, check_totals
from .checks import LINE_CODES, check_lines, validate_orders
from .messages import FIELDS, TEXT

BILL_LINE_COLUMNS = ("bill_id", "bill_line_id", "supplier_id", "bill_number", "invoice_date", "currency",
                     "order_number", "order_line_ref", "product_code", "quantity_milli", "unit_price_minor",
                     "tax_percent_milli", "net_minor")
BILL_COLUMNS = ("bill_id", "supplier_id", "bill_number", "invoice_date", "currency", "total_minor", "tax_minor")
ORDER_LINE_COLUMNS = ("order_number", "order_line_ref", "supplier_id", "state", "currency", "product_code",
                      "purchase_method", "quantity_milli", "received_milli", "invoiced_milli", "unit_price_minor",
                      "tax_percent_milli")
PREVIOUS_BILL_COLUMNS = ("supplier_id", "bill_number", "invoice_date", "total_minor")
BILL_CODES = ("no_lines", "total", "duplicate_number", "duplicate_amount")
OUTCOME_ACTION = {"matched": "post", "exception": "hold_draft"}
REASON_COLUMNS = ("bill_id", "bill_line_id", "line_no", "code", "owner", "text")


@dataclass(frozen=True)
class Reason:
    """Why a bill is held: a short code, the team that owns it, a sentence; bill_line_id None = whole bill."""

    code: str
    owner: str
    text: str
    bill_line_id: Any = None


@dataclass(frozen=True)
class BillDecision:
    """One bill's outcome (matched | exception), what to do (post | hold_draft) and why."""

    bill_id: Any
    outcome: str
    action: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ThreeWayResult:
    """bills: one row per bill (bill_id, outcome, action, codes, owners); lines: one row per bill line
    (bill_id, bill_line_id, line_no, matched, codes, expected_minor); reasons: one row per failed check
    (REASON_COLUMNS); stats: counts."""

    bills: pd.DataFrame
    lines: pd.DataFrame
    reasons: pd.DataFrame
    stats: dict[str, Any]

    def decision(self, bill_id: Any) -> BillDecision:
        """One bill's decision as a value (convenient for small runs, tests and acknowledgements)."""
        row = self.bills.loc[self.bills.bill_id == bill_id].iloc[0]
        mine = self.reasons[self.reasons.bill_id == bill_id]
        reasons = tuple(Reason(c, o, t, None if pd.isna(line) else line)
                        for c, o, t, line in zip(mine.code, mine.owner, mine.text, mine.bill_line_id, strict=True))
        return BillDecision(bill_id, row.outcome, row.action, reasons)


def match_bills(bill_lines: pd.DataFrame, bills: pd.DataFrame, order_lines: pd.DataFrame,
                previous_bills: pd.DataFrame | None, policy: MatchPolicy) -> ThreeWayResult:
    """Decide every bill of the batch; see the module docstring for the frames and units.

    Without cyclic garbage collection: a million lines give hundreds of thousands of small objects
    (reason texts, tuples of codes), and each collection would walk all of them again."""
    with paused_gc():
        return _match_bills(bill_lines, bills, order_lines, previous_bills, policy)


def plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns of pandas' default string dtype as plain object columns (same values, NaN for
    missing), except the ids that reach the result: joins, comparisons and the row-by-row reason
    texts then work on Python strings instead of going through the string array element by element."""
    keep = ("bill_id", "bill_line_id")
    text = {c: object for c, t in frame.dtypes.items() if c not in keep and isinstance(t, pd.StringDtype)
            and t.na_value is np.nan}
    return frame.astype(text) if text else frame


def _match_bills(bill_lines: pd.DataFrame, bills: pd.DataFrame, order_lines: pd.DataFrame,
                 previous_bills: pd.DataFrame | None, policy: MatchPolicy) -> ThreeWayResult:
    for frame, columns, name in ((bill_lines, BILL_LINE_COLUMNS, "bill_lines"), (bills, BILL_COLUMNS, "bills"),
                                 (order_lines, ORDER_LINE_COLUMNS, "order_lines")):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{name}: missing columns {', '.join(missing)}")
    validate_orders(order_lines)
    bill_lines, bills, order_lines = (plain_strings(f) for f in (bill_lines, bills, order_lines))
    previous_bills = None if previous_bills is None else plain_strings(previous_bills)
    previous = _previous(previous_bills)
    b = bills[list(BILL_COLUMNS)].assign(invoice_date=pd.to_datetime(bills.invoice_date))
    b = b.sort_values(["invoice_date", "bill_id"], kind="stable", ignore_index=True)
    order = pd.Series(np.arange(len(b)), index=b.bill_id)
    lines = bill_lines.assign(_rank=bill_lines.bill_id.map(order).fillna(len(b)).to_numpy(np.int64))
    lines = lines.sort_values(["_rank", "bill_line_id"], kind="stable", ignore_index=True)
    lines["line_no"] = lines.groupby("bill_id", sort=False).cumcount().to_numpy() + 1
    b = check_duplicates(b, previous, policy.duplicate_window_days)
    duplicate = b.bill_id[b.is_duplicate_number.to_numpy() | b.is_duplicate_amount.to_numpy()]
    orders = order_lines[[c for c in order_lines.columns if c in ORDER_LINE_COLUMNS + ("revision",)]]
    m = check_lines(lines, orders, policy, consumes=~lines.bill_id.isin(duplicate).to_numpy())
    b = check_totals(b, m, policy)

    m["_bill"], m["_line"] = m["_rank"].to_numpy(), np.arange(len(m))
    b["_bill"], b["_line"] = np.arange(len(b)), len(m)
    reasons = pd.concat([_reasons(m, code, policy) for code in LINE_CODES]
                        + [_reasons(b, code, policy) for code in BILL_CODES], ignore_index=True)
    reasons = reasons.sort_values(["_bill", "_line"], kind="stable", ignore_index=True)
    # Tuples of codes per line and per bill, built from the reasons only (few), never per line.
    line_codes: list[tuple[str, ...]] = [()] * len(m)
    bill_codes: list[tuple[str, ...]] = [()] * len(b)
    bill_owners: list[tuple[str, ...]] = [()] * len(b)
    for bill, line, code, owner in zip(reasons._bill, reasons._line, reasons.code, reasons.owner, strict=True):
        if line < len(m):
            line_codes[line] += (code,)
        if bill < len(b):
            bill_codes[bill] += (code,)
            bill_owners[bill] += () if owner in bill_owners[bill] else (owner,)
    lines_out = m[["bill_id", "bill_line_id", "line_no", "expected_minor"]].assign(codes=line_codes)
    lines_out.insert(3, "matched", np.array([not c for c in line_codes], dtype=bool))
    held = np.array([bool(c) for c in bill_codes], dtype=bool)
    out = pd.DataFrame({"bill_id": b.bill_id.to_numpy(), "outcome": np.where(held, "exception", "matched"),
                        "action": np.where(held, OUTCOME_ACTION["exception"], OUTCOME_ACTION["matched"]),
                        "codes": bill_codes, "owners": bill_owners})
    reasons = reasons[list(REASON_COLUMNS)]
    return ThreeWayResult(out, lines_out, reasons, _stats(out, lines_out, reasons))


def _previous(previous: pd.DataFrame | None) -> pd.DataFrame:
    if previous is None:
        previous = pd.DataFrame({c: pd.Series(dtype=object) for c in PREVIOUS_BILL_COLUMNS})
    missing = [c for c in PREVIOUS_BILL_COLUMNS if c not in previous.columns]
    if missing:
        raise ValueError(f"previous_bills: missing columns {', '.join(missing)}")
    previous = previous[list(PREVIOUS_BILL_COLUMNS)]
    return previous.assign(invoice_date=pd.to_datetime(previous.invoice_date),
                           total_minor=previous.total_minor.astype(np.int64))


def _reasons(frame: pd.DataFrame, code: str, policy: MatchPolicy) -> pd.DataFrame:
    hit = frame[frame[f"is_{code}"].to_numpy(bool)]
    text = [TEXT[code](row, policy) for row in hit[[c for c in hit.columns if c in FIELDS]].itertuples(index=False)]
    return pd.DataFrame({
        "bill_id": hit.bill_id.to_numpy(), "line_no": hit.line_no.to_numpy() if "line_no" in hit else None,
        "bill_line_id": hit.bill_line_id.to_numpy() if "bill_line_id" in hit else None,
        "code": code, "owner": policy.owners[code], "text": pd.Series(text, dtype=object),
        "_bill": hit._bill.to_numpy(), "_line": hit._line.to_numpy()})


def _stats(bills: pd.DataFrame, lines: pd.DataFrame, reasons: pd.DataFrame) -> dict[str, Any]:
    matched = int((bills.outcome == "matched").sum())
    return {"bills": len(bills), "matched": matched, "exceptions": len(bills) - matched,
            "lines": len(lines), "lines_matched": int(lines.matched.sum()),
            "match_rate": round(matched / len(bills), 4) if len(bills) else 0.0,
            "reasons": {str(k): int(v) for k, v in reasons.code.value_counts().items()},
            "owners": {str(k): int(v) for k, v in reasons.owner.value_counts().items()}}
