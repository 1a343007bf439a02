"""Expectation suites as data: which checks a batch must pass, who owns a failure, what it says.

Each expectation has a stable id (`check`, what quarantine rows and metrics name), a GX
expectation over one column of the supplier frame, a message template, a business category
and the team that fixes it. Reference sets from Odoo are written `$references.countries` and
filled in at run time. The file is validated completely when loaded.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ofm.mappings.frame import COLUMNS, DISPLAY_ONLY

REFERENCE_KEYS = ("countries", "currencies", "payment_terms")
CATEGORIES = ("business", "technical", "approval")
# Supported GX expectations -> the keys each needs besides the common ones.
EXPECTATIONS: dict[str, tuple[str, ...]] = {
    "expect_column_values_to_not_be_null": (),
    "expect_column_values_to_be_in_set": ("value_set",),
    "expect_column_values_to_be_unique": (),
}
_COMMON = {"check", "expectation", "column", "message", "category", "owner_team"}
_HERE = Path(__file__).parent


class SuiteError(ValueError):
    """A suite file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Expectation:
    """One check of the suite."""

    check: str
    expectation: str
    column: str
    message: str
    category: str
    owner_team: str
    value_set: tuple[Any, ...] | str | None = None  # literal values, or '$references.<key>'

    @property
    def reference(self) -> str | None:
        """The references key this check compares against, if any."""
        if isinstance(self.value_set, str):
            return self.value_set.removeprefix("$references.")
        return None


@dataclass(frozen=True)
class Suite:
    """A validated expectation suite."""

    name: str
    expectations: tuple[Expectation, ...]


def bundled_suite(name: str) -> Suite:
    """A suite shipped with the package: 'supplier' -> ofm/mappings/suites/supplier.yaml."""
    path = _HERE / "suites" / f"{name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no bundled suite named {name!r} (looked for {path})")
    return load_suite(path)


def load_suite(path: str | Path) -> Suite:
    """Load and validate a suite file (cached per file and modification time)."""
    resolved = Path(path).resolve()
    try:
        mtime = resolved.stat().st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(f"suite file not found: {path}") from None
    return _load(resolved, mtime)


@lru_cache(maxsize=16)
def _load(path: Path, mtime: int) -> Suite:
    def fail(key: str, problem: str) -> SuiteError:
        return SuiteError(f"{path}: {key}: {problem}")

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise fail("(top)", f"not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
        raise fail("name", "required, the suite's name")
    unknown = set(doc) - {"name", "description", "expectations"}
    if unknown:
        raise fail(sorted(unknown)[0], "unknown key (allowed: name, description, expectations)")
    items = doc.get("expectations")
    if not isinstance(items, list) or not items:
        raise fail("expectations", "required, a non-empty list")
    checks: list[Expectation] = []
    for i, item in enumerate(items):
        key = f"expectations[{i}]"
        if not isinstance(item, dict):
            raise fail(key, "must be a mapping")
        key = f"expectations[{i}] ({item.get('check', '?')})"
        checks.append(_expectation(item, key, fail))
    ids = [c.check for c in checks]
    duplicate = next((c for c in ids if ids.count(c) > 1), None)
    if duplicate:
        raise fail("expectations", f"check id {duplicate!r} used twice")
    return Suite(doc["name"], tuple(checks))


def _expectation(item: dict[str, Any], key: str, fail) -> Expectation:
    kind = item.get("expectation")
    if kind not in EXPECTATIONS:
        raise fail(f"{key}.expectation", f"unknown or unsupported expectation {kind!r} "
                   f"(supported: {', '.join(EXPECTATIONS)})")
    allowed = _COMMON | set(EXPECTATIONS[kind])
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise fail(f"{key}.{unknown[0]}", f"unknown key for {kind} (allowed: {', '.join(sorted(allowed))})")
    for name in sorted(allowed):
        if name != "value_set" and not (isinstance(item.get(name), str) and item[name].strip()):
            raise fail(f"{key}.{name}", "required, a non-empty string")
    if item["column"] not in COLUMNS:
        raise fail(f"{key}.column", f"unknown column {item['column']!r} (columns: {', '.join(COLUMNS)})")
    if item["category"] not in CATEGORIES:
        raise fail(f"{key}.category", f"must be one of {', '.join(CATEGORIES)}")
    names = {n for _, n, _, _ in string.Formatter().parse(item["message"]) if n is not None}
    unknown_names = sorted(names - set(COLUMNS) - set(DISPLAY_ONLY))
    if unknown_names:
        raise fail(f"{key}.message", f"unknown placeholder {{{unknown_names[0]}}} "
                   f"(known: {', '.join(COLUMNS + DISPLAY_ONLY)})")
    value_set = item.get("value_set")
    if "value_set" in EXPECTATIONS[kind]:
        if isinstance(value_set, str):
            if value_set.removeprefix("$references.") not in REFERENCE_KEYS or not value_set.startswith("$"):
                raise fail(f"{key}.value_set", f"unknown reference {value_set!r} "
                           f"(known: {', '.join('$references.' + k for k in REFERENCE_KEYS)})")
        elif isinstance(value_set, list) and value_set:
            value_set = tuple(value_set)
        else:
            raise fail(f"{key}.value_set", "required, a list of values or $references.<name>")
    return Expectation(item["check"], kind, item["column"], item["message"], item["category"],
                       item["owner_team"], value_set)
