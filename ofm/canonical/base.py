"""The base of every canonical record: immutable, no unknown fields, text stripped."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """A canonical record: frozen (safe to share), `extra="forbid"` (a typo is an error, not a field)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
