"""The one error a UBL document can cause: which file, where in it (line or XPath), and why."""

from __future__ import annotations


class UblError(Exception):
    """A UBL document could not be read; `str()` is one line naming the file and position."""

    def __init__(self, file: str, position: str | None, reason: str) -> None:
        self.file = file
        self.position = position
        self.reason = " ".join(str(reason).split())  # one line, whatever the cause said
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}: {self.position}" if self.position else self.file
        return f"{where}: {self.reason}"


class At(ValueError):
    """A bad or missing value and the XPath it belongs at; turned into UblError at the top."""

    def __init__(self, xpath: str, reason: str) -> None:
        super().__init__(f"{xpath}: {reason}")
        self.xpath, self.reason = xpath, reason
