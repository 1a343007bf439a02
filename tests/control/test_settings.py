"""Settings: required per system (a bank-only installation needs no procurement token), placeholders and
sandbox defaults refused in production, secrets never shown, an invalid value named by its variable."""

import pytest

from ofm.settings import Settings, SettingsError, load_settings

ODOO = {"OFM_ODOO_URL": "https://erp.example.com", "OFM_ODOO_DB": "acme", "OFM_ODOO_LOGIN": "ofm@example.com",
        "OFM_ODOO_API_KEY": "0f3c9a7e-real-key"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("OFM_ENVIRONMENT", "OFM_PROCUREMENT_TOKEN", "OFM_PROCUREMENT_URL", "OFM_ODOO_COMPANY_ID",
                 "OFM_ODOO_BATCH_SIZE", *ODOO):
        monkeypatch.delenv(name, raising=False)


def _production(monkeypatch, **extra: str) -> None:
    for name, value in {"OFM_ENVIRONMENT": "production", **ODOO, **extra}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("key", ["changeme", "sandbox-key", "<api-key>", "TODO"])
def test_placeholder_api_key_refused_in_production(monkeypatch, key):
    _production(monkeypatch, OFM_ODOO_API_KEY=key)
    with pytest.raises(SettingsError, match="^OFM_ODOO_API_KEY is a placeholder") as err:
        Settings().require("odoo")
    assert key not in str(err.value)


@pytest.mark.parametrize("unset", list(ODOO))
def test_production_uses_no_sandbox_default_for_odoo(monkeypatch, unset):
    _production(monkeypatch)
    monkeypatch.delenv(unset)
    with pytest.raises(SettingsError, match=f"^{unset} is not set"):
        Settings().require("odoo")


def test_a_bank_only_installation_needs_no_procurement_token(monkeypatch):
    _production(monkeypatch)
    s = Settings().require("odoo")
    assert s.procurement_token is None
    with pytest.raises(SettingsError, match="^OFM_PROCUREMENT_TOKEN is not set; the procurement API"):
        s.require("procurement")


def test_a_placeholder_token_is_refused_only_where_the_api_is_read(monkeypatch):
    _production(monkeypatch, OFM_PROCUREMENT_TOKEN="sandbox-token", OFM_PROCUREMENT_URL="https://p2p.example.com")
    Settings().require("odoo")
    with pytest.raises(SettingsError, match="^OFM_PROCUREMENT_TOKEN is a placeholder"):
        Settings().require("odoo", "procurement")


def test_real_secrets_accepted_and_hidden(monkeypatch):
    _production(monkeypatch, OFM_PROCUREMENT_TOKEN="a-real-token-123", OFM_PROCUREMENT_URL="https://p2p.example.com")
    s = Settings().require("odoo", "procurement")
    assert s.odoo_api_key.get_secret_value() == "0f3c9a7e-real-key"
    assert "0f3c9a7e" not in repr(s) and "0f3c9a7e" not in str(s.model_dump())


def test_sandbox_accepts_placeholders_defaults_and_env_file(tmp_path):
    (tmp_path / ".env").write_text("OFM_ODOO_URL=http://odoo.internal:8069\nOFM_ODOO_COMPANY_ID=\n")
    s = Settings().require("odoo", "procurement")
    assert s.odoo_url == "http://odoo.internal:8069" and s.odoo_company_id is None
    assert s.procurement_token is not None and s.procurement_token.get_secret_value() == "sandbox-token"


def test_an_invalid_value_is_one_line_naming_the_variable_without_the_value(monkeypatch):
    monkeypatch.setenv("OFM_ODOO_BATCH_SIZE", "s3cr3t-typed-here")
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert message.startswith("OFM_ODOO_BATCH_SIZE: ") and "\n" not in message
    assert "s3cr3t" not in message
