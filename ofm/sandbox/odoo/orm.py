"""The ORM of the sandbox: one `Env` per call (user + context), reading and searching rows.

Writing lives in `writes.py` (create, write, unlink and their constraints); this module holds
what reads: access rights, computed values, display names, `read`, `search`, `fields_get`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.compute import COMPUTE, display_name
from ofm.sandbox.odoo.domain import Evaluator, Node, mentions, parse
from ofm.sandbox.odoo.order import sort_ids
from ofm.sandbox.odoo.schema import OPERATIONS, ModelDef
from ofm.sandbox.odoo.table import Database, Table
from ofm.sandbox.odoo.values import from_row
from ofm.sandbox.odoo.writes import WriteMethods


class Env(WriteMethods):
    """The database as one user sees it during one call."""

    def __init__(self, db: Database, schema: dict[str, ModelDef], uid: int, admin: bool,
                 context: dict[str, Any] | None = None, now: Callable[[], str] | None = None) -> None:
        self.db = db
        self.schema = schema
        self.uid = uid
        self.admin = admin
        self.context = dict(context or {})
        self.now = now or (lambda: "1970-01-01 00:00:00")
        self.pending: dict[str, dict[int, None]] = {}  # work deferred to the end of the call (accounting)
        self.depth = 0  # nesting of create/write/unlink: deferred work runs when the outermost one ends
        self._names: dict[tuple[str, int], str | bool] | None = None  # display names, memoized while reading

    def __getitem__(self, model: str) -> Table:
        """The raw table of a model (`.rows`: id -> stored values)."""
        return self.db[model]

    # -- rights and small facts -------------------------------------------------------------

    def check_access(self, model: str, operation: str, raise_exception: bool = True) -> bool:
        """Model-level rights (ir.model.access): admin may do anything, the integration user its letters."""
        if operation not in OPERATIONS:
            raise exc.builtin("ValueError", f"Invalid access mode {operation!r}")
        allowed = self.admin or OPERATIONS[operation] in self.schema[model].integration_rights
        if not allowed and raise_exception:
            raise exc.access_error(self.schema[model], operation)
        return allowed

    def company_id(self) -> int:
        user = self.db["res.users"].get(self.uid) or {}
        return user.get("company_id") or 1

    def company_currency(self) -> int | bool:
        company = self.db["res.company"].get(self.company_id()) or {}
        return company.get("currency_id", False)

    # -- values -------------------------------------------------------------------------------
    def value(self, model: str, row: dict[str, Any], name: str) -> Any:
        """A field's value in row form, computed ones included."""
        compute = COMPUTE.get((model, name))
        if compute is not None:
            return compute(self, row)
        if name == "display_name":
            return display_name(self, model, row)
        field = self.schema[model].fields[name]
        if field.type == "one2many":
            return self.children(field.relation or "", field.inverse or "", row["id"])
        return row.get(name, [] if field.type == "many2many" else False)

    def display_name(self, model: str, rid: Any) -> str | bool:
        names = self._names
        if names is not None and (model, rid) in names:
            return names[(model, rid)]
        row = self.db[model].get(rid) if rid else None
        name = display_name(self, model, row) if row is not None else False
        if names is not None:
            names[(model, rid)] = name
        return name

    def children(self, comodel: str, inverse: str, rid: int) -> list[int]:
        """A one2many: active records of `comodel` pointing at `rid`, in the comodel's order."""
        table = self.db[comodel]
        ids = set(table.lookup(inverse, rid)) if inverse in table.indexes else \
            {i for i, r in table.rows.items() if r.get(inverse) == rid}
        if self.schema[comodel].has_active:
            ids = {i for i in ids if table.rows[i].get("active")}
        return sort_ids(self, comodel, ids, self.schema[comodel].order) if len(ids) > 1 else list(ids)

    def browse(self, model: str, ids: Any) -> list[int]:
        """Ids as Odoo's `browse` takes them (one id or a list), duplicates removed."""
        if ids is None or ids is False:
            return []
        if isinstance(ids, int) and not isinstance(ids, bool):
            return [ids]
        items = list(ids) if isinstance(ids, list | tuple | str) else [ids]
        bad = [v for v in items if not isinstance(v, int) or isinstance(v, bool)]
        if bad:
            raise exc.bad_integer(model.replace(".", "_"), items)
        return list(dict.fromkeys(items))

    # -- reading ------------------------------------------------------------------------------
    def read(self, model: str, ids: Any, fields: Any = None, load: str | None = "_classic_read") -> list[dict]:
        """`read`: the existing records among `ids`, missing ones silently left out (Odoo 19)."""
        self.check_access(model, "read")
        names = self.field_names(model, fields)
        table = self.db[model]
        self._names = {}  # nothing changes while reading: each record's display name is computed once
        try:
            return [self.format(model, table.rows[rid], names, load) for rid in self.browse(model, ids)
                    if rid in table.rows]
        finally:
            self._names = None

    def field_names(self, model: str, fields: Any) -> list[str]:
        known = self.schema[model].fields
        if not fields:
            return [name for name in known if name != "id"]
        if isinstance(fields, str) or not isinstance(fields, list | tuple):
            fields = [fields]
        for name in fields:
            if not isinstance(name, str) or name not in known:
                raise exc.invalid_read_field(model, name)
        return [name for name in dict.fromkeys(fields) if name != "id"]

    def format(self, model: str, row: dict[str, Any], names: list[str], load: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": row["id"]}
        fields = self.schema[model].fields
        for name in names:
            field = fields[name]
            value = self.value(model, row, name)
            if field.type == "many2one" and value and load == "_classic_read":
                out[name] = [value, self.display_name(field.relation or "", value)]
            elif field.type == "many2one":
                out[name] = value or False
            else:
                out[name] = from_row(field, value)
        return out

    # -- searching ----------------------------------------------------------------------------
    def search_ids(self, model: str, node: Node, active_test: bool = True) -> set[int]:
        """Ids matching a parsed domain (used for relational sub-searches too)."""
        evaluator = Evaluator(self, model)
        evaluator.validate(node)
        if active_test and self.schema[model].has_active:
            node = ("and", [("leaf", "active", "=", True, ("active", "=", True)), node])
        return evaluator.ids(node)

    def search(self, model: str, domain: Any = None, offset: int = 0, limit: int | None = None,
               order: str | None = None) -> list[int]:
        """`search`: active records only unless the domain mentions `active` or the context says so."""
        self.check_access(model, "read")
        domain = list(domain or [])
        active_test = self.context.get("active_test", True) is not False and not mentions(domain, "active")
        ids = self.search_ids(model, parse(domain), active_test)
        ordered = sort_ids(self, model, ids, order or self.schema[model].order)
        offset = int(offset or 0)
        return ordered[offset:offset + int(limit)] if limit else ordered[offset:]

    def search_count(self, model: str, domain: Any = None, limit: int | None = None) -> int:
        count = len(self.search(model, domain, order="id"))
        return min(count, int(limit)) if limit else count

    def name_search(self, model: str, name: str = "", domain: Any = None, operator: str = "ilike",
                    limit: int | None = 100) -> list[list[Any]]:
        """[[id, display_name]] of records whose name (or other searched field) matches."""
        mdef = self.schema[model]
        terms: list[Any] = []
        if name:
            searched = [f for f in mdef.rec_names_search if f in mdef.fields]
            terms = ["|"] * (len(searched) - 1) + [[f, operator, name] for f in searched]
        ids = self.search(model, [*terms, *(domain or [])], limit=limit)
        return [[rid, self.display_name(model, rid)] for rid in ids]

    def fields_get(self, model: str, allfields: Any = None, attributes: Any = None) -> dict[str, Any]:
        self.check_access(model, "read")
        out = {}
        for name, field in self.schema[model].fields.items():
            if allfields and name not in allfields:
                continue
            description = field.describe()
            out[name] = {k: v for k, v in description.items() if k in attributes} if attributes else description
        return out

    def default_get(self, model: str, fields: Any) -> dict[str, Any]:
        defaults = {**self.schema[model].defaults, **self.context_defaults(model)}
        return {name: value for name, value in defaults.items() if name in (fields or [])}
