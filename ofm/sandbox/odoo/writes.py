"""create / write / unlink with the checks Odoo (and PostgreSQL behind it) would make.

In order: access rights, unknown fields (Python, before anything is written), value conversion
(bad selection, bad many2one type), then the "database" checks: NOT NULL, foreign keys, unique
and check constraints, and the models' own constraints (recursive partners). The caller runs a
whole call in one transaction, so an error anywhere leaves nothing behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo import mail
from ofm.sandbox.odoo.accounting import HOOKS as ACCOUNTING_HOOKS
from ofm.sandbox.odoo.accounting import unit
from ofm.sandbox.odoo.analytic import DISTRIBUTED, clean_distribution
from ofm.sandbox.odoo.analytic import HOOKS as ANALYTIC_HOOKS
from ofm.sandbox.odoo.commands import apply_x2many
from ofm.sandbox.odoo.partner_rules import clean_website, fix_vat, pretty_iban
from ofm.sandbox.odoo.purchase import HOOKS as PURCHASE_HOOKS
from ofm.sandbox.odoo.schema import X2MANY, ModelDef
from ofm.sandbox.odoo.values import empty, sanitize_account_number, to_row

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env



HOOKS = {**ACCOUNTING_HOOKS, **PURCHASE_HOOKS, **ANALYTIC_HOOKS}


class WriteMethods:
    """The writing half of `Env`."""

    def create(self: Env, model: str, vals_list: Any) -> list[int]:
        """Create one record per values dict; returns their ids in order."""
        with unit(self):
            if isinstance(vals_list, dict):
                vals_list = [vals_list]
            hooks = HOOKS.get(model)
            if hooks and hooks.prepare and isinstance(vals_list, list) and all(isinstance(v, dict) for v in vals_list):
                hooks.prepare(self, vals_list)  # what Odoo's create override does before the ORM checks anything
            self.check_access(model, "create")
            if not isinstance(vals_list, list) or not all(isinstance(v, dict) for v in vals_list):
                raise exc.builtin("TypeError", f"create() expects a dict or a list of dicts, got {vals_list!r}"[:300])
            mdef = self.schema[model]
            for vals in vals_list:
                for name in vals:
                    if name not in mdef.fields:
                        raise exc.invalid_field(model, name)
            defaults = self.context_defaults(model)
            return [self.create_one(model, {**defaults, **vals}) for vals in vals_list]

    def create_one(self: Env, model: str, vals: dict[str, Any]) -> int:
        """One record (also used for the `(0, 0, vals)` lines of a one2many)."""
        mdef = self.schema[model]
        hooks = HOOKS.get(model)
        vals = _before_create(self, model, dict(vals))
        if hooks and hooks.before_create:
            vals = hooks.before_create(self, vals)
        row: dict[str, Any] = dict(mdef.defaults)
        later = _assign(self, mdef, row, vals)
        now = self.now()
        row.update(create_uid=self.uid, create_date=now, write_uid=self.uid, write_date=now)
        if hooks and hooks.fill:
            hooks.fill(self, row, vals, None)
        self.check_row(mdef, row, None)
        rid = self.db[model].insert(row)
        for name, commands in later.items():
            apply_x2many(self, model, mdef.fields[name], rid, commands)
        if hooks and hooks.after_create:
            hooks.after_create(self, rid, vals)
        mail.after_create(self, model, rid)
        return rid

    def write(self: Env, model: str, ids: Any, vals: Any) -> bool:
        """Write the same values on every record of `ids`; a missing id is a MissingError."""
        with unit(self):
            self.check_access(model, "write")
            mdef = self.schema[model]
            ids = self.browse(model, ids)
            if not isinstance(vals, dict):
                raise exc.builtin("AttributeError", f"'{type(vals).__name__}' object has no attribute 'items'")
            for name in vals:
                if name not in mdef.fields:
                    raise exc.invalid_field(model, name)
            table = self.db[model]
            missing = [rid for rid in ids if rid not in table]
            if missing:
                raise exc.missing(model, missing, self.uid)
            hooks = HOOKS.get(model)
            vals = _before_write(model, dict(vals))
            if hooks and hooks.before_write:
                vals = hooks.before_write(self, ids, vals)
            for rid in ids:
                row = dict(table.rows[rid])
                later = _assign(self, mdef, row, vals)
                row.update(write_uid=self.uid, write_date=self.now())
                if hooks and hooks.fill:
                    hooks.fill(self, row, vals, table.rows[rid])
                self.check_row(mdef, row, rid)
                for name, value in row.items():
                    table.update(rid, name, value)
                for name, commands in later.items():
                    apply_x2many(self, model, mdef.fields[name], rid, commands)
            if hooks and hooks.after_write:
                hooks.after_write(self, ids, vals)
            return True

    def unlink(self: Env, model: str, ids: Any) -> bool:
        """Delete records (ids already gone are ignored, like Odoo); bank accounts are archived."""
        with unit(self):
            self.check_access(model, "unlink")
            table = self.db[model]
            ids = [rid for rid in self.browse(model, ids) if rid in table]
            if model == "res.partner.bank":  # Odoo 19 overrides unlink: a bank account is only archived
                for rid in ids:
                    table.update(rid, "active", False)
                return True
            hooks = HOOKS.get(model)
            if hooks and hooks.before_unlink:
                hooks.before_unlink(self, ids)
            mail.before_unlink(self, model, ids)
            for rid in ids:
                self.delete(model, rid)
            return True

    def delete(self: Env, model: str, rid: int) -> None:
        """Remove a row and apply every foreign key's ON DELETE to the rows that point at it."""
        if rid not in self.db[model]:
            return
        for other in self.schema.values():
            for field in other.fields.values():
                if field.relation != model or not field.stored:
                    continue
                refs = self.db[other.name]
                holders = sorted(refs.lookup(field.name, rid)) if field.name in refs.indexes else \
                    [i for i, r in refs.rows.items() if _points_at(r.get(field.name), rid)]
                for holder in holders:
                    if field.type == "many2many":
                        refs.update(holder, field.name, [i for i in refs.rows[holder][field.name] if i != rid])
                    elif field.on_delete == "cascade":
                        self.delete(other.name, holder)
                    elif field.on_delete == "set null":
                        refs.update(holder, field.name, False)
                    else:
                        raise exc.foreign_key(other, field)
        self.db[model].delete(rid)

    def context_defaults(self: Env, model: str) -> dict[str, Any]:
        """`default_<field>` keys of the context, for the fields the model has."""
        fields = self.schema[model].fields
        return {key[8:]: value for key, value in self.context.items()
                if key.startswith("default_") and key[8:] in fields}

    def check_row(self: Env, mdef: ModelDef, row: dict[str, Any], rid: int | None) -> None:
        """What PostgreSQL and the model's constraints would refuse in a row about to be saved."""
        for field in mdef.checked_fields:  # stored ones, less those set by the server (never dangling)
            value = row.get(field.name, False)
            if field.required and empty(value):
                raise exc.not_null(mdef, field)
            if field.type == "many2one" and not empty(value) and value not in self.db[field.relation or ""]:
                raise exc.foreign_key(mdef, field)
        _constraints(self, mdef, row, rid)


