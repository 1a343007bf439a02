"""The mapping engine: raw source records -> canonical suppliers, or a named failure each.

Pure: no I/O besides reading the mapping file. A plugin-style function, `(records) ->
(suppliers, failures)`, where every input ends in exactly one of the two lists and a failure
names the record, the canonical field, the source field and the value, so a person can fix
the source instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ofm.canonical import Lineage, Supplier
from ofm.mappings.loader import load_mapping
from ofm.mappings.spec import (
    OWNABLE_PARTNER_FIELDS,
    CodeMap,
    FieldRule,
    ListRule,
    MappingError,
    MappingSpec,
    Ownership,
)
from ofm.mappings.transforms import apply

__all__ = [
    "OWNABLE_PARTNER_FIELDS", "MappingError", "MappingFailure", "MappingSpec", "Ownership",
    "bundled_mapping", "load_mapping", "map_batch",
]

_HERE = Path(__file__).parent
_MISSING = "required value missing"


def bundled_mapping(name: str) -> Path:
    """Path of a mapping shipped with the package: 'procurement/supplier' -> procurement/supplier.yaml."""
    path = (_HERE / f"{name}.yaml").resolve()
    if not path.is_relative_to(_HERE.resolve()) or not path.is_file():
        raise FileNotFoundError(f"no bundled mapping named {name!r} (looked for {path})")
    return path


@dataclass(frozen=True)
class MappingFailure:
    """A record that could not be mapped, with the source field to fix."""

    record_ref: str
    field: str  # the SOURCE field, e.g. 'payment_terms' or 'addresses[0].country'
    message: str  # 'field payment_terms_code (source 'payment_terms'): unmapped value ...'

    def __str__(self) -> str:
        return f"{self.record_ref}: {self.message}"


@dataclass(frozen=True)
class _Problem:
    target: str
    source: str
    text: str

    def __str__(self) -> str:
        return f"field {self.target} (source {self.source!r}): {self.text}"


def map_batch(
    spec: MappingSpec, pairs: Sequence[tuple[dict[str, Any], Lineage]],
) -> tuple[list[Supplier], list[MappingFailure]]:
    """Map a batch; each record becomes a Supplier (with its lineage) or one MappingFailure."""
    suppliers: list[Supplier] = []
    failures: list[MappingFailure] = []
    for raw, lineage in pairs:
        problems: list[_Problem] = []
        if not isinstance(raw, dict):
            problems.append(_Problem("(record)", "(record)", f"not an object: {type(raw).__name__}"))
        else:
            values = _values(spec, raw, lineage, problems)
            try:
                supplier = Supplier.model_validate(values)
            except ValidationError as exc:  # reported with the engine's problems, each field once
                seen = {p.target for p in problems}
                problems += [p for p in map(partial(_from_pydantic, spec), exc.errors()) if p.target not in seen]
            else:
                if not problems:
                    suppliers.append(supplier)
                    continue
        failures.append(MappingFailure(lineage.record_ref, problems[0].source, "; ".join(map(str, problems))))
    return suppliers, failures


def _get(raw: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if isinstance(raw, dict):
            raw = raw.get(part)
        elif isinstance(raw, list) and part.isdigit() and int(part) < len(raw):
            raw = raw[int(part)]
        else:
            return None
    return raw


def _blank(value: Any) -> bool:
    return value is None or isinstance(value, str) and not value.strip()


def field_value(rule: FieldRule, raw: Any) -> Any:
    """A raw record's canonical value of one field rule: None when it has none or it does not map."""
    problems: list[_Problem] = []
    value = _field(rule, raw, problems)
    return None if problems else value


def _field(rule: FieldRule, raw: Any, problems: list[_Problem], at: tuple[str, str] | None = None) -> Any:
    """One value through its transforms; a bad value or a missing required one is a problem.

    `at` is the (canonical, source) prefix of a list element, e.g. ('addresses[0]', 'addresses[0]').
    """
    value = _get(raw, rule.path)
    try:
        for function in rule.functions:
            value = function(value)
    except ValueError as exc:
        problems.append(_problem(rule, at, str(exc)))
        return None
    if rule.required and _blank(value):
        problems.append(_problem(rule, at, _MISSING))
    return value


