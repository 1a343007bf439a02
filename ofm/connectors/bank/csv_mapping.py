"""CSV column mappings for bank exports: declared in YAML (ofm/mappings/bank/csv/), checked when loaded.

Every bank's CSV export differs in delimiter, decimal mark, date format and column names, so
those are data, not code. A mapping names the header of each column it reads; a mistake in a
mapping fails at load time with the mapping file and the key, before any bank file is touched.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ofm.connectors.bank.errors import BankFileError

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "mappings" / "bank" / "csv"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CsvColumns(_Strict):
    """Header names of the columns a mapping reads; None = the export has no such column."""

    booking_date: str
    value_date: str | None = None
    amount: str | None = Field(default=None, description="Signed amount (money out negative).")
    debit: str | None = Field(default=None, description="Money out, written without a sign.")
    credit: str | None = Field(default=None, description="Money in, written without a sign.")
    currency: str | None = None
    account: str | None = Field(default=None, description="Our account (IBAN or number), for multi-account exports.")
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    remittance: tuple[str, ...] = Field(default=(), description="Columns joined into the remittance text.")
    bank_reference: str | None = None
    end_to_end_id: str | None = None
    creditor_reference: str | None = None
    transaction_code: str | None = None

    @field_validator("remittance", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value or ()

    @model_validator(mode="after")
    def _one_amount_kind(self) -> CsvColumns:
        if (self.amount is None) == (self.debit is None and self.credit is None):
            raise ValueError("give either 'amount' (signed) or 'debit' and/or 'credit', not both or neither")
        return self


class CsvMapping(_Strict):
    """How to read one bank's CSV export."""

    name: str
    description: str = ""
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    skip_rows: int = Field(default=0, ge=0, description="Lines before the header row (bank banners).")
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal["", ".", ",", " ", "'"] = ""
    date_format: str = "%Y-%m-%d"
    currency: str | None = Field(default=None, description="Currency when there is no currency column.")
    account: str | None = Field(default=None, description="Account when there is no account column.")
    columns: CsvColumns
    optional_columns: tuple[str, ...] = Field(
        default=(), description="Canonical keys whose header may be missing from a file.")

    @model_validator(mode="after")
    def _consistent(self) -> CsvMapping:
        if self.decimal_separator == self.thousands_separator:
            raise ValueError("decimal_separator and thousands_separator must differ")
        if self.currency is None and self.columns.currency is None:
            raise ValueError("give 'currency' or a 'columns.currency' column")
        unknown = set(self.optional_columns) - set(CsvColumns.model_fields)
        if unknown:
            raise ValueError(f"optional_columns names unknown keys: {sorted(unknown)}")
        datetime.now().strftime(self.date_format)  # a broken format fails here, not on row 1
        return self


def bundled_csv_mappings() -> list[str]:
    """Names of the mappings shipped with the middleware."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yaml"))


def load_csv_mapping(mapping: str | Path) -> CsvMapping:
    """A bundled mapping by name ('generic') or a YAML file by path; BankFileError names file and key."""
    path = Path(mapping)
    if not (isinstance(mapping, Path) or path.suffix in (".yaml", ".yml") or "/" in str(mapping)):
        path = BUNDLED_DIR / f"{mapping}.yaml"
        if not path.is_file():
            raise BankFileError(str(mapping), None, f"no bundled CSV mapping of that name "
                                f"(bundled: {', '.join(bundled_csv_mappings())})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BankFileError(str(path), None, f"cannot read the mapping: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else None
        raise BankFileError(str(path), where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise BankFileError(str(path), None, "a CSV mapping must be a YAML mapping of keys")
    try:
        return CsvMapping.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"]) or "(top level)"
        raise BankFileError(str(path), f"key {key!r}", error["msg"]) from None
