"""The month-end close policy (`mappings/close/close.yaml`, or OFM_CLOSE_POLICY): accrual accounts, checklist limits."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

BUNDLED = Path(__file__).resolve().parent / "close" / "close.yaml"
RECURRING = Path(__file__).resolve().parent / "close" / "recurring.yaml"


class ClosePolicyError(ValueError):
    """The policy file is wrong; the message names the file and the key."""


class AccrualPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    account: str = Field(min_length=1, description="Account credited with goods received not invoiced.")
    default_expense_account: str | None = None


class ChecklistPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stale_draft_days: int = Field(default=30, ge=0)


class ClosePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    accruals: AccrualPolicy
    checklist: ChecklistPolicy = ChecklistPolicy()


def load_close_policy(path: Path | None = None) -> ClosePolicy:
    path = Path(path or BUNDLED)
    try:
        return ClosePolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ClosePolicyError(f"{path.name}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ClosePolicyError(f"{path}: {exc}") from None


class PrepaidSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    legal_entity: str = Field(min_length=1)
    description: str = Field(min_length=1)
    amount: Decimal = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    first_period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    periods: int = Field(ge=1, le=600)
    expense_account: str = Field(min_length=1)
    prepaid_account: str = Field(min_length=1)


class RecurringSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prepaid: tuple[PrepaidSpec, ...] = ()
    depreciation_schedule: str | None = None


def load_recurring(path: Path | None = None) -> tuple[list, list]:
    """(prepaid expenses, depreciation rows) of the recurring-entries file; ClosePolicyError naming what is wrong."""
    from ofm.rules.close.recurring import Prepaid, parse_schedule

    path = Path(path or RECURRING)
    try:
        spec = RecurringSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ClosePolicyError(f"{path.name}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ClosePolicyError(f"{path}: {exc}") from None
    ids = [p.id for p in spec.prepaid]
    if len(ids) != len(set(ids)):
        raise ClosePolicyError(f"{path.name}: prepaid: an id is used twice")
    schedule = []
    if spec.depreciation_schedule:
        csv_path = path.parent / spec.depreciation_schedule
        try:
            schedule = parse_schedule(csv_path.read_text(encoding="utf-8"), csv_path.name)
        except (OSError, ValueError) as exc:
            raise ClosePolicyError(f"{path.name}: depreciation_schedule: {exc}") from None
    return [Prepaid(**p.model_dump()) for p in spec.prepaid], schedule
