"""Shared pieces of the hostile-input properties: example budgets, hostile values, and the refusal shape.

A refusal is one of the project's own error types whose text is one line naming the file (and, where the
format has one, the record and field): never a bare ValueError, decimal exception or traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"


def examples(ci: int, deep: int | None = None, **options: Any) -> settings:
    """A property's budget: `ci` examples in `make test`, `deep` (default 50x) under the deep profile."""
    return settings(max_examples=(deep or ci * 50) if DEEP else ci, **options)


# Numbers a sender should never send, each one a real-world mistake or attack.
ABSURD_NUMBERS = ["1e308", "-1e308", "1E+999999999", "1E-999999999", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity",
                  "inf", "1" + "0" * 29, "123456789012345678901234567890.12", "0.123456789012345", "1.0.0",
                  "1,000.00", "1 000", "0x10", "١٢٣", "１２３", "²", "+-1", "--1", "", " ", "\x00", "1\x00"]
ABSURD_DATES = ["0000-00-00", "9999-12-31", "2026-02-30", "2026-13-01", "2026-00-10", "1900-02-29", "20260230",
                "31.12.9999", "2026-11-30T25:61:00", "-0001-01-01", "", "\x00", "2026-11-30\x00"]
# Text that tries to escape a JSON value into an Odoo domain, a format string, a template or a page.
INJECTIONS = ["O'Brien & \"Sons\"", "x', ('id','>',0), '", "'|', ('id','>',0)", "[('id','>',0)]", "%s%s%s%n",
              "{0.__class__}", "${7*7}", "{{7*7}}", "<script>alert(1)</script>", "\u202eevil.exe\u202c",
              "Zero\u200bWidth\u200dJoin", "Аcme (Cyrillic A)", "Robert'); DROP TABLE res_partner;--", "\\\\x\\n",
              "\ufeffBOM name", "tab\tand\rreturn", "emoji \U0001f4b0 €", "a" * 2000]
CONTROL = [chr(c) for c in (*range(1, 32), 127)]


def hostile_text() -> st.SearchStrategy[str]:
    """Names and references: injections, control characters, Unicode tricks, and anything at all."""
    fragments = st.sampled_from(INJECTIONS + CONTROL) | st.text(min_size=1, max_size=30)
    return st.lists(fragments, min_size=1, max_size=4).map("".join)


def cut_points(data: bytes) -> st.SearchStrategy[int]:
    """Where to truncate a document: anywhere strictly inside its meaningful content."""
    return st.integers(min_value=0, max_value=max(len(data.rstrip()) - 1, 0))


def refused_or(call: Callable[[], Any], errors: tuple[type[BaseException], ...], name: str) -> Any:
    """Run a reader; either its result, or one of `errors` whose one-line text names the file (`name`).

    Any other exception fails the property: that is a hostile input escaping as a traceback."""
    try:
        return call()
    except errors as exc:
        text = str(exc)
        assert "\n" not in text, f"a refusal must be one line: {text!r}"
        assert name in text, f"a refusal must name the file {name!r}: {text!r}"
        return exc
