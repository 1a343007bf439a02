"""Helpers for the bank parser tests: where the real sample files are, and small sums.

Real files from other projects: those under MIT or BSD are copied in samples/ with their notices
(samples/NOTICE.md), so every clone tests them; the AGPL-3 ones are read in place from
../shared/samples/bank (or OFM_SAMPLES_DIR) and skipped when absent, except under CI=true.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from ofm.canonical.bank import BankStatement, EntryStatus


def samples_dir() -> Path | None:
    """The shared samples (env OFM_SAMPLES_DIR, default ../shared/samples next to the repo)."""
    default = Path(__file__).resolve().parents[3].parent / "shared" / "samples"
    path = Path(os.environ.get("OFM_SAMPLES_DIR", default))
    return path if path.is_dir() else None


IN_REPO = Path(__file__).resolve().parent / "samples"


def require_sample(*parts: str) -> Path:
    """A sample file: the repository's copy, else the shared samples/bank, else skip (fail under
    CI=true: it must not pass silently)."""
    if IN_REPO.joinpath(*parts).is_file():
        return IN_REPO.joinpath(*parts)
    root = samples_dir()
    path = root.joinpath("bank", *parts) if root else None
    if path is None or not path.is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"bank sample {'/'.join(parts)} not found; set OFM_SAMPLES_DIR")
        pytest.skip(f"bank sample {'/'.join(parts)} not found (set OFM_SAMPLES_DIR)")
    return path


def booked_sum(statement: BankStatement) -> Decimal:
    """Sum of the booked entries: what moves the booked balance."""
    return sum((e.amount.amount for e in statement.entries if e.status == EntryStatus.BOOKED), Decimal(0))


def balances_add_up(statement: BankStatement) -> bool:
    """opening + booked entries == closing (only meaningful when both balances are there)."""
    assert statement.opening_balance is not None and statement.closing_balance is not None
    return statement.opening_balance.amount + booked_sum(statement) == statement.closing_balance.amount