def _problem(rule: FieldRule, at: tuple[str, str] | None, text: str) -> _Problem:
    if at is None:
        return _Problem(rule.target, rule.source, text)
    return _Problem(f"{at[0]}.{rule.target}", f"{at[1]}.{rule.source}" if at[1] else rule.source, text)


def _values(spec: MappingSpec, raw: dict[str, Any], lineage: Lineage, problems: list[_Problem]) -> dict[str, Any]:
    """Keyword arguments for Supplier, collecting every problem of the record on the way."""
    ref = raw.get(spec.id_field)
    if _blank(ref):
        problems.append(_Problem("source_ref", spec.id_field, _MISSING))
    values: dict[str, Any] = {"source_ref": str(ref).strip(), "lineage": lineage, "revision": lineage.revision}
    if spec.revision_field and not _blank(raw.get(spec.revision_field)):
        try:
            values["revision"] = apply(("int",), raw[spec.revision_field])
        except ValueError as exc:
            problems.append(_Problem("revision", spec.revision_field, str(exc)))
    for rule in spec.fields:
        value = _field(rule, raw, problems)
        if value is not None:
            values[rule.target] = value
    for lst in spec.lists:
        values[lst.target] = _list(lst, raw, problems)
    values["status"] = _code(spec.status, raw, problems, "status", required=True)
    if spec.payment_terms is not None:
        values["payment_terms_code"] = _code(spec.payment_terms, raw, problems, "payment_terms_code")
    return values


def _list(rule: ListRule, raw: dict[str, Any], problems: list[_Problem]) -> list[dict[str, Any]]:
    """A list field: each element of a source list, or one element built from flat columns."""
    if rule.source is None:
        elements: list[Any] = [raw]
    else:
        found = _get(raw, rule.path)
        if found is None:
            return []
        if not isinstance(found, list):
            problems.append(_Problem(rule.target, rule.source, f"expected a list, got {type(found).__name__}"))
            return []
        elements = found
    out: list[dict[str, Any]] = []
    for i, element in enumerate(elements):
        at = (f"{rule.target}[0]", "") if rule.source is None else (f"{rule.target}[{i}]", f"{rule.source}[{i}]")
        if not isinstance(element, dict):
            problems.append(_Problem(at[0], at[1], f"expected an object, got {element!r}"[:120]))
            continue
        item = {f.target: _field(f, element, problems, at) for f in rule.fields}
        if all(_blank(item[k]) for k in rule.key or item):
            continue  # e.g. a CSV row without a bank account: no element, not an empty one
        out.append({k: v for k, v in item.items() if v is not None})
    return out


def _code(table: CodeMap, raw: dict[str, Any], problems: list[_Problem], target: str,
          required: bool = False) -> str | None:
    """A code through its closed table: unknown (or missing, when required) is a failure."""
    value = _get(raw, table.path)
    if _blank(value):
        if required:
            problems.append(_Problem(target, table.source, f"{_MISSING} (mapped: {', '.join(table.values)})"))
        return None
    mapped = table.values.get(str(value).strip())
    if mapped is None:
        problems.append(_Problem(target, table.source,
                                 f"unmapped value {value!r} (mapped: {', '.join(table.values)})"))
    return mapped


def _from_pydantic(spec: MappingSpec, err: dict[str, Any]) -> _Problem:
    """A canonical model error, located back in the source record."""
    loc = [str(p) for p in err["loc"]]
    target = loc[0] if loc else "(record)"
    sources = {r.target: r.source for r in spec.fields}
    sources |= {"source_ref": spec.id_field, "revision": spec.revision_field or "revision",
                "status": spec.status.source, "lineage": "(lineage)"}
    if spec.payment_terms is not None:
        sources["payment_terms_code"] = spec.payment_terms.source
    lst = next((r for r in spec.lists if r.target == target), None)
    canonical, source = target, sources.get(target, target)
    if lst is not None and len(loc) >= 2:
        sub = next((f.source for f in lst.fields if len(loc) > 2 and f.target == loc[2]), None)
        canonical = f"{target}[{loc[1]}]" + (f".{loc[2]}" if len(loc) > 2 else "")
        base = f"{lst.source}[{loc[1]}]" if lst.source else ""
        source = ".".join(p for p in (base, sub) if p) or target
    message = str(err["msg"]).removeprefix("Value error, ")
    if "got " not in message and err.get("type") != "missing" and "input" in err:
        message += f", got {err['input']!r}"[:200]
    return _Problem(canonical, source, message)
