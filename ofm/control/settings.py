"""Settings: one class, read from the environment and `.env` (prefix OFM_), never at import time."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that are only ever right in the sandbox; refused anywhere else.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "password", "admin", "<api-key>", "sandbox-key",
     "sandbox-token", "xxx", "todo"}
)


class Settings(BaseSettings):
    """Everything the middleware needs to know about its surroundings."""

    model_config = SettingsConfigDict(env_prefix="OFM_", env_file=".env", extra="ignore", env_ignore_empty=True)

    environment: Literal["sandbox", "production"] = Field(
        default="sandbox", description="'sandbox' allows placeholder secrets; 'production' refuses them.")
    database_url: str = Field(
        default="sqlite:///var/ofm.db", description="SQLAlchemy URL of the control-plane store.")

    odoo_url: str = Field(default="http://127.0.0.1:8070", description="Base URL of Odoo.")
    odoo_db: str = Field(default="sandbox", description="Odoo database name.")
    odoo_login: str = Field(default="integration@example.com", description="Odoo integration user.")
    odoo_api_key: SecretStr = Field(default=SecretStr("sandbox-key"), description="Odoo API key.")
    odoo_protocol: Literal["auto", "json2", "jsonrpc"] = Field(
        default="auto", description="auto: JSON-2 for Odoo >= 19, JSON-RPC below.")
    odoo_timeout_seconds: float = Field(default=30.0, gt=0)
    odoo_max_attempts: int = Field(default=5, ge=1, description="Attempts for transient errors.")
    odoo_batch_size: int = Field(default=200, ge=1, le=5000, description="Records per Odoo write.")
    outbox_lease_seconds: float = Field(
        default=900.0, gt=0, description="How long a run owns the outbox keys it claimed without marking them sent; "
                                         "after that (or once its process is known dead) another run takes them over.")
    odoo_company_id: int | None = Field(default=None, description="Company to onboard into.")

    procurement_url: str = Field(default="http://127.0.0.1:8071", description="Procurement API.")
    procurement_token: SecretStr = Field(default=SecretStr("sandbox-token"))
    procurement_pagination: Literal["page", "cursor"] = "cursor"
    procurement_page_size: int = Field(default=200, ge=1, le=1000)

    ack_dir: Path = Field(default=Path("var/acks"),
                          description="Where acknowledgements of file-drop runs are written.")
    mapping_dir: Path | None = Field(
        default=None, description="Folder of mapping YAML files; defaults to the bundled ones.")

    bank_routing_file: Path | None = Field(
        default=None, description="Bank account -> Odoo journal routing YAML; defaults to the bundled one.")
    bank_matching_policy: Path | None = Field(
        default=None, description="Bank matching rules and tolerances YAML; defaults to the bundled one.")
    p2p_policy: Path | None = Field(
        default=None, description="Procure-to-pay routing, status, tax, unit and receipt policy YAML; "
                                  "defaults to the bundled mappings/procurement/p2p.yaml.")
    match_post_matched: bool = Field(
        default=True, description="Three-way match: post matched vendor bills (false: leave them as drafts).")
    bank_drop_dir: Path | None = Field(
        default=None, description="Watched folder of statement files (processed ones move to done/ or held/).")

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment == "sandbox":
            return self
        for name in ("odoo_api_key", "procurement_token"):
            secret: SecretStr = getattr(self, name)
            if secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    f"OFM_{name.upper()} is a placeholder; set the real value "
                    f"(placeholders are accepted only with OFM_ENVIRONMENT=sandbox)")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use."""
    return Settings()
