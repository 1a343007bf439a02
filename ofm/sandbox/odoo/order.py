"""`order` specifications ("name asc, id desc", "id") checked like Odoo and applied to ids.

NULLs sort like PostgreSQL: last when ascending, first when descending, unless `nulls
first|last` says otherwise. Text compares case-insensitively (a typical database collation); a
many2one sorts by the display name of its target.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.values import empty

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

# Odoo's own check of an order specification (odoo/orm/models.py, regex_order).
_VALID = re.compile(
    r'^(\s*([a-z0-9:_]+|"[a-z0-9:_]+")(\.id)?(\s+(desc|asc))?(\s+nulls\s+(first|last))?\s*(,|$))+(?<!,)$',
    re.IGNORECASE)


def parse_order(model: str, fields: dict[str, Any], order: str) -> list[tuple[str, bool, bool]]:
    """[(field, descending, nulls_first)] of an order specification."""
    if not isinstance(order, str) or not _VALID.match(order):
        raise exc.builtin("ValueError", f"Invalid \"order\" specified ({order!r}). A valid \"order\" specification "
                                        "is a comma-separated list of valid field names (optionally followed by "
                                        "asc/desc for the direction)")
    keys = []
    for part in order.split(","):
        words = part.split()
        name = words[0].strip('"').removesuffix(".id")
        if name not in fields:
            raise exc.invalid_read_field(model, name)
        desc = len(words) > 1 and words[1].lower() == "desc"
        nulls = [w.lower() for w in words if w.lower() in ("first", "last")]
        keys.append((name, desc, nulls[0] == "first" if nulls else desc))
    return keys


def sort_ids(env: Env, model: str, ids: set[int] | list[int], order: str) -> list[int]:
    """`ids` in the given order (stable sorts, last key first)."""
    keys = parse_order(model, env.schema[model].fields, order)
    if keys and keys[0][0] == "id":
        return sorted(ids, reverse=keys[0][1])
    result = sorted(ids)
    rows = env.db[model].rows
    for name, desc, nulls_first in reversed(keys):
        value = _sort_value(env, model, name)

        def key(rid: int, value: Callable[[dict[str, Any]], Any] = value,
                nulls_first: bool = nulls_first, desc: bool = desc) -> tuple[bool, Any]:
            v = value(rows[rid])
            null = empty(v) or v == ""
            return (null != (nulls_first != desc), None if null else v)
        result.sort(key=key, reverse=desc)
    return result


def _sort_value(env: Env, model: str, name: str) -> Callable[[dict[str, Any]], Any]:
    field = env.schema[model].fields[name]
    if name == "id":
        return lambda row: row["id"]
    if field.type == "many2one":
        comodel = field.relation or ""
        return lambda row: _text(env.display_name(comodel, env.value(model, row, name)))
    if field.type in ("one2many", "many2many"):
        return lambda row: len(env.value(model, row, name) or ())
    if field.type in ("char", "text", "html", "selection"):
        return lambda row: _text(env.value(model, row, name))
    if field.type == "boolean":
        return lambda row: int(bool(env.value(model, row, name)))
    if field.stored:
        return lambda row: row.get(name, False)
    return lambda row: env.value(model, row, name)


def _text(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) and value else False
