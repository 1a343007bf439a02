"""The ORM methods callable from outside, their Python signatures, and argument binding.

A method is bound the way each protocol binds it: JSON-RPC's `execute_kw` like a Python call
(ids first for record methods, then positional, then keyword arguments: Python's TypeError
messages on a mismatch), JSON-2 like its controller (named arguments checked against the
signature: HTTP 422 on a mismatch, ids refused on `@api.model` methods).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.accounting import ACCOUNTING_METHODS, ACCOUNTING_MODEL_METHODS
from ofm.sandbox.odoo.mail import METHODS as MAIL_METHODS
from ofm.sandbox.odoo.orm import Env
from ofm.sandbox.odoo.purchase import PURCHASE_METHODS

Run = Callable[[Env, str, list[int], dict[str, Any]], Any]


@dataclass(frozen=True)
class Method:
    """One public method: parameters after `self`, and what running it does."""

    run: Run
    params: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    model_method: bool = False  # @api.model: no ids
    var_kw: bool = False
    writes: bool = False
    min_major: int = 0
    only: frozenset[str] | None = None


def _search_read(env: Env, model: str, _ids: list[int], a: dict[str, Any]) -> list[dict[str, Any]]:
    extra = {k: v for k, v in a.items() if k not in _METHOD_PARAMS["search_read"]}
    for name in extra:
        if name != "load":
            raise exc.builtin("TypeError", f"BaseModel._read_format() got an unexpected keyword argument '{name}'")
    ids = env.search(model, a["domain"], a["offset"], a["limit"], a["order"])
    return env.read(model, ids, a["fields"], extra.get("load", "_classic_read"))


def _check_access_rights(env: Env, model: str, _ids: list[int], a: dict[str, Any]) -> bool:
    return env.check_access(model, a["operation"], raise_exception=bool(a["raise_exception"]))


def _exists(env: Env, model: str, ids: list[int], _a: dict[str, Any]) -> list[int]:
    return [rid for rid in ids if rid in env.db[model]]


def _web_save_multi(env: Env, model: str, ids: list[int], a: dict[str, Any]) -> list[dict[str, Any]]:
    """web/models/models.py (Odoo 19): one `write` per record with its own values, then `web_read`."""
    if len(ids) != len(a["vals_list"]):
        raise exc.builtin("ValueError", "Each record must have a corresponding vals entry.")
    for rid, vals in zip(ids, a["vals_list"], strict=True):
        env.write(model, [rid], vals)
    fields = [f for f in a["specification"] if f != "id"]
    return [{"id": rid, **row} for rid, row in zip(ids, env.read(model, ids, fields), strict=True)] if fields \
        else [{"id": rid} for rid in ids]


def _name_create(env: Env, model: str, _ids: list[int], a: dict[str, Any]) -> list[Any]:
    rid = env.create(model, [{env.schema[model].rec_name: a["name"]}])[0]
    return [rid, env.display_name(model, rid)]


METHODS: dict[str, Method] = {
    "create": Method(lambda env, m, ids, a: env.create(m, a["vals_list"]), ("vals_list",), model_method=True,
                     writes=True),
    "write": Method(lambda env, m, ids, a: env.write(m, ids, a["vals"]), ("vals",), writes=True),
    "unlink": Method(lambda env, m, ids, a: env.unlink(m, ids), writes=True),
    "read": Method(lambda env, m, ids, a: env.read(m, ids, a["fields"], a["load"]), ("fields", "load"),
                   {"fields": None, "load": "_classic_read"}),
    "search": Method(lambda env, m, ids, a: env.search(m, a["domain"], a["offset"], a["limit"], a["order"]),
                     ("domain", "offset", "limit", "order"), {"offset": 0, "limit": None, "order": None},
                     model_method=True),
    "search_read": Method(_search_read, ("domain", "fields", "offset", "limit", "order"),
                          {"domain": None, "fields": None, "offset": 0, "limit": None, "order": None},
                          model_method=True, var_kw=True),
    "search_count": Method(lambda env, m, ids, a: env.search_count(m, a["domain"], a["limit"]), ("domain", "limit"),
                           {"limit": None}, model_method=True),
    "fields_get": Method(lambda env, m, ids, a: env.fields_get(m, a["allfields"], a["attributes"]),
                         ("allfields", "attributes"), {"allfields": None, "attributes": None}, model_method=True),
    "name_search": Method(lambda env, m, ids, a: env.name_search(m, a["name"], a["domain"], a["operator"], a["limit"]),
                          ("name", "domain", "operator", "limit"),
                          {"name": "", "domain": None, "operator": "ilike", "limit": 100}, model_method=True),
    "name_create": Method(_name_create, ("name",), model_method=True, writes=True),
    "default_get": Method(lambda env, m, ids, a: env.default_get(m, a["fields_list"]), ("fields_list",),
                          model_method=True),
    "exists": Method(_exists),
    "web_save_multi": Method(_web_save_multi, ("vals_list", "specification"), writes=True, min_major=19),
    "context_get": Method(lambda env, m, ids, a: {"lang": "en_US", "tz": "Europe/Brussels", "uid": env.uid},
                          model_method=True, only=frozenset({"res.users"})),
    "check_access_rights": Method(_check_access_rights, ("operation", "raise_exception"), {"raise_exception": True},
                                  model_method=True),
    "has_access": Method(lambda env, m, ids, a: env.check_access(m, a["operation"], raise_exception=False),
                         ("operation",), min_major=18),
    "check_access": Method(lambda env, m, ids, a: env.check_access(m, a["operation"]) and None, ("operation",),
                           min_major=18),
}
METHODS.update({name: Method(**spec) for name, spec in ACCOUNTING_METHODS.items()})
MODEL_METHODS: dict[tuple[str, str], Method] = {key: Method(**spec)
                                                for key, spec in {**PURCHASE_METHODS, **MAIL_METHODS,
                                                                             **ACCOUNTING_MODEL_METHODS}.items()}
_METHOD_PARAMS = {name: set(spec.params) for name, spec in METHODS.items()}


def resolve(model: str, name: str, major: int) -> Method:
    """The method, or Odoo's error for a private or unknown one."""
    if name.startswith("_"):
        raise exc.private_method(model, name)
    spec = MODEL_METHODS.get((model, name)) or METHODS.get(name)
    if spec is None or major < spec.min_major or (spec.only is not None and model not in spec.only):
        raise exc.unknown_method(model, name)
    return spec


