"""The base of every canonical record: immutable, no unknown fields, text stripped, no NUL byte."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

NUL_REFUSED = "contains a NUL byte (\\x00), which Odoo's database (PostgreSQL) cannot store"


class Frozen(BaseModel):
    """A canonical record: frozen (safe to share), `extra="forbid"` (a typo is an error, not a field).

    Text holding a NUL byte is refused here, naming the field: PostgreSQL under Odoo refuses it, and a whole
    batch of creates would fail in Odoo for one record instead of that record failing in the middleware."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(NUL_REFUSED)
        return value
