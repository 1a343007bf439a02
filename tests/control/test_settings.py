"""Settings: placeholders refused outside the sandbox, secrets never shown, empty means unset."""

import pytest
from pydantic import ValidationError

from ofm.control.settings import Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("OFM_ENVIRONMENT", "OFM_ODOO_API_KEY", "OFM_PROCUREMENT_TOKEN", "OFM_ODOO_COMPANY_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("key", ["changeme", "sandbox-key", "", "  ", "<api-key>"])
def test_placeholder_api_key_refused_in_production(monkeypatch, key):
    monkeypatch.setenv("OFM_ENVIRONMENT", "production")
    monkeypatch.setenv("OFM_PROCUREMENT_TOKEN", "a-real-token-123")
    monkeypatch.setenv("OFM_ODOO_API_KEY", key)
    with pytest.raises(ValidationError, match="OFM_ODOO_API_KEY is a placeholder"):
        Settings()


def test_real_secrets_accepted_and_hidden(monkeypatch):
    monkeypatch.setenv("OFM_ENVIRONMENT", "production")
    monkeypatch.setenv("OFM_ODOO_API_KEY", "0f3c9a7e-real-key")
    monkeypatch.setenv("OFM_PROCUREMENT_TOKEN", "a-real-token-123")
    s = Settings()
    assert s.odoo_api_key.get_secret_value() == "0f3c9a7e-real-key"
    assert "0f3c9a7e" not in repr(s) and "0f3c9a7e" not in str(s.model_dump())


def test_sandbox_accepts_placeholders_and_env_file(tmp_path):
    (tmp_path / ".env").write_text("OFM_ODOO_URL=http://odoo.internal:8069\nOFM_ODOO_COMPANY_ID=\n")
    s = Settings()
    assert s.odoo_url == "http://odoo.internal:8069" and s.odoo_company_id is None
