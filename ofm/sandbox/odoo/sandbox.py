"""The sandbox core: one in-memory Odoo database, its users, its faults, its call counter.

Synchronous and thread-safe (one lock, like a single-worker Odoo): the httpx transport calls it
directly and the ASGI app calls it from its event loop, so both serve the very same behaviour.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo import state
from ofm.sandbox.odoo.faults import FaultDice, Faults, proxy_page
from ofm.sandbox.odoo.methods import Method, bind_named, bind_positional, resolve
from ofm.sandbox.odoo.orm import Env
from ofm.sandbox.odoo.rpc import HTML, WireReply, WireRequest, route
from ofm.sandbox.odoo.schema import load_schema
from ofm.sandbox.odoo.seed import ADMIN_UID, INTEGRATION_LOGIN, INTEGRATION_UID, seed
from ofm.sandbox.odoo.table import Database

SUPERUSER_UID = 1


class OdooSandbox:
    """An Odoo stand-in: database `sandbox`, login `integration@example.com`, API key `api_key`."""

    db_name = "sandbox"
    login = INTEGRATION_LOGIN
    uid = INTEGRATION_UID

    # Always Odoo 19, names and protocols: the field names of other versions are the connector's dialect
    # (ofm/connectors/odoo/versions/), proven on real Odoo 18 and 19 servers, not imitated here.
    version = (19, 0)

    def __init__(self, state_file: Path | None = None, api_key: str = "sandbox-key",
                 company_iban: str | None = None,
                 modules: Iterable[str] = ()) -> None:
        """`company_iban`: give the company a bank account on journal BNK1 (none by default);
        `modules`: optional Odoo modules to emulate (data/modules.yaml), e.g. account_bank_statement_import."""
        self.state_file = Path(state_file) if state_file is not None else None
        self.api_key = api_key
        self.modules = tuple(sorted(set(modules)))
        self.schema = load_schema(self.modules)
        self.db = Database({name: tuple(m.index) + (("active",) if m.has_active else ())
                            for name, m in self.schema.items()})
        self.calls: Counter[tuple[str, str]] = Counter()
        self.requests = 0
        self._lock = threading.RLock()
        self._dice = FaultDice(Faults())
        with self.db.transaction():
            seed(self._env(SUPERUSER_UID, {}), company_iban)
        if self.state_file is not None and self.state_file.exists():
            state.load(self.db, self.state_file)

    # -- what tests and the CLI use ----------------------------------------------------------
    @property
    def faults(self) -> Faults:
        return self._dice.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        """A new setting restarts its request counter and its random sequence."""
        with self._lock:
            self._dice = FaultDice(faults)

    @property
    def injected(self) -> Counter[str]:
        """Faults injected since the current setting was assigned, per kind (\"429\", \"502\", \"503\", ...)."""
        return self._dice.injected

    @property
    def major(self) -> int:
        return self.version[0]

    @property
    def env(self) -> Env:
        """The ORM as the administrator (`env["res.partner"].rows` are the raw rows)."""
        return self._env(ADMIN_UID, {})

    def records(self, model: str, domain: list | None = None, fields: list[str] | None = None,
                active_test: bool = False) -> list[dict[str, Any]]:
        """Records as `search_read` returns them, archived ones included unless `active_test`."""
        with self._lock:
            env = self._env(ADMIN_UID, {"active_test": active_test})
            return env.read(model, env.search(model, domain or [], order="id"), fields)

    def create(self, model: str, vals_list: list[dict[str, Any]]) -> list[int]:
        """Seed records as the administrator (not counted as calls, never faulted)."""
        with self._lock:
            with self.db.transaction():
                ids = self._env(ADMIN_UID, {}).create(model, vals_list)
            self.save()
            return ids

    def call(self, model: str, method: str, ids: list[int] | None = None, **kwargs: Any) -> Any:
        """Call a public ORM method as the administrator (`action_post`, `reconcile`, ...; not counted,
        never faulted), with Odoo's argument checks; a failure raises `exceptions.OdooException`."""
        with self._lock:
            spec = resolve(model, method, self.major)
            bound = bind_named(model, method, spec, ids, kwargs)
            env = self._env(ADMIN_UID, {})
            with self.db.transaction():
                result = spec.run(env, model, [] if spec.model_method else env.browse(model, ids), bound)
            if spec.writes:
                self.save()
            return result

    def count(self, model: str | None = None, method: str | None = None) -> int:
        """Calls that reached the ORM, for a model and/or a method (None: any)."""
        return sum(n for (m, meth), n in self.calls.items()
                   if (model is None or m == model) and (method is None or meth == method))

    def save(self) -> None:
        """Write the state file now (no-op without one)."""
        if self.state_file is not None:
            with self._lock:
                state.save(self.db, self.state_file)

    # -- the HTTP core -------------------------------------------------------------------------
    def handle(self, request: WireRequest) -> WireReply:
        """Answer one request: faults first, then Odoo; a committed write's answer may be dropped."""
        with self._lock:
            self.requests += 1
            refused = self._dice.refusal()
            if refused is not None:
                code, text = refused
                headers = (("content-type", HTML), *((("retry-after", "1"),) if code == 429 else ()))
                return WireReply(code, headers, proxy_page(code, text))
            reply = route(self, request)
            if reply.wrote and self._dice.drop():
                return replace(reply, drop=True)
            return replace(reply, late=True) if self._dice.timeout() else reply

    def version_info(self) -> dict[str, Any]:
        serie = f"{self.version[0]}.{self.version[1]}"
        return {"server_version": serie, "server_version_info": [*self.version, 0, "final", 0, ""],
                "server_serie": serie, "protocol_version": 1}

    def uid_for_key(self, key: str) -> int | None:
        """The user of a JSON-2 bearer API key (only the integration user has one)."""
        return INTEGRATION_UID if key == self.api_key and self._active(INTEGRATION_UID) else None

    def dispatch_rpc(self, service: str, method: str, args: list[Any]) -> tuple[Any, bool]:
        """One `/jsonrpc` call: (result, whether a write was committed)."""
        if service == "common":
            if method == "version":
                return self.version_info(), False
            if method in ("authenticate", "login"):
                db, login, password = (args + [None] * 3)[:3]
                self.calls[("common", method)] += 1
                return self._authenticate(db, login, password), False
            raise exc.builtin("KeyError", f"exp_{method}")
        if service == "object":
            if method not in ("execute_kw", "execute"):
                raise exc.builtin("NameError", f"Method not available {method}")
            if len(args) < 5:
                raise exc.builtin("TypeError", f"{method}() missing required positional arguments")
            db, uid, password, model, name = args[:5]
            self._check_db(db)
            uid = int(uid)  # like odoo/service/model.py: a bad uid is a ValueError
            if not isinstance(password, str) or password not in self._passwords(uid) or not self._active(uid):
                raise exc.access_denied()
            positional, kwargs = (args[5] if len(args) > 5 else [], args[6] if len(args) > 6 else {}) \
                if method == "execute_kw" else (list(args[5:]), {})
            return self._execute_jsonrpc(uid, str(model), str(name), positional or [], kwargs or {})
        if service == "db" and method in ("list", "server_version"):
            return ([self.db_name] if method == "list" else self.version_info()["server_version"]), False
        raise exc.builtin("KeyError", service)

    def execute_json2(self, uid: int, model: str, name: str, body: dict[str, Any]) -> tuple[Any, bool]:
        """One `/json/2/<model>/<method>` call: (result, whether a write was committed)."""
        self.calls[(model, name)] += 1
        kwargs = dict(body)
        ids, context = kwargs.pop("ids", ()), kwargs.pop("context", None)
        if model not in self.schema:
            raise exc.werkzeug("NotFound", 404, f"the model {model!r} does not exist")
        try:
            spec = resolve(model, name, self.major)
        except exc.OdooException as err:
            if err.name == "builtins.AttributeError":
                raise exc.werkzeug("NotFound", 404, err.message) from None
            raise
        return self._run(uid, model, spec, ids, bind_named(model, name, spec, ids, kwargs), context), spec.writes

    # -- internals -----------------------------------------------------------------------------
    def _execute_jsonrpc(self, uid: int, model: str, name: str, args: Any, kwargs: Any) -> tuple[Any, bool]:
        self.calls[(model, name)] += 1
        if name.startswith("_"):
            raise exc.private_method(model, name)
        if model not in self.schema:
            raise exc.unknown_model(model)
        spec = resolve(model, name, self.major)
        kwargs = dict(kwargs) if isinstance(kwargs, dict) else {}
        context = kwargs.pop("context", None)
        ids, bound = bind_positional(name, spec, list(args) if isinstance(args, list) else [args], kwargs)
        result = self._run(uid, model, spec, ids, bound, context)
        if name == "create" and isinstance(bound["vals_list"], dict):
            result = result[0]  # create({...}) answers one id, create([{...}]) a list
        return result, spec.writes

    def _run(self, uid: int, model: str, spec: Method, ids: Any, bound: dict[str, Any], context: Any) -> Any:
        env = self._env(uid, context if isinstance(context, dict) else {})
        with self.db.transaction():
            result = spec.run(env, model, [] if spec.model_method else env.browse(model, ids), bound)
        if spec.writes:
            self.save()
        return result

    def _env(self, uid: int, context: dict[str, Any]) -> Env:
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return Env(self.db, self.schema, uid, admin=uid in (SUPERUSER_UID, ADMIN_UID), context=context,
                   now=lambda: now)

    def _check_db(self, db: Any) -> None:
        if db != self.db_name:
            raise exc.unknown_database(str(db))

    def _passwords(self, uid: int) -> set[str]:
        """The admin's password, or the integration user's API key (accepted as its password)."""
        return {ADMIN_UID: {"admin"}, INTEGRATION_UID: {self.api_key}}.get(uid, set())

    def _active(self, uid: int) -> bool:
        return bool((self.db["res.users"].get(uid) or {}).get("active"))

    def _authenticate(self, db: Any, login: Any, password: Any) -> int | bool:
        """`common.authenticate`: the uid, or `false` for a wrong login or password (not an error)."""
        self._check_db(db)
        for uid in self.db["res.users"].lookup("login", login) if isinstance(login, str) else ():
            if self._active(uid) and isinstance(password, str) and password in self._passwords(uid):
                return uid
        return False
