"""Secrets never reach the store: secret-looking keys are masked, credentials in text are blanked."""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
_SECRET_KEY = re.compile(r"passw(or)?d|api[_-]?key|token|secret|authori[sz]ation|private[_-]?key|credential",
                         re.IGNORECASE)
# `Bearer <b64token>` (RFC 6750); the token must hold a digit or symbol, so "Basic Foods GmbH" stays readable
_CREDENTIAL = re.compile(r"\b(bearer|basic)\s+(?=[A-Za-z]*[0-9\-._~+/=])[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)


def redact(text: str) -> str:
    """Text with HTTP credentials (`Bearer ...`, `Basic ...`) masked, e.g. in a quoted error message (best effort)."""
    return _CREDENTIAL.sub(lambda m: f"{m.group(1)} {MASK}", text) if text else text


def scrub(value: Any) -> Any:
    """A copy with the values of secret-looking keys replaced by *** and credentials in text masked."""
    if isinstance(value, dict):
        return {k: MASK if _SECRET_KEY.search(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v) for v in value]
    return redact(value) if isinstance(value, str) else value
