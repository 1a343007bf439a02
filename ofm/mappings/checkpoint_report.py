"""The checkpoint's report: a markdown table a person reads in the Prefect UI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ofm.mappings.suite import Suite

SAMPLE = 20  # failures shown in the report; every one of them is in quarantine anyway


class _Failure(Protocol):
    record_ref: str
    check: str
    message: str
    owner_team: str


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_report(suite: Suite, per_check: Mapping[str, tuple[bool, int]], stats: Mapping[str, Any],
                    failures: Sequence[_Failure]) -> str:
    """Expectations with their success and unexpected counts, totals, and the first failures."""
    lines = [f"## Data-quality checkpoint: suite `{suite.name}`", ""]
    if not stats["records"]:
        return "\n".join([*lines, "No records to check."])
    lines += ["| check | expectation | column | success | unexpected | owner |",
              "|---|---|---|:---:|---:|---|"]
    for exp in suite.expectations:
        ok, unexpected = per_check[exp.check]
        kind = exp.expectation.removeprefix("expect_column_values_")
        if exp.value_set is not None:
            kind += f" {exp.value_set}" if exp.reference else f" {list(exp.value_set)}"
        lines.append(f"| {exp.check} | {_cell(kind)} | {exp.column} | {'yes' if ok else '**no**'} "
                     f"| {unexpected:,} | {exp.owner_team} |")
    lines += ["", f"**{stats['successful']} of {stats['evaluated']} expectations met; "
                  f"{stats['records_passed']:,} of {stats['records']:,} records passed, "
                  f"{stats['records_failed']:,} failed** ({len(failures):,} failed checks)."]
    if failures:
        lines += ["", "| record | check | message | owner |", "|---|---|---|---|"]
        lines += [f"| {_cell(f.record_ref)} | {f.check} | {_cell(f.message.removeprefix(f.record_ref + ': '))} "
                  f"| {f.owner_team} |"
                  for f in failures[:SAMPLE]]
        if len(failures) > SAMPLE:
            lines.append(f"\n… and {len(failures) - SAMPLE:,} more failed checks (see quarantine).")
    return "\n".join(lines)
