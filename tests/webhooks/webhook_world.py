"""Shared pieces of the webhook tests: the secrets, a signing sender, a recording events client, a clock."""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from ofm.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

with warnings.catch_warnings():  # Starlette would rather have httpx2 under its test client; httpx is what we ship
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = ["TestClient"]

SECRET = "whsec-7f3a9c1e5b2d4f60a8e1c3b5d7f9a1c3"  # looks like nothing else in a log
OTHER_SECRET = "whsec-other-source-0123456789abcdef"


@dataclass
class Recorder:
    """Stands in for the Prefect events client: keeps what was emitted, or fails like an unreachable server."""

    events: list[Any] = field(default_factory=list)
    fail: bool = False

    def __call__(self) -> Recorder:
        return self

    async def __aenter__(self) -> Recorder:
        if self.fail:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 4299)")
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def emit(self, event: Any) -> None:
        self.events.append(event)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now



def po_event(event_id: str = "evt-0001", po_id: str = "PO-0042", **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": "purchase_order.approved",
            "data": {"po_id": po_id, "approved_by": "Dana Buyer", "approved_at": "2026-12-07T10:15:00+00:00", **data}}


def bank_event(decision: str = "approved", event_id: str = "evt-b-0001", **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": f"supplier_bank_account.{decision}",
            "data": {"supplier_id": "SUP-000123", "decided_by": "Tom Treasury", **data}}


@dataclass(frozen=True)
class Signed:
    """One request as a sender builds it: the exact bytes and the headers signed over them."""

    body: bytes
    headers: dict[str, str]


def signed(event: dict[str, Any] | bytes, at: float, secret: str = SECRET, **extra: str) -> Signed:
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    ts = str(int(at))
    return Signed(body, {"Content-Type": "application/json", TIMESTAMP_HEADER: ts,
                         SIGNATURE_HEADER: sign(secret, ts, body), **extra})
