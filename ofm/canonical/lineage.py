"""Lineage: where a canonical record came from, so every record can be traced and replayed."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def content_hash(payload: Any) -> str:
    """sha256 of a payload: bytes as they are, anything else as canonical JSON."""
    if isinstance(payload, bytes):
        data = payload
    else:
        data = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(data).hexdigest()


class Lineage(BaseModel):
    """The origin of a canonical record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_system: str = Field(description="Name of the system the record came from, e.g. 'procurement'.")
    external_id: str = Field(description="The record's identifier in the source system.")
    revision: int | None = Field(default=None, description="Source revision, if versioned.")
    content_hash: str = Field(description="sha256 of the raw payload as received.")
    received_at: datetime = Field(description="When the middleware received the payload (UTC).")
    correlation_id: str = Field(description="Id shared by every audit row of this record in this run.")

    @property
    def record_ref(self) -> str:
        """Stable reference used in quarantine and the audit trail: 'system:external_id'."""
        return f"{self.source_system}:{self.external_id}"
