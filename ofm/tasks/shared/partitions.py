"""A flow's work cut into partitions: the unit one Prefect flow run of `scale-out-partition` takes.

Bank reconciliation and ledger batches are partitioned by what they receive: one statement file (one account's
statement) or one delivery file each. Supplier onboarding and PO sync, which receive one export, are partitioned
by batch of records: the export is cut into `n` part files of consecutive records (same format, same header or
JSON key), written beside it under `<stem>.parts/`. Cutting is deterministic, so cutting again (a re-submitted
fan-out) yields the same parts with the same names, and a part's name is its partition key.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

# flows whose one input can be cut into batches of records (the JSON keys their exports may use)
SPLITTABLE = {"supplier-onboarding": ("suppliers", "items"), "po-sync": ("items",)}


def list_partitions(flow_name: str, source: str | Path, n: int = 2) -> list[Path]:
    """The partitions of `source` for `flow_name`: the files of a folder (oldest name first, hidden ones and
    sub-folders left out), an export cut into `n` batches (SPLITTABLE flows), or the one file itself."""
    path = Path(source)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if not path.is_file():
        raise ValueError(f"{path} does not exist")
    if flow_name in SPLITTABLE and n > 1:
        return split_export(path, n, SPLITTABLE[flow_name])
    return [path]


def split_export(path: Path, n: int, keys: tuple[str, ...] = ("items",)) -> list[Path]:
    """Cut a JSON or CSV export into at most `n` part files of consecutive records; their paths."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = list(csv.reader(io.StringIO(text)))
        header, records = rows[:1], rows[1:]

        def render(part: list) -> str:
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([*header, *part])
            return out.getvalue()
    else:
        body = json.loads(text)
        key = next((k for k in keys if isinstance(body, dict) and isinstance(body.get(k), list)), None)
        records = body[key] if key else body
        if not isinstance(records, list):
            raise ValueError(f"{path.name}: no list of records ({' or '.join(keys)}) to partition")

        def render(part: list) -> str:
            return json.dumps({**body, key: part} if key else part, ensure_ascii=False)

    n = max(1, min(n, len(records)))
    folder = path.parent / f"{path.stem}.parts"
    folder.mkdir(exist_ok=True)
    parts = []
    for i in range(n):
        part = folder / f"{path.stem}.part-{i + 1:02d}-of-{n:02d}{path.suffix}"
        content = render(records[i * len(records) // n:(i + 1) * len(records) // n])
        if not part.is_file() or part.read_text(encoding="utf-8") != content:  # a part being read stays as it is
            tmp = part.with_name(f".{part.name}.{os.getpid()}")
            tmp.write_text(content, encoding="utf-8")
            tmp.replace(part)
        parts.append(part)
    return parts
