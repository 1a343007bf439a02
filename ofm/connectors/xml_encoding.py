"""The encoding an XML document declares, checked against its bytes before the parser trusts it.

A file written in UTF-8 but declaring ISO-8859-1 (or windows-1252) parses without error and turns every
accented name into mojibake ('MÃ¼ller'): a different document from the one the sender meant. Bytes with
non-ASCII text that decode as UTF-8 are almost never meant as a single-byte encoding, so that lie is refused.
"""

from __future__ import annotations

import re

_DECLARATION = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_UNICODE = {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "utf-32"}


def encoding_lie(data: bytes) -> str | None:
    """Why the declared encoding cannot be the document's (a reason for the error), or None."""
    match = _DECLARATION.match(data[:1024])
    if match is None:
        return None
    declared = match.group(1).decode("ascii").lower()
    if declared in _UNICODE or data.isascii():
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # really single-byte text, as declared
    return f"declares encoding {match.group(1).decode('ascii')!r} but its bytes are UTF-8 (names would be garbled)"
