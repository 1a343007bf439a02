"""Replaying bank quarantine entries: the statement file again, from the inbox, as it was received.

A held file (unreadable, unrouted, not adding up) is run again once the cause is fixed (a routing
line added, say); an unmatched entry is matched again against today's open items (a person
created the missing invoice). Entries already imported are recognised by their identity, so a
replay never imports anything twice. The file comes from the inbox, not from the drop folder.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

BANK_TYPES = frozenset({"bank-entry", "statement-file"})


def inbox_ref(row: Any) -> str:
    """The inbox id (`name@sha`) of the statement file a bank quarantine entry came from."""
    if row.object_type == "bank-entry":
        return str(row.payload["file"])
    return row.record_ref.removeprefix("bank:")


def replay_bank(rows: list[Any], store: Any, run: Callable[..., dict[str, Any]], actor: str) -> list[dict[str, Any]]:
    """Run the bank flow once per statement file behind `rows`; mark held files that now went through."""
    closed = [r.id for r in rows if r.status != "open"]
    if closed:
        raise ValueError(f"quarantine entry {closed[0]} is not open; only open entries can be replayed")
    results = []
    for ref in sorted({inbox_ref(r) for r in rows}):
        payload = store.inbox_payload("bank", "statement-file", ref)
        if payload is None:
            raise ValueError(f"statement file {ref} is not in the inbox any more; drop it again instead")
        with tempfile.TemporaryDirectory(prefix="ofm-replay-") as tmp:
            path = Path(tmp) / payload["file"]
            path.write_text(payload["content"], encoding="utf-8")
            result = run("bank-reconciliation", file=str(path), actor=actor)
        imported = not (result["file"]["error"] or result["file"]["held"])
        for row in rows:
            if inbox_ref(row) == ref and row.object_type == "statement-file" and imported:
                store.set_quarantine_status(row.id, "replayed", actor=actor,
                                            note=f"imported on replay in run {result['run_id']}")
        results.append(result)
    return results
