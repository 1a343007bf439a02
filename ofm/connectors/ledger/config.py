"""What the ledger-source API client needs to know: where, which token, how many per page, how patiently.

A frozen value built once (from `Settings` in production, by hand in tests). The token is a `SecretStr`:
its repr is masked and only the request headers ever unwrap it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

MAX_DELIVERY_BYTES = 200 * 1024 * 1024


class LedgerApiConfig(BaseModel):
    """One sub-ledger platform's delivery API and the bearer token of the integration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="Base URL, e.g. http://127.0.0.1:8072 (the client adds /deliveries).")
    token: SecretStr = Field(description="Bearer token; never logged, never in an error message.")
    page_size: int = Field(default=100, ge=1, le=1000, description="Deliveries listed per request.")
    timeout_seconds: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, description="Attempts per request for transient failures.")
    base_delay: float = Field(default=0.5, ge=0, description="Seconds before the first retry.")
    max_delay: float = Field(default=30.0, ge=0, description="Cap of the exponential backoff.")
    max_retry_after: float = Field(default=60.0, ge=0, description="Cap on a server's Retry-After.")
    max_bytes: int = Field(default=MAX_DELIVERY_BYTES, ge=1, description="Largest delivery downloaded.")

    @field_validator("url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def name(self) -> str:
        """The API as it is named in references and cursors: host, port and path, never credentials."""
        rest = self.url.split("://", 1)[-1]
        host, _, path = rest.partition("/")
        return host.rsplit("@", 1)[-1] + (f"/{path}" if path else "")
