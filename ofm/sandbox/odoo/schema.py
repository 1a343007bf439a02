"""The models the sandbox serves, read once from `data/models.yaml`.

Field metadata (type, required, readonly, relation, selection, label) is what a real Odoo 19
reports in `fields_get`; a test compares it with the captured contract. The extras (`default`,
`compute`, `inverse`, `ondelete`) drive the sandbox's own behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

RELATIONAL = frozenset({"many2one", "one2many", "many2many"})
X2MANY = frozenset({"one2many", "many2many"})
OPERATIONS = {"read": "r", "write": "w", "create": "c", "unlink": "u"}
LOG_FIELDS = frozenset({"create_uid", "create_date", "write_uid", "write_date"})


@dataclass(frozen=True)
class FieldDef:
    """One field, as `fields_get` describes it plus how the sandbox fills it."""

    name: str
    type: str
    string: str
    required: bool = False
    readonly: bool = False
    relation: str | None = None
    selection: tuple[tuple[str, str], ...] | None = None
    default: Any = None
    compute: bool | str = False  # True: derived on read; "stored": derived and kept in the row
    inverse: str | None = None
    ondelete: str | None = None

    @property
    def stored(self) -> bool:
        """Kept in the row (one2many values live in the comodel, most computed ones are derived)."""
        return self.compute in (False, "stored") and self.type != "one2many"

    @property
    def on_delete(self) -> str:
        """What deleting the target does to this many2one: Odoo's default is restrict when required."""
        return self.ondelete or ("restrict" if self.required else "set null")

    def describe(self) -> dict[str, Any]:
        """The `fields_get` attributes of this field."""
        out: dict[str, Any] = {"string": self.string, "type": self.type, "required": self.required,
                               "readonly": self.readonly}
        if self.relation:
            out["relation"] = self.relation
        if self.selection is not None:
            out["selection"] = [list(pair) for pair in self.selection]
        return out


@dataclass(frozen=True)
class ModelDef:
    """One model: its fields, default order, record name and who may change it."""

    name: str
    description: str
    order: str
    rec_name: str
    rec_names_search: tuple[str, ...]
    index: tuple[str, ...]
    integration_rights: str
    write_group: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    captured: bool = True  # False: Odoo's fields_get of the model was not captured (only its name is served)

    @property
    def has_active(self) -> bool:
        return "active" in self.fields

    @cached_property
    def checked_fields(self) -> tuple[FieldDef, ...]:
        """The stored fields a saved row is checked on (NOT NULL, foreign keys): not the server-set log fields."""
        return tuple(f for f in self.fields.values() if f.stored and f.name not in LOG_FIELDS)

    @cached_property
    def defaults(self) -> dict[str, Any]:
        """Values a new record gets for fields the caller left out (copy before changing)."""
        return {f.name: f.default for f in self.fields.values() if f.default is not None and not f.compute}


def _data(name: str) -> Any:
    return yaml.safe_load(resources.files("ofm.sandbox.odoo").joinpath(f"data/{name}").read_text(encoding="utf-8"))


def _field(fname: str, f: dict[str, Any]) -> FieldDef:
    return FieldDef(name=fname, type=f["type"], string=f["string"], required=f.get("required", False),
                    readonly=f.get("readonly", False), relation=f.get("relation"),
                    selection=tuple((str(k), str(v)) for k, v in f["selection"]) if "selection" in f else None,
                    default=f.get("default"), compute=f.get("compute", False), inverse=f.get("inverse"),
                    ondelete=f.get("ondelete"))


def optional_modules() -> tuple[str, ...]:
    """The optional Odoo modules `load_schema` can add (data/modules.yaml)."""
    return tuple(_data("modules.yaml"))


@cache
def load_schema(modules: tuple[str, ...] = ()) -> dict[str, ModelDef]:
    """All served models by name (parsed once per process and set of optional modules)."""
    models: dict[str, ModelDef] = {}
    for name, spec in _data("models.yaml").items():
        models[name] = ModelDef(
            name=name, description=spec["description"], order=spec["order"], rec_name=spec["rec_name"],
            rec_names_search=tuple(spec["rec_names_search"]), index=tuple(spec["index"]),
            integration_rights=spec["access"]["integration"], write_group=spec["access"]["group"],
            fields={fname: _field(fname, f) for fname, f in spec["fields"].items()},
            captured=spec.get("captured", True))
    extra = _data("modules.yaml")
    for module in modules:
        if module not in extra:
            raise ValueError(f"unknown optional module {module!r} (known: {', '.join(sorted(extra))})")
        for name, spec in extra[module].items():
            base = models[name]
            fields = {**base.fields, **{fname: _field(fname, f) for fname, f in spec.get("fields", {}).items()}}
            models[name] = replace(base, index=base.index + tuple(spec.get("index", ())), fields=fields)
    return models


@cache
def load_countries() -> tuple[tuple[str, str], ...]:
    """(ISO alpha-2 code, name) of every country, from `data/countries.txt`."""
    text = resources.files("ofm.sandbox.odoo").joinpath("data/countries.txt").read_text(encoding="utf-8")
    rows = [line.split(" ", 1) for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple((code, name) for code, name in rows)
