"""Golden files of the bank parsers: each input in golden/ beside its `<input>.expected.json`.

When a parser change is intended, regenerate and review the diff before committing:

    .venv/bin/python -m tests.connectors.bank.bank_regen

A CSV input named `csv-<mapping>-….csv` is read with the bundled mapping `<mapping>`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ofm.connectors.bank import parse_file, statements_to_json

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def golden_inputs() -> list[Path]:
    """Every input file in golden/ (not the expected outputs)."""
    return sorted(p for p in GOLDEN_DIR.iterdir() if p.is_file() and not p.name.endswith(".expected.json"))


def expected_path(source: Path) -> Path:
    return source.with_name(source.name + ".expected.json")


def render(source: Path) -> str:
    """The parser's output for `source`, as the golden file stores it."""
    mapping = source.name.split("-")[1] if source.name.startswith("csv-") else None
    statements = parse_file(source, csv_mapping=mapping)
    return json.dumps(statements_to_json(statements), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for source in golden_inputs():
        expected_path(source).write_text(render(source), encoding="utf-8")
        print(f"wrote {expected_path(source).relative_to(Path.cwd())}")


if __name__ == "__main__":
    main()
