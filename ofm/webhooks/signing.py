"""The signing scheme: HMAC-SHA256 over `<timestamp>.<raw body>` with the source's shared secret.

Headers of a request:
    X-OFM-Timestamp:  the Unix time in whole seconds when the sender signed it, e.g. `1767225600`
    X-OFM-Signature:  `sha256=` + lowercase hex of HMAC-SHA256(secret, f"{timestamp}.".encode() + body)
    X-OFM-Event-Id:   optional; when sent it must equal the body's `id` (the signed one, used for de-duplication)

The timestamp is inside the signed text, so a captured request cannot be re-dated: once it is older than
the window (OFM_WEBHOOK_TOLERANCE_SECONDS) it is refused, and inside the window its event id was already
stored, so it is a duplicate. Comparison is constant-time. No function here returns, logs or raises the
secret: failures are reasons from a fixed list.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-OFM-Timestamp"
SIGNATURE_HEADER = "X-OFM-Signature"
EVENT_ID_HEADER = "X-OFM-Event-Id"
SCHEME = "sha256="


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The header value a sender puts in X-OFM-Signature."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def parse_timestamp(value: str | None) -> int | None:
    """Whole Unix seconds, or None when absent or not a plain number."""
    # ASCII digits only: '²' (U+00B2, a latin-1 byte a header may carry) is a digit to str.isdigit, not to int()
    if value is None or not value.strip().isascii() or not value.strip().isdigit() or len(value.strip()) > 12:
        return None
    return int(value.strip())


def check(secret: str, timestamp_header: str | None, signature_header: str | None, body: bytes,
          now: float, tolerance_seconds: float) -> str | None:
    """None when the request is authentic and fresh, else the reason to refuse it (never holding a secret)."""
    timestamp = parse_timestamp(timestamp_header)
    if timestamp is None:
        return f"missing or malformed {TIMESTAMP_HEADER} (Unix seconds)"
    if not signature_header:
        return f"missing {SIGNATURE_HEADER}"
    expected = sign(secret, timestamp_header.strip(), body)
    # several values may be sent while a secret is rotated: `sha256=<old>,sha256=<new>`
    offered = [s.strip() for s in signature_header.split(",")]
    if not any(hmac.compare_digest(expected.encode(), s.encode()) for s in offered if s.isascii()):
        return "signature does not match"
    if abs(now - timestamp) > tolerance_seconds:
        return f"timestamp outside the {tolerance_seconds:g} s window (replayed or clock skew)"
    return None
