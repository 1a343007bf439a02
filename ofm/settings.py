"""Settings: one class, read from the environment and `.env` (prefix OFM_), never at import time.

What must be set depends on what runs: a bank-only installation has no procurement token, and
`ofm odoo check` needs nothing but Odoo. So the class accepts what is absent, and each command asks
`require(...)` for the systems it talks to (`NEEDS`); a missing or placeholder value is then one
`SettingsError` naming the variable, never its value.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, NonNegativeInt, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    procurement_token: SecretStr | None = Field(
        default=None, description="Bearer token of the procurement API (sandbox: 'sandbox-token' when unset); "
                                  "only flows that read the API need it.")
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
    ledger_drop_dir: Path | None = Field(
        default=None, description="Watched folder of sub-ledger journal batches (every run reads them all; "
                                  "what is in Odoo already is recognised, not posted again).")
    ledger_api_url: str | None = Field(
        default=None, description="The ledger-source API of a sub-ledger platform (GET /deliveries); when set, "
                                  "ledger-batch without --source pulls its new deliveries too.")
    ledger_api_token: SecretStr | None = Field(
        default=None, description="Bearer token of the ledger-source API (sandbox: 'sandbox-token' when unset).")
    ledger_mapping_dir: Path | None = Field(
        default=None, description="Folder of ledger mapping YAML files; defaults to the bundled mappings/ledger.")
    close_policy: Path | None = Field(
        default=None, description="Month-end close policy YAML; defaults to the bundled mappings/close/close.yaml.")
    close_recurring: Path | None = Field(
        default=None, description="Recurring entries of the month-end close (prepaid expenses, depreciation "
                                  "schedule); defaults to the bundled mappings/close/recurring.yaml.")
    close_dir: Path = Field(
        default=Path("var/close"), description="Where month-end close writes each period's checklist and its "
                                               "accrual delivery files (<dir>/<period>/).")
    prefect_port: int = Field(
        default=4200, ge=1, le=65535, description="Port of the project's own Prefect server (history under "
                                                  "var/prefect), used by `ofm run` when PREFECT_API_URL is unset.")

    webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description="Shared HMAC secret per webhook source, as JSON: "
                                          '{"procurement": "<secret>"}. A source without a secret is unknown (404).')
    webhook_tolerance_seconds: float = Field(
        default=300.0, gt=0, le=3600, description="A webhook whose signed timestamp is further than this from now "
                                                  "is refused (401): a captured request cannot be replayed later.")
    webhook_max_body_bytes: int = Field(
        default=262144, ge=1024, le=16 * 1024 * 1024, description="Largest webhook body accepted (413 above).")
    webhook_relay_seconds: float = Field(
        default=30.0, gt=0, description="How often the webhook server emits stored events Prefect has not "
                                        "confirmed yet (also at startup and after each request).")

    automations_file: Path | None = Field(
        default=None, description="Automations YAML (what alerts, ranked); defaults to the bundled "
                                  "ofm/ops/automations.yaml.")
    alert_channel: Literal["webhook", "slack", "teams"] = Field(
        default="webhook", description="How alerts are sent: a JSON POST (webhook), a Slack or a Teams webhook.")
    alert_webhook_url: SecretStr | None = Field(
        default=None, description="Where alerts go (a Slack or Teams webhook URL carries its token: kept secret). "
                                  "Unset: automations still fire and show in the Prefect UI, nothing is sent.")
    alert_token: SecretStr | None = Field(
        default=None, description="Header X-OFM-Alert-Token of the webhook channel; the webhook intake's POST /alerts "
                                  "requires it (unset: that route is off).")
    alert_log: Path = Field(
        default=Path("var/alerts.log"), description="Where the intake's POST /alerts appends one JSON line per alert.")
    backlog_thresholds: Annotated[dict[str, NonNegativeInt], NoDecode] = Field(
        default_factory=lambda: {"default": 50},
        description="Open quarantine entries an owner team may have before the open-work flow emits "
                    "`ofm.quarantine.backlog` for it: `team=N,...`, `default=N` for every other team.")

    @field_validator("backlog_thresholds", mode="before")
    @classmethod
    def _thresholds(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs = [p.strip() for p in value.split(",") if p.strip()]
        if any(p.count("=") != 1 for p in pairs):
            raise ValueError("write team=N pairs separated by commas, e.g. treasury=10,default=50")
        return {team.strip(): number.strip() for team, number in (p.split("=") for p in pairs)}

    @model_validator(mode="after")
    def _sandbox_token(self) -> Settings:
        if self.environment == "sandbox" and self.procurement_token is None:
            self.procurement_token = SecretStr("sandbox-token")  # what `ofm sandbox procurement` accepts
        if self.environment == "sandbox" and self.ledger_api_url and self.ledger_api_token is None:
            self.ledger_api_token = SecretStr("sandbox-token")  # what `ofm sandbox ledger` accepts
        return self

    def require(self, *systems: str) -> Settings:
        """Check the settings of the systems a command talks to (see NEEDS); raise SettingsError naming
        the first variable that is missing, or a placeholder outside the sandbox."""
        for system in systems:
            for name in NEEDS[system]:
                value = getattr(self, name)
                if isinstance(value, SecretStr):
                    value = value.get_secret_value()
                if value is None or not str(value).strip():
                    raise SettingsError(f"{env_name(name)} is not set; {NEEDS_WHY[system]} needs it")
                if self.environment == "sandbox":
                    continue
                if name not in self.model_fields_set:
                    raise SettingsError(f"{env_name(name)} is not set (OFM_ENVIRONMENT=production uses no "
                                        f"sandbox default); {NEEDS_WHY[system]} needs it")
                if name in SECRETS and str(value).strip().lower() in PLACEHOLDER_SECRETS:
                    raise SettingsError(f"{env_name(name)} is a placeholder; set the real value "
                                        f"(placeholders are accepted only with OFM_ENVIRONMENT=sandbox)")
        return self


# The settings each external system needs; a command requires only the systems it talks to.
NEEDS: dict[str, tuple[str, ...]] = {
    "odoo": ("odoo_url", "odoo_db", "odoo_login", "odoo_api_key"),
    "procurement": ("procurement_token", "procurement_url"),
    "ledger-api": ("ledger_api_url", "ledger_api_token"),
}
NEEDS_WHY = {"odoo": "the Odoo connection", "procurement": "the procurement API (a run without --source)",
             "ledger-api": "the ledger-source API (ledger-batch --source api)"}
SECRETS = frozenset({"odoo_api_key", "procurement_token", "ledger_api_token"})


class SettingsError(ValueError):
    """A setting is missing, a placeholder or invalid: one line naming the variable, never its value."""


def env_name(field: str) -> str:
    return f"OFM_{field.upper()}"


def load_settings() -> Settings:
    """Settings from the environment and `.env`; an invalid value is a SettingsError naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        name = env_name(str(first["loc"][0])) if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use (SettingsError if one is invalid)."""
    return load_settings()
