"""The month-end close policy (`mappings/close/close.yaml`, or OFM_CLOSE_POLICY): accrual accounts, checklist limits."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

BUNDLED = Path(__file__).resolve().parent / "close" / "close.yaml"


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
