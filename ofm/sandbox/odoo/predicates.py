"""Tests of one row value against one domain condition, with Odoo's NULL semantics.

An empty value (False/None in a row) is NULL: `= False` matches it, `!=`, `not in` and
`not (i)like` match it too (Odoo adds "OR field IS NULL" to negative conditions), comparisons
never do. Text `like` patterns use SQL wildcards (`%`, `_`); `ilike` ignores case.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.schema import X2MANY, FieldDef
from ofm.sandbox.odoo.values import empty

_LIKE = {"like": ("%{}%", False, False), "ilike": ("%{}%", True, False), "not like": ("%{}%", False, True),
         "not ilike": ("%{}%", True, True), "=like": ("{}", False, False), "=ilike": ("{}", True, False)}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
TEXT = frozenset({"char", "text", "html", "selection"})


def compares_names(field: FieldDef, value: Any) -> bool:
    """A many2one compared with text (Odoo then searches the comodel by name)."""
    values = value if isinstance(value, list) else [value]
    return field.type == "many2one" and any(isinstance(v, str) for v in values)


def predicate(field: FieldDef, op: str, value: Any) -> Callable[[Any], bool]:
    """A test of one row value (False/None = NULL) for one condition."""
    if field.type in X2MANY:
        return _x2many(op, value)
    if op in ("=", "!="):
        if field.type == "boolean":
            target = bool(value)
            return (lambda v: bool(v) == target) if op == "=" else (lambda v: bool(v) != target)
        if empty(value):
            test = _is_null(field)
        else:
            def test(v: Any) -> bool:
                return not empty(v) and v == value
        return test if op == "=" else (lambda v: not test(v))
    if op in ("in", "not in"):
        values = value if isinstance(value, list | tuple) else [value]
        if field.type == "boolean":
            wanted = {bool(v) for v in values}
            return (lambda v: bool(v) in wanted) if op == "in" else (lambda v: bool(v) not in wanted)
        null_ok, is_null = any(empty(v) for v in values), _is_null(field)
        keys = {v for v in values if not empty(v) and not isinstance(v, list | dict)}

        def member(v: Any) -> bool:
            return null_ok if is_null(v) else v in keys
        return member if op == "in" else (lambda v: not member(v))
    if op in _LIKE:
        return _like(field, op, value)
    if op in ("<", "<=", ">", ">="):
        return _compare(op, value)
    raise exc.builtin("ValueError", f"Invalid operator {op!r} for field {field.name!r}")


def _is_null(field: FieldDef) -> Callable[[Any], bool]:
    if field.type in TEXT:
        return lambda v: empty(v) or v == ""
    return empty


def _like(field: FieldDef, op: str, value: Any) -> Callable[[Any], bool]:
    template, nocase, negate = _LIKE[op]
    if empty(value):
        test = _is_null(field)
    else:
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in template.format(value))
        regex = re.compile(pattern, re.IGNORECASE | re.DOTALL if nocase else re.DOTALL)

        def test(v: Any) -> bool:
            return not empty(v) and regex.fullmatch(str(v)) is not None
    return (lambda v: not test(v)) if negate else test


def _compare(op: str, value: Any) -> Callable[[Any], bool]:
    compare = _COMPARE[op]

    def test(v: Any) -> bool:
        if empty(v) or empty(value):
            return False
        try:
            return bool(compare(v, value))
        except TypeError:
            return False
    return test


def _x2many(op: str, value: Any) -> Callable[[Any], bool]:
    values = value if isinstance(value, list | tuple) else [value]
    if op in ("=", "!=") and empty(value):
        return (lambda v: not v) if op == "=" else (lambda v: bool(v))
    keys = {v for v in values if isinstance(v, int)}
    if op in ("=", "in"):
        return lambda v: any(i in keys for i in v or ())
    if op in ("!=", "not in"):
        return lambda v: not any(i in keys for i in v or ())
    raise exc.builtin("ValueError", f"Invalid operator {op!r} for a one2many or many2many field")
