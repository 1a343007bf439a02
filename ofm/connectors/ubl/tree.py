"""UBL XML read safely (defusedxml, no DTD) and walked with the XPath of every value kept.

Element trees carry no line numbers, so a value's position is its XPath with the cac/cbc
prefixes Peppol documents use: an error names exactly the element a sender must fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ofm.canonical.money import Money, out_of_range
from ofm.connectors.ubl.errors import At, UblError
from ofm.connectors.xml_encoding import encoding_lie

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}


def parse_xml(data: bytes, name: str) -> Element:
    """The root element, or UblError: DTDs and entities refused (no UBL document needs one)."""
    lie = encoding_lie(data)
    if lie is not None:
        raise UblError(name, "line 1", lie)
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        offset = max(data.find(b"<!DOCTYPE"), data.find(b"<!ENTITY"), 0)
        line = data[:offset].count(b"\n") + 1
        raise UblError(name, f"line {line}", f"XML with a DTD or entities is refused ({type(exc).__name__})") from None
    except (LookupError, ValueError) as exc:  # an encoding the declaration names but Python does not know
        raise UblError(name, "line 1", f"unreadable encoding declaration: {exc}"[:200]) from None
    except ParseError as exc:
        line, column = exc.position
        raise UblError(name, f"line {line} column {column}",
                       f"malformed or truncated XML: {str(exc).split(':')[0]}") from None


@dataclass(frozen=True)
class Node:
    """An element and its XPath from the document root."""

    element: Element
    xpath: str

    def find(self, path: str) -> Node | None:
        found = self.element.find(path, NS)
        return None if found is None else Node(found, f"{self.xpath}/{path}")

    def findall(self, path: str) -> list[Node]:
        return [Node(e, f"{self.xpath}/{path}[{i}]") for i, e in enumerate(self.element.findall(path, NS), start=1)]

    def require(self, path: str) -> Node:
        found = self.find(path)
        if found is None:
            raise At(f"{self.xpath}/{path}", "mandatory element missing")
        return found

    def text(self, path: str) -> str | None:
        """Stripped text at `path`, None when absent or empty."""
        found = self.element.find(path, NS)
        return (found.text or "").strip() or None if found is not None else None

    def required_text(self, path: str) -> str:
        value = self.text(path)
        if value is None:
            raise At(f"{self.xpath}/{path}", "mandatory element missing or empty")
        return value

    def attr(self, name: str) -> str | None:
        return (self.element.get(name) or "").strip() or None

    def date(self, path: str, required: bool = False) -> date | None:
        raw = self.required_text(path) if required else self.text(path)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise At(f"{self.xpath}/{path}", f"not a YYYY-MM-DD date: {raw!r}") from None

    def decimal(self, path: str, required: bool = False) -> Decimal | None:
        raw = self.required_text(path) if required else self.text(path)
        if raw is None:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise At(f"{self.xpath}/{path}", f"not a decimal number: {raw!r}") from None
        reason = out_of_range(value)
        if reason is not None:
            raise At(f"{self.xpath}/{path}", f"{reason}: {raw!r}"[:200])
        return value

    def amount(self, path: str, currency: str, required: bool = False, sign: int = 1) -> Money | None:
        """An amount whose currencyID must be the document currency, multiplied by `sign`."""
        value = self.decimal(path, required)
        if value is None:
            return None
        stated = self.require(path).attr("currencyID")
        if stated is not None and stated != currency:
            raise At(f"{self.xpath}/{path}", f"currencyID {stated!r} is not the document currency {currency!r}")
        return Money(amount=-value if sign < 0 and value else value, currency=currency)
