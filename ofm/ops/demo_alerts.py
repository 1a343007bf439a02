"""The demo's alert destination: the webhook intake's own `POST /alerts`, appending to `var/alerts.log`.

`ofm serve` / `make demo` run the webhook intake anyway; when no destination is configured (no
OFM_ALERT_WEBHOOK_URL), they apply the automations and start the intake with these settings, so that both agree
on the URL and on a token generated once and kept in `var/alert-token` (mode 600, never printed).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from ofm.settings import Settings

TOKEN_FILE = Path("var/alert-token")


def with_demo_destination(settings: Settings, intake_url: str, token_file: Path = TOKEN_FILE) -> Settings:
    """`settings` unchanged when a destination is configured; else alerts to `<intake_url>/alerts`, with the
    configured OFM_ALERT_TOKEN or the demo's own."""
    if settings.alert_webhook_url is not None:
        return settings
    token = settings.alert_token or SecretStr(demo_token(token_file))
    return settings.model_copy(update={"alert_channel": "webhook", "alert_token": token,
                                       "alert_webhook_url": SecretStr(f"{intake_url.rstrip('/')}/alerts")})


def demo_token(token_file: Path = TOKEN_FILE) -> str:
    """The demo's alert token: read from `token_file`, created there (readable by its owner only) the first time."""
    if token_file.exists():
        return token_file.read_text(encoding="utf-8").strip()
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(32)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token
