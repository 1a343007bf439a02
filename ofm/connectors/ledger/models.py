"""What the ledger-source API lists: one delivery (a file a sub-ledger sent) and a page of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")


@dataclass(frozen=True)
class Delivery:
    """A delivery as listed: `file_name` chooses the mapping, `size` and `sha256` check the download, and
    `cursor` resumes the listing right after it."""

    id: str
    source: str
    file_name: str
    created_at: str
    size: int
    sha256: str
    cursor: str

    @classmethod
    def from_listing(cls, item: Any) -> Delivery:
        """ValueError naming the field when the listing is not one this client can trust."""
        if not isinstance(item, dict):
            raise ValueError("an item is not an object")
        values = {name: item.get(name) for name in ("id", "source", "file_name", "created_at", "sha256", "cursor")}
        for name, value in values.items():
            if not isinstance(value, str) or not value:
                raise ValueError(f"'{name}' is missing or not text")
        size = item.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError("'size' is not a number of bytes")
        name = values["file_name"]
        if "/" in name or "\\" in name or name.startswith(".") or len(name) > 255:
            raise ValueError(f"'file_name' {name[:60]!r} is not a plain file name")
        if not _ID.match(values["id"]):
            raise ValueError("'id' is not a plain identifier")
        if not _SHA256.match(values["sha256"]):
            raise ValueError("'sha256' is not a hex SHA-256")
        return cls(size=size, **values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DeliveryPage:
    """One answer of the listing: the deliveries after the cursor asked with, and where to go on."""

    deliveries: list[Delivery]
    next_cursor: str | None
    has_more: bool
