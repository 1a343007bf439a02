"""XML from outside, read safely: defusedxml with DTDs refused, errors turned into file + line.

No camt or OFX 2 message needs a DTD, so refusing every DTD also refuses entity expansion
(billion laughs) and external entities before either can do harm. Namespaces are dropped after
parsing because the version lives in the namespace and the element names do not change with it.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ofm.connectors.bank.errors import BankFileError
from ofm.connectors.xml_encoding import encoding_lie


def parse_xml(data: bytes, name: str) -> tuple[Element, str]:
    """(root element with local names only, the root's namespace) or BankFileError with the line."""
    lie = encoding_lie(data)
    if lie is not None:
        raise BankFileError(name, "line 1", lie)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        offset = max(data.find(b"<!DOCTYPE"), data.find(b"<!ENTITY"), 0)
        line = data[:offset].count(b"\n") + 1
        raise BankFileError(name, f"line {line}", f"XML with a DTD or entities is refused "
                            f"({type(exc).__name__})") from None
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise BankFileError(name, f"line {line} column {column}", f"malformed or truncated XML: {reason}") from None
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root, namespace


def text(element: Element | None, path: str) -> str | None:
    """Stripped text at `path` below `element`, or None when absent or empty."""
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def first_text(element: Element | None, *paths: str) -> str | None:
    """The text of the first of `paths` that has some (schema versions rename elements)."""
    for path in paths:
        found = text(element, path)
        if found is not None:
            return found
    return None
