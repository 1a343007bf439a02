"""MT940 framing: the file cut into messages and fields, each field remembering its line number.

The `mt-940` library parses the content of each field; the framing is ours because the library
neither reports positions nor keeps a statement's trailing `:86:` (information to the account
owner) apart from the last transaction. Banks wrap MT940 in different envelopes (SWIFT blocks,
`ABNANL2A`/`940` headers, `-` trailers, blank lines); anything that is not a field and does not
continue one is envelope and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):(.*)$")
_SPLIT_TAG = re.compile(r"^(\d{2}[A-Z]?|NS):")  # a tag whose leading ':' ended the previous line
_END = re.compile(r"^-\}?$|^-\}")  # end of message: '-' or the SWIFT block end '-}'


@dataclass
class Field:
    """One `:tag:` with its text lines (continuations included, raw) and the line it starts on."""

    tag: str
    line: int
    lines: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        """The field's text as the `mt-940` tag patterns expect it (lines stripped, newline-joined)."""
        return "\n".join(line.rstrip() for line in self.lines).strip()


@dataclass
class Message:
    """One statement's fields, and whether the bank closed it with its `-` end line."""

    fields: list[Field] = field(default_factory=list)
    ended: bool = False


def split_messages(text: str) -> list[Message]:
    """Messages (one statement each); a new message starts at `:20:` or after `-`."""
    messages: list[Message] = []
    current: Message | None = None
    open_field: Field | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line, number = lines[i], i + 1
        i += 1
        if line.strip() == ":" and i < len(lines) and _SPLIT_TAG.match(lines[i]):
            line, i = ":" + lines[i], i + 1  # some Sparkassen break the line inside ':86:'
        match = _TAG.match(line)
        if match:
            if current is None or match.group(1) == "20" or open_field is None:
                if current and current.fields:
                    messages.append(current)
                current = Message()
            open_field = Field(match.group(1), number, [match.group(2)])
            current.fields.append(open_field)
            continue
        stripped = line.strip()
        if _END.match(stripped):
            if current is not None and open_field is not None:
                current.ended = True
            open_field = None
        elif stripped and open_field is not None:
            open_field.lines.append(line)
    if current and current.fields:
        messages.append(current)
    return messages
