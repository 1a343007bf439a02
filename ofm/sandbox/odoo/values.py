"""Field values in and out: what a create/write value becomes in a row, and how a row value reads.

Conversions follow Odoo's `convert_to_cache`: `None`/`False` mean empty, an integer field holds
`int(value or 0)`, a selection refuses unknown keys, a many2one takes an id. On the way out,
like `read`: an empty char/date/many2one reads `false`, a many2one reads `[id, display_name]`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.schema import FieldDef

_DATE_FORMATS = {"date": ("%Y-%m-%d",), "datetime": ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d")}
_CANONICAL = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%d %H:%M:%S"}


def empty(value: Any) -> bool:
    """NULL in the database: the row value of an unset field."""
    return value is None or value is False


def to_row(model: str, field: FieldDef, value: Any) -> Any:
    """The stored form of a value written to a non-x2many field (many2one: an id, unchecked)."""
    kind = field.type
    try:
        if kind == "integer":
            return int(value or 0)
        if kind in ("float", "monetary"):
            return float(value or 0.0)
        if kind == "boolean":
            return bool(value)
    except (TypeError, ValueError) as err:
        raise exc.builtin(type(err).__name__, str(err)) from None
    if empty(value):
        return False
    if kind == "selection":
        if not isinstance(value, str) or value not in {key for key, _ in field.selection or ()}:
            raise exc.wrong_value(model, field.name, value)
        return value
    if kind == "many2one":
        if isinstance(value, int):
            return int(value) or False
        raise exc.wrong_value(model, field.name, value)
    if kind == "many2one_reference":
        try:
            return int(value) or False
        except (TypeError, ValueError):
            raise exc.wrong_value(model, field.name, value) from None
    if kind in _DATE_FORMATS:
        return _date(model, field, value)
    if kind == "json":
        return value
    return value if isinstance(value, str) else str(value)


def _date(model: str, field: FieldDef, value: Any) -> str:
    for fmt in _DATE_FORMATS[field.type]:
        try:
            return datetime.strptime(str(value), fmt).strftime(_CANONICAL[field.type])
        except ValueError:
            continue
    raise exc.builtin("ValueError", f"time data {value!r} does not match format '{_CANONICAL[field.type]}'")


def from_row(field: FieldDef, value: Any) -> Any:
    """How `read` shows a stored (or computed) value, many2one excepted (it needs a name)."""
    kind = field.type
    if kind == "integer":
        return int(value or 0)
    if kind in ("float", "monetary"):
        return float(value or 0.0)
    if kind == "boolean":
        return bool(value)
    if kind in ("one2many", "many2many"):
        return list(value or [])
    return False if empty(value) else value


def sanitize_account_number(number: Any) -> str | bool:
    """Odoo's `sanitize_account_number`: no separators, upper case."""
    return re.sub(r"\W+", "", number).upper() if isinstance(number, str) and number else False
