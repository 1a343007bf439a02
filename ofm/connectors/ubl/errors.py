"""The one error a UBL document can cause: which file, where in it (line or XPath), and why."""

from __future__ import annotations

from ofm.connectors.file_errors import FileFormatError


class UblError(FileFormatError):
    """A UBL document could not be read; `str()` is one line naming the file and position."""


class At(ValueError):
    """A bad or missing value and the XPath it belongs at; turned into UblError at the top."""

    def __init__(self, xpath: str, reason: str) -> None:
        super().__init__(f"{xpath}: {reason}")
        self.xpath, self.reason = xpath, reason
