"""The one error a file a connector reads can cause: which file, where in it, and why, on one line.

Readers of whole documents (bank statements, UBL invoices) are all-or-nothing: they raise this
instead of returning part of a file, so half a document is never processed as if it were whole.
"""

from __future__ import annotations


class FileFormatError(Exception):
    """A file could not be read; `str()` is one line naming the file and the position."""

    def __init__(self, file: str, position: str | None, reason: str) -> None:
        self.file = file
        self.position = position
        self.reason = " ".join(str(reason).split())  # one line, whatever the cause said
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}: {self.position}" if self.position else self.file
        return f"{where}: {self.reason}"
