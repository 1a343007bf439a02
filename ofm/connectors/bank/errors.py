"""The one error a bank file can cause: which file, where in it, and why, on one line.

A statement is all-or-nothing: a parser raises this instead of returning part of a file, so a
half-read statement can never be reconciled as if it were complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from ofm.connectors.file_errors import FileFormatError


class BankFileError(FileFormatError):
    """A bank statement file could not be read; `str()` is one line naming the file and position."""


class Located(ValueError):
    """A bad value and the element path it was found at (XML trees carry no line numbers)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


def describe(exc: BaseException) -> str:
    """The reason an exception gives, on one line: a pydantic error as `field: message` pairs, never
    its multi-line dump with input values and documentation links."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
    return " ".join(str(exc).split()) or type(exc).__name__


@contextmanager
def located(where: str) -> Iterator[str]:
    """Attach `where` to any ValueError raised inside, unless an inner block already did."""
    try:
        yield where
    except Located:
        raise
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise Located(where, describe(exc)) from None
