"""Small builders for the bank matching tests: frames from short dicts, a run, and its outcome."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from ofm.rules.bank import MatchResult, load_policy, match

POLICY = load_policy()
IBAN_M = "DE89370400440532013000"  # Müller GmbH, partner 7
IBAN_D = "FR1420041010050500013M02606"  # Dupont SA, partner 8
IBAN_X = "NL91ABNA0417164300"  # nobody we know
PARTNERS = {7: "Müller GmbH", 8: "Dupont SA", 9: "Acme Ltd"}


def entries(*rows: dict[str, Any]) -> pd.DataFrame:
    base = {"account": "DE02120300000000202051", "currency": "EUR", "booking_date": "2026-03-10",
            "counterparty_iban": None, "counterparty_name": None, "remittance": None,
            "creditor_reference": None, "end_to_end_id": None}
    full = [{"entry_id": f"E{n}", **base, **row} for n, row in enumerate(rows, 1)]
    frame = pd.DataFrame(full)
    frame["amount_minor"] = frame.amount_minor.astype("int64")
    frame["booking_date"] = np.array(frame.booking_date.tolist(), dtype="datetime64[D]")
    return frame


def items(*rows: dict[str, Any]) -> pd.DataFrame:
    full = []
    for n, row in enumerate(rows, 101):
        line = {"line_id": n, "move_id": n + 1000, "move_name": f"INV/2026/{n:05d}", "payment_reference": None,
                "ref": None, "partner_id": 7, "currency": "EUR", "date_maturity": "2026-03-05", **row}
        line["partner_name"] = row.get("partner_name", PARTNERS.get(line["partner_id"]))
        full.append(line)
    frame = pd.DataFrame(full)
    for column in ("line_id", "move_id", "partner_id", "residual_minor"):
        frame[column] = frame[column].astype("int64")
    frame["date_maturity"] = np.array(frame.date_maturity.tolist(), dtype="datetime64[D]")
    return frame


def banks(*pairs: tuple[int, str]) -> pd.DataFrame:
    pairs = pairs or ((7, IBAN_M), (8, IBAN_D))
    return pd.DataFrame({"partner_id": pd.Series([p for p, _ in pairs], dtype="int64"),
                         "iban": pd.Series([i for _, i in pairs], dtype="str")})


def policy(**changes: Any):
    return dataclasses.replace(POLICY, **changes)


def run(entry_rows, item_rows, bank_pairs=(), **changes) -> MatchResult:
    return match(entries(*entry_rows), items(*item_rows), banks(*bank_pairs), policy(**changes))


def outcome(result: MatchResult) -> dict[str, tuple]:
    """entry id -> (rule, line ids, applied, writeoff) or ('unmatched', reason)."""
    out: dict[str, tuple] = {m.entry_id: (m.rule, m.line_ids, m.applied_minor, m.writeoff_minor)
                             for m in result.match_list()}
    out.update({u.entry_id: ("unmatched", u.reason) for u in result.unmatched})
    return out
