"""Loading mapping files: validated completely, cached per file and modification time.

A mistake in a mapping file (an unknown field, a transform that does not exist, a field owned
and protected at once) must stop the run before any record is read, with one message that
names the file and the key: `supplier.yaml: fields.countri: unknown canonical field ...`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import BaseModel

from ofm.canonical import SupplierStatus
from ofm.mappings.spec import (
    LIST_MODELS,
    OBJECTS,
    OWNABLE_PARTNER_FIELDS,
    RESERVED,
    CodeMap,
    FieldRule,
    ListRule,
    MappingError,
    MappingSpec,
    Ownership,
)
from ofm.mappings.transforms import TRANSFORMS

TOP_KEYS = {"source", "object", "description", "id_field", "revision_field", "anchors", "fields",
            "status", "payment_terms", "ownership"}


def load_mapping(path: str | Path) -> MappingSpec:
    """Load and validate a mapping file (cached per file and modification time)."""
    resolved = Path(path).resolve()
    try:
        mtime = resolved.stat().st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(f"mapping file not found: {path}") from None
    return _load(resolved, mtime)


@lru_cache(maxsize=64)
def _load(path: Path, mtime: int) -> MappingSpec:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from None
    return _Reader(path).spec(doc)


class _Reader:
    """Turns a parsed YAML document into a MappingSpec, failing on the first wrong key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> MappingError:
        return MappingError(f"{self.path}: {key}: {problem}")

    def spec(self, doc: Any) -> MappingSpec:
        if not isinstance(doc, dict):
            raise self.fail("(top)", "a mapping file must be a YAML mapping of keys")
        self.keys(doc, "(top)", TOP_KEYS)
        obj = self.text(doc, "object")
        if obj not in OBJECTS:
            raise self.fail("object", f"unknown object {obj!r} (known: {', '.join(OBJECTS)})")
        fields, lists = self.fields(doc.get("fields"), OBJECTS[obj])
        payment_terms = doc.get("payment_terms")
        mapped = {r.target for r in fields} | {f"{r.target}.{f.target}" for r in lists for f in r.fields}
        mapped |= {"status"} | ({"payment_terms_code"} if payment_terms is not None else set())
        ownership = self.ownership(doc.get("ownership"), mapped)
        anchors = self.names(doc.get("anchors"), "anchors")
        for anchor in anchors:
            if anchor not in ownership.owned:
                raise self.fail("anchors", f"anchor {anchor!r} is not in ownership.owned")
        revision = doc.get("revision_field")
        if revision is not None and not (isinstance(revision, str) and revision.strip()):
            raise self.fail("revision_field", "must be a source field name")
        return MappingSpec(
            path=self.path, source=self.text(doc, "source"), object=obj, id_field=self.text(doc, "id_field"),
            revision_field=revision, anchors=anchors, fields=fields, lists=lists,
            status=self.code_map(doc.get("status"), "status", {s.value for s in SupplierStatus}),
            payment_terms=None if payment_terms is None else self.code_map(payment_terms, "payment_terms", None),
            ownership=ownership)

    def keys(self, node: dict, key: str, allowed: set[str]) -> None:
        unknown = sorted(str(k) for k in node if k not in allowed)
        if unknown:
            raise self.fail(key, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")

    def text(self, node: dict, key: str, where: str = "") -> str:
        value = node.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where + key, "required, must be a non-empty string")
        return value.strip()

    def names(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "must be a non-empty list of names")
        if len(set(value)) != len(value):
            raise self.fail(key, "lists a name twice")
        return tuple(value)

    def fields(self, node: Any, model: type[BaseModel]) -> tuple[tuple[FieldRule, ...], tuple[ListRule, ...]]:
        if not isinstance(node, dict) or not node:
            raise self.fail("fields", "required, a mapping of canonical field -> source field")
        scalars: list[FieldRule] = []
        lists: list[ListRule] = []
        for target, rule in node.items():
            key = f"fields.{target}"
            if target in RESERVED:
                raise self.fail(key, f"{target} is set by {RESERVED[target]}, not under fields")
            if target not in model.model_fields:
                raise self.fail(key, f"unknown canonical field (known: {', '.join(sorted(model.model_fields))})")
            if target in LIST_MODELS:
                lists.append(self.list_rule(target, rule, key))
            else:
                scalars.append(self.field_rule(target, rule, key))
        required = [n for n, f in model.model_fields.items() if f.is_required() and n not in RESERVED]
        for name in required:
            if name not in node:
                raise self.fail(f"fields.{name}", "required by the canonical model but not mapped")
        return tuple(scalars), tuple(lists)

    def field_rule(self, target: str, rule: Any, key: str) -> FieldRule:
        if isinstance(rule, str) and rule.strip():
            return FieldRule(target, rule.strip())
        if not isinstance(rule, dict):
            raise self.fail(key, "must be a source field name or {from, required, transform}")
        self.keys(rule, key, {"from", "required", "transform"})
        required = rule.get("required", False)
        if not isinstance(required, bool):
            raise self.fail(f"{key}.required", "must be true or false")
        transforms = rule.get("transform", [])
        transforms = [transforms] if isinstance(transforms, str) else transforms
        if not isinstance(transforms, list):
            raise self.fail(f"{key}.transform", "must be a transform name or a list of them")
        for name in transforms:
            if name not in TRANSFORMS:
                raise self.fail(f"{key}.transform", f"unknown transform {name!r} (known: {', '.join(TRANSFORMS)})")
        return FieldRule(target, self.text(rule, "from", f"{key}."), required, tuple(transforms))

    def list_rule(self, target: str, rule: Any, key: str) -> ListRule:
        if not isinstance(rule, dict) or ("each" in rule) == ("single" in rule):
            raise self.fail(key, "a list field needs either {from, each: {...}} or {single: {...}}")
        self.keys(rule, key, {"from", "each", "single", "key"})
        mode = "each" if "each" in rule else "single"
        if mode == "single" and "from" in rule:
            raise self.fail(f"{key}.from", "a single element is built from columns; 'from' is only for each")
        source = self.text(rule, "from", f"{key}.") if mode == "each" else None
        sub_map = rule[mode]
        if not isinstance(sub_map, dict) or not sub_map:
            raise self.fail(f"{key}.{mode}", "must map sub-fields to source fields")
        model = LIST_MODELS[target]
        subs = []
        for sub, sub_rule in sub_map.items():
            if sub not in model.model_fields:
                raise self.fail(f"{key}.{mode}.{sub}",
                                f"unknown {model.__name__} field (known: {', '.join(model.model_fields)})")
            subs.append(self.field_rule(sub, sub_rule, f"{key}.{mode}.{sub}"))
        keys = rule.get("key", [])
        keys = [keys] if isinstance(keys, str) else keys
        if not isinstance(keys, list) or any(k not in sub_map for k in keys):
            raise self.fail(f"{key}.key", f"must name sub-fields mapped under {mode}")
        return ListRule(target, source, tuple(subs), tuple(keys))

    def code_map(self, node: Any, key: str, allowed: set[str] | None) -> CodeMap:
        if not isinstance(node, dict):
            raise self.fail(key, "required, {from: source field, map: {source code: value}}")
        self.keys(node, key, {"from", "map"})
        table = node.get("map")
        if not isinstance(table, dict) or not table:
            raise self.fail(f"{key}.map", "must be a non-empty mapping of source code -> value")
        values: dict[str, str] = {}
        for code, value in table.items():
            if isinstance(code, bool) or not isinstance(code, str | int):
                raise self.fail(f"{key}.map.{code}", "YAML read this code as a non-text value; quote it")
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{key}.map.{code}", "must map to a non-empty string")
            if allowed is not None and value not in allowed:
                raise self.fail(f"{key}.map.{code}", f"unknown value {value!r} (known: {', '.join(sorted(allowed))})")
            values[str(code)] = value
        return CodeMap(self.text(node, "from", f"{key}."), MappingProxyType(values))

    def ownership(self, node: Any, mapped: set[str]) -> Ownership:
        if not isinstance(node, dict):
            raise self.fail("ownership", "required, {owned: [...], never: [...]}")
        self.keys(node, "ownership", {"owned", "never"})
        owned = self.names(node.get("owned"), "ownership.owned")
        never = self.names(node.get("never"), "ownership.never") if node.get("never") is not None else ()
        for name in owned:
            if name not in OWNABLE_PARTNER_FIELDS:
                raise self.fail("ownership.owned", f"{name!r} is not a field partner_vals can produce "
                                f"(producible: {', '.join(sorted(OWNABLE_PARTNER_FIELDS))})")
            origin = OWNABLE_PARTNER_FIELDS[name]
            if origin is not None and origin not in mapped:
                raise self.fail("ownership.owned", f"{name!r} is filled from canonical {origin!r}, which this "
                                "mapping does not map: owning it would clear Odoo's value")
        both = sorted(set(owned) & set(never))
        if both:
            raise self.fail("ownership.never", f"{both[0]!r} is both owned and never to be written")
        return Ownership(owned, never)
