"""`POST /alerts`: the demo's alert destination, a route of the webhook intake that appends each alert to a file.

The `ofm-alerts` webhook block (OFM_ALERT_CHANNEL=webhook) posts `{"subject": ..., "body": ...}` with the header
X-OFM-Alert-Token. The route compares it with OFM_ALERT_TOKEN in constant time (401 otherwise; without a token
set the route does not exist) and appends one JSON line to OFM_ALERT_LOG (`var/alerts.log`): when it arrived,
its priority (P1-P3, read from the subject), subject and body. 202.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ofm.ops.automations import TOKEN_HEADER
from ofm.settings import Settings

MAX_ALERT_BYTES = 64 * 1024
_PRIORITY = re.compile(r"^\[(P[1-3])\]")
_WRITE = threading.Lock()  # one line at a time, whole


def alert_routes(settings: Settings) -> list[Route]:
    """`POST /alerts` when OFM_ALERT_TOKEN is set, else nothing."""
    if settings.alert_token is None:
        return []
    token = settings.alert_token.get_secret_value().encode()
    log = settings.alert_log

    async def receive(request: Request) -> JSONResponse:
        given = request.headers.get(TOKEN_HEADER, "").encode()
        if not hmac.compare_digest(given, token):
            return JSONResponse({"error": "missing or wrong alert token"}, status_code=401)
        body = await request.body()
        if len(body) > MAX_ALERT_BYTES:
            return JSONResponse({"error": f"alert larger than {MAX_ALERT_BYTES} bytes"}, status_code=413)
        try:
            alert = json.loads(body)
            subject, text = str(alert["subject"]), str(alert["body"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'expected JSON {"subject": ..., "body": ...}'}, status_code=422)
        found = _PRIORITY.match(subject)
        line = {"received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "priority": found[1] if found else None, "subject": subject, "body": text}
        await asyncio.to_thread(append, log, line)
        return JSONResponse({"status": "logged", "priority": line["priority"]}, status_code=202)

    return [Route("/alerts", receive, methods=["POST"])]


def append(log: Path, line: dict) -> None:
    """One JSON line, appended whole."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with _WRITE, log.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")


def read_alerts(log: Path) -> list[dict]:
    """The alerts logged so far, oldest first."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
