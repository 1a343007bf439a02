"""The Prefect Secret blocks a deployment run takes its secrets from (the pull step in `prefect.yaml`).

One block per secret setting (`ofm.settings.SECRETS`): `ofm-odoo-api-key`, `ofm-procurement-token`,
`ofm-ledger-api-token`. `ensure_secret_blocks` creates the ones missing from the values the settings hold now
(an unset optional secret becomes an empty block, which the pull step skips), and never overwrites a block: to
rotate a secret, change the block (UI: Blocks; or `Secret(value=...).save(name, overwrite=True)`), and the next
run uses it. Values go to the Prefect API only; nothing here prints or returns them.
"""

from __future__ import annotations

from pydantic import SecretStr

# environment variable -> (settings field, Secret block name); the pull step in prefect.yaml names the same blocks
SECRET_BLOCKS: dict[str, tuple[str, str]] = {
    "OFM_ODOO_API_KEY": ("odoo_api_key", "ofm-odoo-api-key"),
    "OFM_PROCUREMENT_TOKEN": ("procurement_token", "ofm-procurement-token"),
    "OFM_LEDGER_API_TOKEN": ("ledger_api_token", "ofm-ledger-api-token"),
}


def ensure_secret_blocks(api_url: str, settings) -> list[str]:
    """Create each missing Secret block from `settings`; the names of the blocks created."""
    from prefect.blocks.system import Secret
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    created = []
    with temporary_settings(updates={PREFECT_API_URL: api_url, PREFECT_SERVER_EPHEMERAL_ENABLED: False}):
        for field, block in SECRET_BLOCKS.values():
            try:
                Secret.load(block, _sync=True)
                continue
            except (ObjectNotFound, ValueError):
                pass
            value = getattr(settings, field)
            text = value.get_secret_value() if isinstance(value, SecretStr) else (value or "")
            Secret(value=text).save(block, overwrite=False, _sync=True)
            created.append(block)
    return created
