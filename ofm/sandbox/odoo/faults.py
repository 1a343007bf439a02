"""Injected failures: what a real Odoo behind a reverse proxy does on a bad day.

- `latency_ms`: added to every request (by the transport or the ASGI app, not the core);
- `record_cost_ms`: added per record a create or write carries (a real Odoo 19 spends ~2.3 ms
  per partner inside one batched create, per the contract's throughput.json);
- `rate_limit_every`: every Nth request is answered 429 with `Retry-After: 1`, and so are the
  `rate_limit_burst - 1` requests after it (a burst);
- `transient_error_rate`: that share of requests is answered 503 (nothing is applied);
- `bad_gateway_rate`: that share of requests is answered 502 by the proxy (nothing is applied);
- `timeout_rate`: that share of requests is applied, then the answer does not come in time (the
  in-process transport raises the read timeout a client would; the served app answers after
  `hang_seconds`);
- `drop_after_commit_rate`: that share of *successful writes* is applied and committed, then the
  answer is lost (the connection drops): the case `create_idempotent` exists for.

Failures come from `random.Random(seed)`, so a test or a bench run is reproducible; `FaultDice.injected`
counts what was injected, per kind ("429", "502", "503", "timeout", "drop").
"""

from __future__ import annotations

import json
import random
from collections import Counter
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
    rate_limit_burst: int = 1
    bad_gateway_rate: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 30.0


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
    """The request counter, random source and tally of injected faults of one `Faults` setting."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.requests = 0
        self.injected: Counter[str] = Counter()
        self._random = random.Random(faults.seed)
        self._burst = 0

    def refusal(self) -> tuple[int, str] | None:
        """(429, 502 or 503, reason) if this request is refused before reaching Odoo, else None."""
        self.requests += 1
        f = self.faults
        if f.rate_limit_every and (self._burst or self.requests % f.rate_limit_every == 0):
            self._burst = (self._burst or max(1, f.rate_limit_burst)) - 1
            return self._count(429, "Too Many Requests")
        if f.transient_error_rate and self._random.random() < f.transient_error_rate:
            return self._count(503, "Service Temporarily Unavailable")
        if f.bad_gateway_rate and self._random.random() < f.bad_gateway_rate:
            return self._count(502, "Bad Gateway")
        return None

    def drop(self) -> bool:
        """Whether the answer of a committed write is lost."""
        return self._roll(self.faults.drop_after_commit_rate, "drop")

    def timeout(self) -> bool:
        """Whether the answer of this (applied) request comes too late."""
        return self._roll(self.faults.timeout_rate, "timeout")

    def _roll(self, rate: float, kind: str) -> bool:
        hit = bool(rate) and self._random.random() < rate
        if hit:
            self.injected[kind] += 1
        return hit

    def _count(self, code: int, text: str) -> tuple[int, str]:
        self.injected[str(code)] += 1
        return code, text
