"""Golden files of the UBL reader: each input in golden/ beside its `<input>.expected.json`.

A readable document's expected JSON is the VendorBill (`model_dump(mode="json")`); an
unreadable one's (inputs named `error-…`) is the UblError's file, position and reason.
When a reader change is intended, regenerate and review the diff before committing:

    .venv/bin/python -m tests.connectors.ubl.ubl_regen
"""

from __future__ import annotations

import json
from pathlib import Path

from ofm.connectors.ubl import UblError, parse_ubl_file

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def golden_inputs() -> list[Path]:
    """Every input file in golden/ (not the expected outputs)."""
    return sorted(p for p in GOLDEN_DIR.iterdir() if p.is_file() and not p.name.endswith(".expected.json"))


def expected_path(source: Path) -> Path:
    return source.with_name(source.name + ".expected.json")


def render(source: Path) -> str:
    """The reader's output for `source` (the bill, or the error), as the golden file stores it."""
    try:
        data = parse_ubl_file(source).model_dump(mode="json")
    except UblError as exc:
        data = {"error": {"file": exc.file, "position": exc.position, "reason": exc.reason}}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for source in golden_inputs():
        expected_path(source).write_text(render(source), encoding="utf-8")
        print(f"wrote {expected_path(source).relative_to(Path.cwd())}")


if __name__ == "__main__":
    main()
