"""Reading a rule engine's policy file: YAML, validated completely, cached per modification time.

The one place where a rule engine touches a file: each engine declares how to validate its
document (a `parse(doc, source)` function built on `PolicyReader`), this module reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


def load_policy_file(path: str | Path | None, default: Path, parse: Callable[[Any, str], T],
                     error: type[ValueError], what: str) -> T:
    """The validated policy at `path` (else `default`); a missing or invalid file raises `error`."""
    resolved = Path(path or default).resolve()
    try:
        mtime = resolved.stat().st_mtime_ns
    except FileNotFoundError:
        raise error(f"{what} not found: {resolved}") from None
    return _load(resolved, mtime, parse, error)


@lru_cache(maxsize=32)
def _load(path: Path, mtime: int, parse: Callable[[Any, str], Any], error: type[ValueError]) -> Any:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from None
    return parse(doc, str(path))


class PolicyReader:
    """Validation helpers whose errors name the file and the key."""

    error: type[ValueError] = ValueError

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> ValueError:
        return self.error(f"{self.source}: {key}: {problem}")

    def mapping(self, node: Any, key: str, allowed: set[str] | None = None) -> dict:
        if not isinstance(node, dict):
            raise self.fail(key, "must be a mapping")
        unknown = sorted(str(k) for k in node if allowed is not None and k not in allowed)
        if unknown:
            raise self.fail(f"{key}.{unknown[0]}" if key != "(top)" else unknown[0],
                            f"unknown key (allowed: {', '.join(sorted(allowed or ()))})")
        return node
