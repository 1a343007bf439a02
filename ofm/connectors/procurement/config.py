"""What the procurement client needs to know: where, which token, how to page, how patiently.

A frozen value built once (from `Settings` in production, by hand in tests). The token is a
`SecretStr`: its repr is masked and only the request headers ever unwrap it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

Pagination = Literal["page", "cursor"]


class ProcurementConfig(BaseModel):
    """One procurement platform API and the bearer token of the integration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="Base URL, e.g. http://127.0.0.1:8071 (the client adds /api/v1/...).")
    token: SecretStr = Field(description="Bearer token; never logged, never in an error message.")
    pagination: Pagination = Field(default="cursor", description="page: ?page=&page_size=; cursor: ?limit=&cursor=.")
    page_size: int = Field(default=200, ge=1, le=1000, description="Records per request.")
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, description="Attempts per request for transient failures.")
    base_delay: float = Field(default=0.5, ge=0, description="Seconds before the first retry.")
    max_delay: float = Field(default=30.0, ge=0, description="Cap of the exponential backoff.")
    max_retry_after: float = Field(default=60.0, ge=0, description="Cap on a server's Retry-After.")

    @field_validator("url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")
