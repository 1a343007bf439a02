"""Field names by Odoo version: the flows speak Odoo 19's, the client translates at the wire.

What differs between versions is declared, one YAML table per major version, in `versions/`:
fields renamed (`purchase.order.line.tax_ids` is `taxes_id` in 18), fields a version lacks that are
read from another (18 has no `purchase.order.locked`: an order is locked in the state `done`), the
x2many commands whose values carry a renamed model, and how units of measure are held. `OdooClient.call`
translates every request (field lists, domains, values, nested commands) and every answer (rows,
`fields_get`) through the dialect of the server it met, so no task branches on a version.

A server whose major has no table gets the nearest older one (else the oldest), marked `exact=False`:
`ofm odoo check` says so, and checks every field the flows use on that server by its translated name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

TABLES = Path(__file__).with_name("versions")
DOMAIN_METHODS = frozenset({"search", "search_read", "search_count", "read_group", "web_search_read"})


@dataclass(frozen=True)
class Derived:
    """An Odoo 19 boolean this version lacks, true when `source` holds one of `true_when`."""

    source: str
    true_when: tuple[Any, ...]

    def value(self, row: dict[str, Any]) -> bool:
        return row.get(self.source) in self.true_when


@dataclass(frozen=True)
class Dialect:
    """One version's names: model -> {Odoo 19 name: server name}, and the rest of its table."""

    major: int
    exact: bool = True                        # False: the server's major has no table of its own
    tested: bool = False                      # a real server of this version runs the end-to-end suite
    units: Literal["tree", "categories"] = "tree"
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    derived: dict[str, dict[str, Derived]] = field(default_factory=dict)
    commands: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def identity(self) -> bool:
        return not (self.fields or self.derived)

    @property
    def models(self) -> frozenset[str]:
        return frozenset([*self.fields, *self.derived, *self.commands])

    def server_name(self, model: str, name: str) -> str:
        """The server's name of Odoo 19's field `model.name` (a derived one: the field it is read from)."""
        if (d := self.derived.get(model, {}).get(name)) is not None:
            return d.source
        return self.fields.get(model, {}).get(name, name)

    def describe(self, model: str, name: str) -> str:
        """`model.name`, with this version's name when it differs (for messages)."""
        if (d := self.derived.get(model, {}).get(name)) is not None:
            return f"{model}.{name} (read from {d.source} on Odoo {self.major})"
        server = self.fields.get(model, {}).get(name, name)
        return f"{model}.{name}" + (f" ({server} on Odoo {self.major})" if server != name else "")

    # -- units of measure -----------------------------------------------------------------
    @property
    def unit_fields(self) -> list[str]:
        """What to read of a `uom.uom` to convert quantities (see `unit_size`)."""
        if self.units == "tree":
            return ["name", "active", "rounding", "factor", "parent_path"]
        return ["name", "active", "rounding", "factor_inv", "category_id"]

    def unit_size(self, row: dict[str, Any]) -> tuple[str, float]:
        """(root, size): units of one root convert into each other, `qty * from.size / to.size`.

        19: the root is the first id of `parent_path` and `factor` the size in it (g = 1, kg = 1000).
        18: the root is the unit's category and `factor_inv` the size in its reference unit (kg = 1, g = 0.001).
        """
        if self.units == "tree":
            return str(row.get("parent_path") or f"{row['id']}/").split("/", 1)[0], float(row.get("factor") or 1)
        category = row.get("category_id")
        key = category[0] if isinstance(category, list | tuple) and category else category
        return f"category {key}", float(row.get("factor_inv") or 1)

    # -- requests ------------------------------------------------------------------------
    def request(self, model: str, method: str, args: list[Any] | None,
                kwargs: dict[str, Any] | None) -> tuple[list[Any] | None, dict[str, Any] | None]:
        """`args`/`kwargs` of `model.method` in this server's names (new containers; the caller's untouched)."""
        if self.identity or model not in self.models:
            return args, kwargs
        if kwargs and "fields" in kwargs and isinstance(kwargs["fields"], list | tuple):
            kwargs = {**kwargs, "fields": self.field_list(model, kwargs["fields"])}
        if args:
            if method in DOMAIN_METHODS and isinstance(args[0], list | tuple):
                args = [self.domain(model, args[0]), *args[1:]]
            elif method == "create":
                first = args[0]
                args = [[self.values(model, v) for v in first] if isinstance(first, list | tuple)
                        else self.values(model, first), *args[1:]]
            elif method == "write" and isinstance(args[0], dict):
                args = [self.values(model, args[0]), *args[1:]]
        if kwargs and method in DOMAIN_METHODS and isinstance(kwargs.get("domain"), list | tuple):
            kwargs = {**kwargs, "domain": self.domain(model, kwargs["domain"])}
        return args, kwargs

    def field_list(self, model: str, names: list[str] | tuple[str, ...]) -> list[str]:
        return list(dict.fromkeys(self.server_name(model, n) for n in names))

    def domain(self, model: str, domain: list[Any] | tuple[Any, ...]) -> list[Any]:
        out: list[Any] = []
        for leaf in domain:
            if isinstance(leaf, list | tuple) and len(leaf) == 3 and isinstance(leaf[0], str):
                out.append(self._leaf(model, list(leaf)))
            else:
                out.append(leaf)
        return out

    def _leaf(self, model: str, leaf: list[Any]) -> list[Any]:
        name, op, value = leaf
        head, dot, rest = name.partition(".")
        derived = self.derived.get(model, {}).get(head)
        if derived is None:
            return [self.fields.get(model, {}).get(head, head) + dot + rest, op, value]
        if dot or op not in ("=", "!=") or not isinstance(value, bool):
            raise ValueError(f"{model}.{head} does not exist on Odoo {self.major}; only '= True/False' and "
                             f"'!= True/False' can be read from {derived.source}")
        wanted = value if op == "=" else not value
        return [derived.source, "in" if wanted else "not in", list(derived.true_when)]

    def values(self, model: str, vals: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(vals, dict):
            return vals
        derived = self.derived.get(model, {})
        written = sorted(set(vals) & set(derived))
        if written:
            raise ValueError(f"{model}.{written[0]} does not exist on Odoo {self.major} and cannot be written")
        renames, nested = self.fields.get(model, {}), self.commands.get(model, {})
        out: dict[str, Any] = {}
        for name, value in vals.items():
            if name in nested and isinstance(value, list):
                value = [self._command(nested[name], c) for c in value]
            out[renames.get(name, name)] = value
        return out

    def _command(self, comodel: str, command: Any) -> Any:
        if isinstance(command, list | tuple) and len(command) == 3 and isinstance(command[2], dict):
            return [command[0], command[1], self.values(comodel, command[2])]
        return command

    # -- answers -------------------------------------------------------------------------
    def answer(self, model: str, method: str, result: Any) -> Any:
        """`result` of `model.method` in Odoo 19's names."""
        if self.identity or model not in self.models:
            return result
        if method in ("read", "search_read") and isinstance(result, list):
            return [self.row(model, r) for r in result]
        if method == "web_search_read" and isinstance(result, dict) and isinstance(result.get("records"), list):
            return {**result, "records": [self.row(model, r) for r in result["records"]]}
        if method == "fields_get" and isinstance(result, dict):
            return self.field_definitions(model, result)
        return result

    def row(self, model: str, row: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(row, dict):
            return row
        back = {server: name for name, server in self.fields.get(model, {}).items()}
        out = {back.get(k, k): v for k, v in row.items()}
        for name, d in self.derived.get(model, {}).items():
            if d.source in row:
                out[name] = d.value(row)
        return out

    def field_definitions(self, model: str, defs: dict[str, Any]) -> dict[str, Any]:
        back = {server: name for name, server in self.fields.get(model, {}).items()}
        out = {back.get(k, k): v for k, v in defs.items()}
        for name, d in self.derived.get(model, {}).items():
            if d.source in defs:
                out[name] = {"type": "boolean", "readonly": True, "derived_from": d.source}
        return out


def dialect_for(major: int) -> Dialect:
    """The dialect of an Odoo `major`: its own table, else the nearest older one, else the oldest."""
    known = sorted(available())
    if major in known:
        return _load(major)
    older = [m for m in known if m < major]
    base = _load(older[-1] if older else known[0])
    return Dialect(major=base.major, exact=False, tested=False, units=base.units, fields=base.fields,
                   derived=base.derived, commands=base.commands)


@lru_cache(maxsize=1)
def translated_models() -> frozenset[str]:
    """Every model some version's table translates: calls on other models skip the dialect entirely."""
    return frozenset().union(*(_load(m).models for m in available()))


def available() -> list[int]:
    """The majors that have a table."""
    return sorted(int(p.stem.removeprefix("odoo")) for p in TABLES.glob("odoo*.yaml"))


@cache
def _load(major: int) -> Dialect:
    path = TABLES / f"odoo{major}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(raw) - {"major", "tested", "units", "fields", "derived", "commands"}
    if unknown or raw.get("major") != major or raw.get("units") not in ("tree", "categories"):
        raise ValueError(f"{path.name}: needs major: {major} and units: tree|categories"
                         + (f"; unknown keys {sorted(unknown)}" if unknown else ""))
    derived = {model: {name: Derived(source=str(spec["from"]), true_when=tuple(spec["true_when"]))
                       for name, spec in names.items()}
               for model, names in (raw.get("derived") or {}).items()}
    return Dialect(major=major, exact=True, tested=bool(raw.get("tested")), units=raw["units"],
                   fields={m: dict(n) for m, n in (raw.get("fields") or {}).items()}, derived=derived,
                   commands={m: dict(n) for m, n in (raw.get("commands") or {}).items()})
