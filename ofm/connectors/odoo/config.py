"""What the Odoo client needs to know: where, who, how patiently, and which server it met.

The configuration is a frozen value built once (from `Settings` in production, by hand in tests),
so a client can never drift from what the run recorded. The API key is a `SecretStr`: its repr
is masked, and only the wire layer ever unwraps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

Protocol = Literal["auto", "json2", "jsonrpc"]

# JSON-2 (`/json/2/<model>/<method>`) exists from Odoo 19; `/jsonrpc` is deprecated there.
JSON2_MIN_MAJOR = 19


class RetryPolicy(BaseModel):
    """How long to keep trying transient failures before giving the error to the caller."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=5, ge=1, description="Attempts per call, the first included.")
    base_delay: float = Field(default=0.5, ge=0, description="Seconds before the first retry.")
    max_delay: float = Field(default=30.0, ge=0, description="Cap of the exponential backoff.")
    max_retry_after: float = Field(
        default=120.0, ge=0, description="Cap on a server's Retry-After, so a bad header cannot stall a run.")


class OdooConfig(BaseModel):
    """One Odoo database and the integration user that talks to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="Base URL, e.g. http://127.0.0.1:8070 (no trailing path).")
    db: str = Field(description="Database name; sent as X-Odoo-Database over JSON-2.")
    login: str = Field(description="Login of the integration user (needed by JSON-RPC authenticate).")
    api_key: SecretStr = Field(description="API key of that user; also accepted as its password.")
    protocol: Protocol = Field(default="auto", description="auto: JSON-2 for Odoo >= 19, else JSON-RPC.")
    timeout_seconds: float = Field(default=30.0, gt=0)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)

    @field_validator("url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


@dataclass(frozen=True)
class OdooVersion:
    """The server version as Odoo reports it (`server_version_info` / `version_info`)."""

    major: int
    minor: int
    raw: list[Any]

    @classmethod
    def from_info(cls, info: list[Any]) -> OdooVersion:
        """Parse `[19, 0, 0, "final", 0, ""]`; SaaS builds report the major as "saas~18"."""
        if not info:
            raise ValueError("empty version_info")
        return cls(major=_leading_int(info[0]), minor=_leading_int(info[1]) if len(info) > 1 else 0,
                   raw=list(info))


def _leading_int(value: Any) -> int:
    if isinstance(value, int):
        return value
    match = re.search(r"\d+", str(value))
    if match is None:
        raise ValueError(f"no version number in {value!r}")
    return int(match.group())
