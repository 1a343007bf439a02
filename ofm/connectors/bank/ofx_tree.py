"""OFX 1.x (SGML: field tags are never closed) into the same element tree OFX 2.x XML gives.

No permissively licensed OFX reader fits (ofxtools is GPL; ofxparse drags in BeautifulSoup and
reads balances as floats), and the SGML dialect is small: a tag followed by text is a field, any
other tag opens an aggregate that a matching close tag ends. Entities are not expanded beyond the
five XML ones, so there is nothing to blow up. Unclosed aggregates at the end mean a truncated file.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, SubElement

from ofm.connectors.bank.errors import BankFileError

_TOKEN = re.compile(r"<(/?)([A-Za-z0-9_.]+)\s*>|([^<]+)|(<)")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&apos;": "'", "&nbsp;": " "}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|apos|nbsp);")


def header_and_body(text: str) -> tuple[dict[str, str], int]:
    """The `KEY:VALUE` header of an OFX 1.x file and the offset where the SGML body starts."""
    start = text.find("<")
    if start < 0:
        return {}, len(text)
    header = {}
    for line in text[:start].splitlines():
        key, sep, val = line.partition(":")
        if sep:
            header[key.strip().upper()] = val.strip()
    return header, start


def parse_sgml(text: str, start: int, name: str) -> Element:
    """The OFX aggregate tree of `text[start:]`, or BankFileError with line and column."""
    root = Element("#document")
    stack = [root]
    leaf: Element | None = None  # the last field, whose optional XML-style close tag is skipped
    for match in _TOKEN.finditer(text, start):
        closing, tag, body, stray = match.groups()
        if stray:
            _fail(text, match.start(), name, "'<' that starts no tag")
        if body is not None:
            content = body.strip()
            if not content:
                continue
            if len(stack) < 2 or stack[-1].text is not None or len(stack[-1]):
                _fail(text, match.start(), name, f"text {content[:20]!r} outside any field")
            field = stack.pop()
            field.text = _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], content)
            leaf = field
        elif closing:
            tag = tag.upper()
            if leaf is not None and leaf.tag == tag and stack[-1] is not leaf:
                leaf = None
                continue
            if tag not in [e.tag for e in stack[1:]]:
                _fail(text, match.start(), name, f"</{tag}> closes nothing that is open")
            while stack.pop().tag != tag:
                pass  # empty fields (a tag with no text) end with their aggregate
            leaf = None
        else:
            element = SubElement(stack[-1], tag.upper())
            stack.append(element)
            leaf = None
    if len(stack) > 1:
        _fail(text, len(text), name, f"truncated: <{stack[1].tag}> is never closed")
    if len(root) != 1:
        _fail(text, start, name, "expected one <OFX> element")
    return root[0]


def _fail(text: str, offset: int, name: str, reason: str) -> None:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    raise BankFileError(name, f"line {line} column {column}", f"malformed OFX: {reason}")
