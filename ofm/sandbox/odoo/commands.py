"""one2many / many2many commands, as `Command` sends them: `[0, 0, vals]` create, `[1, id, vals]`
update, `[2, id]` delete, `[3, id]` unlink, `[4, id]` link, `[5]` clear, `[6, 0, ids]` set.

A bare list of ids means "set". On a one2many, unlinking a record whose inverse many2one is
`ondelete='cascade'` deletes it (Odoo's rule); otherwise it only clears the inverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ofm.sandbox.odoo import exceptions as exc
from ofm.sandbox.odoo.schema import FieldDef

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env


def apply_x2many(env: Env, model: str, field: FieldDef, rid: int, value: Any) -> None:
    """Apply the commands written to `field` of record `rid` of `model` (which exists already)."""
    commands = _commands(model, field, value)
    if field.type == "one2many":
        for command in commands:
            _one2many(env, field, rid, command)
    else:
        for command in commands:
            _many2many(env, model, field, rid, command)


def _commands(model: str, field: FieldDef, value: Any) -> list[list[Any]]:
    if value is None or value is False:
        return [[5]]
    if isinstance(value, list | tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return [[6, 0, list(value)]]
    if isinstance(value, list | tuple) and all(_is_command(c) for c in value):
        return [list(c) for c in value]
    raise exc.wrong_value(model, field.name, value)


def _is_command(command: Any) -> bool:
    if not isinstance(command, list | tuple) or not command or command[0] not in range(7):
        return False
    needs = {0: 3, 1: 3, 2: 2, 3: 2, 4: 2, 5: 1, 6: 3}[command[0]]
    return len(command) >= needs


def _check_names(env: Env, model: str, vals: Any) -> dict[str, Any]:
    if not isinstance(vals, dict):
        raise exc.builtin("TypeError", f"values must be a dict, got {vals!r}"[:200])
    for name in vals:
        if name not in env.schema[model].fields:
            raise exc.invalid_field(model, name)
    return vals


def _one2many(env: Env, field: FieldDef, rid: int, command: list[Any]) -> None:
    comodel, inverse = field.relation or "", field.inverse or ""
    code = command[0]

    def detach(child: int) -> None:
        if env.schema[comodel].fields[inverse].on_delete == "cascade":
            env.unlink(comodel, [child])
        else:
            env.write(comodel, [child], {inverse: False})

    if code == 0:
        env.check_access(comodel, "create")
        env.create_one(comodel, {**_check_names(env, comodel, command[2]), inverse: rid})
    elif code == 1:
        env.write(comodel, [command[1]], _check_names(env, comodel, command[2]))
    elif code == 2:
        env.unlink(comodel, [command[1]])
    elif code == 3:
        detach(command[1])
    elif code == 4:
        env.write(comodel, [command[1]], {inverse: rid})
    elif code == 5:
        for child in env.children(comodel, inverse, rid):
            detach(child)
    else:
        keep = env.browse(comodel, command[2])
        for child in env.children(comodel, inverse, rid):
            if child not in keep:
                detach(child)
        if keep:
            env.write(comodel, keep, {inverse: rid})


def _many2many(env: Env, model: str, field: FieldDef, rid: int, command: list[Any]) -> None:
    comodel = field.relation or ""
    table = env.db[model]
    current = list(table.rows[rid].get(field.name) or [])
    code = command[0]
    if code == 0:
        env.check_access(comodel, "create")
        current.append(env.create_one(comodel, _check_names(env, comodel, command[2])))
    elif code == 1:
        env.write(comodel, [command[1]], _check_names(env, comodel, command[2]))
    elif code == 2:
        env.unlink(comodel, [command[1]])
        current = [i for i in current if i != command[1]]
    elif code == 3:
        current = [i for i in current if i != command[1]]
    elif code == 4:
        current = current if command[1] in current else [*current, command[1]]
    elif code == 5:
        current = []
    else:
        current = env.browse(comodel, command[2])
    if any(i not in env.db[comodel] for i in current):
        raise exc.foreign_key(env.schema[model], field)
    table.update(rid, field.name, current)