def bind_positional(name: str, spec: Method, args: list[Any], kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(ids, arguments) of an `execute_kw` call; Python's own errors on a bad call."""
    qualname = f"BaseModel.{name}()"
    args = list(args)
    ids: Any = None
    if not spec.model_method:
        if not args:
            raise exc.builtin("IndexError", "list index out of range")  # odoo/service/model.py: args[0]
        ids, args = args[0], args[1:]
    if len(args) > len(spec.params):
        takes = len(spec.params) + 1
        required = takes - len(spec.defaults)
        span = f"{takes}" if required == takes else f"from {required} to {takes}"
        raise exc.builtin("TypeError", f"{qualname} takes {span} positional arguments but {len(args) + 1} were given")
    bound = dict(zip(spec.params, args, strict=False))
    for key, value in kwargs.items():
        if key in bound:
            raise exc.builtin("TypeError", f"{qualname} got multiple values for argument '{key}'")
        if key not in spec.params and not spec.var_kw:
            raise exc.builtin("TypeError", f"{qualname} got an unexpected keyword argument '{key}'")
        bound[key] = value
    missing = [p for p in spec.params if p not in bound and p not in spec.defaults]
    if missing:
        names = " and ".join(f"'{p}'" for p in missing)
        plural = "s" if len(missing) > 1 else ""
        raise exc.builtin("TypeError",
                          f"{qualname} missing {len(missing)} required positional argument{plural}: {names}")
    return ids, {**spec.defaults, **bound}


def bind_named(model: str, name: str, spec: Method, ids: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a JSON-2 call (its controller's `signature.bind` checks)."""
    if spec.model_method and ids:
        raise exc.werkzeug("UnprocessableEntity", 422, f"cannot call {model}.{name} with ids")
    for key in kwargs:
        if key not in spec.params and not spec.var_kw:
            raise exc.werkzeug("UnprocessableEntity", 422, f"got an unexpected keyword argument '{key}'")
    for param in spec.params:
        if param not in kwargs and param not in spec.defaults:
            raise exc.werkzeug("UnprocessableEntity", 422, f"missing a required argument: '{param}'")
    return {**spec.defaults, **kwargs}
