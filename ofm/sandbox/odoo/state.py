"""The state file: every table as JSON, written atomically (temp file + rename) after each write call.

Throughput over durability: a whole batch is one call and one save; a crash between two saves
loses at most the last call, like a real server losing its last transaction.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ofm.sandbox.odoo.table import Database

FORMAT = "ofm-odoo-sandbox/1"


def save(db: Database, path: Path) -> None:
    """Write all tables to `path`, replacing it only once the new file is complete."""
    data = {"format": FORMAT,
            "tables": {model: {"next_id": table.next_id, "rows": list(table.rows.values())}
                       for model, table in db.tables.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(data, separators=(",", ":")))  # one string: ~4x faster than json.dump
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(db: Database, path: Path) -> None:
    """Replace the tables named in the file with its rows (tables it lacks keep their seed)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path} is not an Odoo sandbox state file ({FORMAT})")
    for model, content in data["tables"].items():
        if model in db:
            db[model].load(content["rows"], content["next_id"])
