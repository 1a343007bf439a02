"""The errors the sandbox answers with, worded like Odoo 19 (see odoo-contract/errors_jsonrpc, json2).

One exception type carries what both protocols need: the server-side exception class name
(`data.name` over JSON-RPC, `name` over JSON-2), the message, the `arguments` and the JSON-2
HTTP status. The builders below phrase the messages exactly as the captured server did, with
model and field names filled in the way Odoo fills them.
"""

from __future__ import annotations

from typing import Any

from ofm.sandbox.odoo.schema import FieldDef, ModelDef

# JSON-2 answers an exception with the status of its class (observed: 403, 404, 422, 500).
_JSON2_STATUS = {
    "odoo.exceptions.AccessError": 403,
    "odoo.exceptions.AccessDenied": 401,
    "odoo.exceptions.MissingError": 404,
    "odoo.exceptions.UserError": 422,
    "odoo.exceptions.ValidationError": 422,
}
_VERB = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}


class OdooException(Exception):
    """An exception raised "inside Odoo": becomes an error body, never a Python traceback."""

    def __init__(self, name: str, message: str, status: int | None = None,
                 arguments: list[Any] | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.status = status or _JSON2_STATUS.get(name, 500)
        self.arguments = arguments if arguments is not None else [message]

    def payload(self) -> dict[str, Any]:
        """`{name, message, arguments, context, debug}`: JSON-2's body, JSON-RPC's `error.data`."""
        short = self.name.removeprefix("builtins.")
        debug = ('Traceback (most recent call last):\n  File "odoo/sandbox.py", line 1, in dispatch\n'
                 f"{short}: {self.message}\n")
        return {"name": self.name, "message": self.message, "arguments": self.arguments, "context": {},
                "debug": debug}


def as_odoo(err: Exception) -> OdooException:
    """Any exception as Odoo reports it: a Python one becomes `builtins.<Class>` (HTTP 500 on JSON-2)."""
    if isinstance(err, OdooException):
        return err
    return builtin(type(err).__name__, str(err.args[0]) if len(err.args) == 1 else str(err))


def odoo(kind: str, message: str) -> OdooException:
    """`odoo.exceptions.<kind>` (UserError, ValidationError, AccessError, AccessDenied, MissingError)."""
    return OdooException(f"odoo.exceptions.{kind}", message)


def builtin(kind: str, message: str) -> OdooException:
    """A Python exception escaping Odoo (ValueError, TypeError, KeyError, ...): HTTP 500 on JSON-2."""
    return OdooException(f"builtins.{kind}", message)


def werkzeug(kind: str, status: int, message: str) -> OdooException:
    """An HTTP exception of the JSON-2 controller; its arguments carry the status too."""
    return OdooException(f"werkzeug.exceptions.{kind}", message, status, [message, status])


def access_denied() -> OdooException:
    return odoo("AccessDenied", "Access Denied")


def access_error(model: ModelDef, operation: str) -> OdooException:
    return odoo("AccessError", (
        f"You are not allowed to {_VERB[operation]} '{model.description}' ({model.name}) records.\n\n"
        f"This operation is allowed for the following groups:\n\t- {model.write_group}\n\n"
        "Contact your administrator to request access if necessary."))


def private_method(model: str, method: str) -> OdooException:
    return odoo("AccessError", f"Private methods (such as '{model}.{method}') cannot be called remotely.")


def unknown_method(model: str, method: str) -> OdooException:
    return builtin("AttributeError", f"The method '{model}.{method}' does not exist")


def unknown_model(model: str) -> OdooException:
    return odoo("UserError", f"Object {model} doesn't exist")


def missing(model: str, ids: list[int], uid: int) -> OdooException:
    return odoo("MissingError",
                f"Record does not exist or has been deleted.\n(Record: {model}{tuple(ids)!r}, User: {uid})")


def invalid_field(model: str, name: Any) -> OdooException:
    """An unknown field in create/write values."""
    return builtin("ValueError", f"Invalid field {name!r} in {model!r}")


def invalid_read_field(model: str, name: Any) -> OdooException:
    """An unknown field in `fields` or `order`."""
    return builtin("ValueError", f"Invalid field {name!r} on model {model!r}")


def wrong_value(model: str, name: str, value: Any) -> OdooException:
    """A selection key that does not exist, or a value a field cannot hold."""
    return builtin("ValueError", f"Wrong value for {model}.{name}: {value!r}")


def not_null(model: ModelDef, field: FieldDef) -> OdooException:
    return odoo("ValidationError", (
        f"The operation cannot be completed: Missing required value for the field '{field.string}' ({field.name}).\n"
        f"Model: '{model.description}' ({model.name})\n"
        "- create/update: a mandatory field is not set\n"
        "- delete: another model requires the record being deleted, you can archive it instead\n"))


def foreign_key(model: ModelDef, field: FieldDef) -> OdooException:
    """Both a many2one to a missing record and deleting a record still referenced (Odoo words them alike)."""
    return odoo("ValidationError", (
        "The operation cannot be completed: Another model is using the record you are trying to delete.\n\n"
        f"The troublemaker is: '{model.description}' ({model.name})\n"
        f"Thanks to the following constraint: '{field.string}' ({field.name})\n"
        "How about archiving the record instead?"))


def constraint(message: str) -> OdooException:
    """A violated SQL constraint that has a message (unique, check)."""
    return odoo("ValidationError", f"The operation cannot be completed: {message}")


def bad_integer(table: str, values: list[Any]) -> OdooException:
    """Ids that are not integers reach PostgreSQL, which refuses them (captured: read("notalist"))."""
    shown = ", ".join(repr(str(v)) for v in values[:2]) + (", ..." if len(values) > 2 else "")
    line = f'LINE 23: ..." FROM "{table}" WHERE "{table}"."id" IN ({shown}'
    caret = " " * line.index("(", line.index(" IN ")) + " ^"
    return OdooException("psycopg2.errors.InvalidTextRepresentation",
                         f'invalid input syntax for type integer: "{values[0]}"\n{line}\n{caret}\n')


def unknown_database(db: str) -> OdooException:
    return OdooException("psycopg2.OperationalError", (
        f'connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "{db}" does not exist\n'))