def _points_at(value: Any, rid: int) -> bool:
    return value == rid or (isinstance(value, list) and rid in value)


def _assign(env: Env, mdef: ModelDef, row: dict[str, Any], vals: dict[str, Any]) -> dict[str, Any]:
    """Put converted `vals` into `row`; returns the x2many commands to apply once the row exists."""
    later: dict[str, Any] = {}
    for name, value in vals.items():
        field = mdef.fields[name]
        if field.type in X2MANY:
            later[name] = value
        elif name == "analytic_distribution" and mdef.name in DISTRIBUTED:
            row[name] = clean_distribution(env, mdef.name, value)
        elif name == "company_type" and mdef.name == "res.partner":
            row["is_company"] = to_row(mdef.name, field, value) == "company"
        elif not field.compute:
            row[name] = to_row(mdef.name, field, value)
    if mdef.name == "res.partner":  # what base, account and base_vat do to the values (partner_rules.py)
        if "website" in vals:
            row["website"] = clean_website(row.get("website"))
        if "vat" in vals or "country_id" in vals or "parent_id" in vals:
            fix_vat(env, row)
    if mdef.name == "res.partner.bank" and "acc_number" in vals:
        row["acc_number"] = pretty_iban(row.get("acc_number"))
        row["sanitized_acc_number"] = sanitize_account_number(row.get("acc_number"))
    return later


def _before_create(env: Env, model: str, vals: dict[str, Any]) -> dict[str, Any]:
    """Per-model create logic: users and companies get a partner, bank numbers a sanitized twin."""
    if model in ("res.users", "res.company") and empty(vals.get("partner_id")):
        partner = {"name": vals.get("name") or vals.get("login"), "is_company": model == "res.company"}
        vals["partner_id"] = env.create_one("res.partner", {k: v for k, v in partner.items() if v})
    if model == "res.users":
        vals.setdefault("company_id", env.company_id())
        vals.setdefault("company_ids", [[6, 0, [vals["company_id"]]]])
    if model == "res.partner.bank":
        partner = env.db["res.partner"].get(vals.get("partner_id") or 0) if isinstance(vals.get("partner_id"), int) \
            else None
        if "acc_holder_name" not in vals and partner:
            vals["acc_holder_name"] = partner.get("name") or False
    return _before_write(model, vals)


def _before_write(model: str, vals: dict[str, Any]) -> dict[str, Any]:
    if model == "res.partner.bank" and "sanitized_acc_number" in vals:  # Odoo's _sanitize_vals
        vals["acc_number"] = vals.pop("sanitized_acc_number")
    return vals


def _constraints(env: Env, mdef: ModelDef, row: dict[str, Any], rid: int | None) -> None:
    if mdef.name == "res.partner":
        if row.get("type", "contact") == "contact" and empty(row.get("name")):
            raise exc.constraint("Contacts require a name")
        parent, seen = row.get("parent_id"), {rid}
        while parent:
            if parent in seen:
                raise exc.odoo("ValidationError", "You cannot create recursive Partner hierarchies.")
            seen.add(parent)
            parent = (env.db["res.partner"].get(parent) or {}).get("parent_id")
    elif mdef.name == "res.partner.bank":
        table = env.db["res.partner.bank"]
        number = row.get("sanitized_acc_number")
        twins = table.lookup("sanitized_acc_number", number) if number else set()
        if any(other != rid and table.rows[other].get("partner_id") == row.get("partner_id") for other in twins):
            raise exc.constraint("The combination Account Number/Partner must be unique.")
