"""Injected failures: what a real Odoo behind a reverse proxy does on a bad day.

- `latency_ms`: added to every request (by the transport or the ASGI app, not the core);
- `record_cost_ms`: added per record a create or write carries (a real Odoo 19 spends ~2.3 ms
  per partner inside one batched create, per the contract's throughput.json);
- `rate_limit_every`: every Nth request is answered 429 with `Retry-After: 1`;
- `transient_error_rate`: that share of requests is answered 503 (nothing is applied);
- `drop_after_commit_rate`: that share of *successful writes* is applied and committed, then the
  answer is lost (the connection drops): the case `create_idempotent` exists for.

Failures come from `random.Random(seed)`, so a test or a bench run is reproducible.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

# What nginx in front of Odoo sends (the contract has no capture of either status).
_PAGE = ("<html>\r\n<head><title>{code} {text}</title></head>\r\n<body>\r\n<center><h1>{code} {text}</h1></center>"
         "\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


@dataclass(frozen=True)
class Faults:
    """The failure settings of a sandbox; assign a new one to `sandbox.faults` to change them."""

    latency_ms: int = 0
    record_cost_ms: float = 0.0
    transient_error_rate: float = 0.0
    rate_limit_every: int = 0
    drop_after_commit_rate: float = 0.0
    seed: int = 0


def delay_seconds(faults: Faults, path: str, body: bytes) -> float:
    """How long the server takes with this request: latency plus the cost of the records it writes."""
    delay = faults.latency_ms / 1000
    if faults.record_cost_ms:
        delay += faults.record_cost_ms * records_written(path, body) / 1000
    return delay


def records_written(path: str, body: bytes) -> int:
    """Records a create or write request carries; 0 for any other request."""
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return 0
    items = None
    if path.startswith("/json/2/") and isinstance(payload, dict):
        method = path.rsplit("/", 1)[-1]
        items = payload.get("vals_list") if method == "create" else payload.get("ids") if method == "write" else None
    elif path == "/jsonrpc" and isinstance(payload, dict):
        args = (payload.get("params") or {}).get("args") or []
        if len(args) >= 6 and args[4] in ("create", "write") and args[5]:
            items = args[5][0]
    return len(items) if isinstance(items, list) else int(isinstance(items, dict))


def proxy_page(code: int, text: str) -> bytes:
    return _PAGE.format(code=code, text=text).encode()


class FaultDice:
    """The request counter and random source of one `Faults` setting."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.requests = 0
        self._random = random.Random(faults.seed)

    def refusal(self) -> tuple[int, str] | None:
        """(429 or 503, reason) if this request is refused before reaching Odoo, else None."""
        self.requests += 1
        every = self.faults.rate_limit_every
        if every and self.requests % every == 0:
            return 429, "Too Many Requests"
        rate = self.faults.transient_error_rate
        if rate and self._random.random() < rate:
            return 503, "Service Temporarily Unavailable"
        return None

    def drop(self) -> bool:
        """Whether the answer of a committed write is lost."""
        rate = self.faults.drop_after_commit_rate
        return bool(rate) and self._random.random() < rate
