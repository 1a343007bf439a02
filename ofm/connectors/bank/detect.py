"""Which statement format a file is in, from its first bytes (never from its name alone).

Banks name files freely (`.xml`, `.sta`, `.txt`, `.940`, `.ofx`, `.qfx`), so content decides:
XML is OFX 2 by its header and otherwise camt (whose reader checks the namespace), `OFXHEADER:`
is OFX 1, a `:20:`/`:61:`-style field at the start of a line is MT940. Only CSV, which has no
signature, is chosen by name.
"""

from __future__ import annotations

import re
from typing import Literal

Format = Literal["camt", "ofx", "mt940", "csv", "unknown"]

_MT940 = re.compile(rb"(?m)^:(?:20|25|28C?|60[FM]?|61|86):")
_SNIFF = 64 * 1024  # envelopes and XML prologs are short; the signature is always in here


def detect_format(data: bytes, name: str) -> Format:
    """camt, ofx, mt940 or csv (by the .csv/.tsv name only); unknown when nothing fits."""
    head = data[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:9].upper() == b"OFXHEADER" or re.search(rb"<\?OFX|<OFX>", head[:4096], re.IGNORECASE):
        return "ofx"
    if head.startswith(b"<"):
        return "camt"  # any other XML: the camt reader says which namespace it has instead
    if head.startswith(b"{1:") or _MT940.search(head):
        return "mt940"
    if name.lower().endswith((".csv", ".tsv")):
        return "csv"
    return "unknown"
