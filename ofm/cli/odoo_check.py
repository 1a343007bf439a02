"""`ofm odoo check`: what each flow uses in Odoo, checked with the integration user.

What is checked is the table in `usage.yaml`; this module only asks the server, each thing once
whatever the number of flows using it: one `fields_get` per model (attributes `type` only: it also
proves the model is installed and readable), one access question per model and operation, asked of
Odoo itself (`ofm.connectors.odoo.access`; a missing right is named with the Odoo groups that grant it, from
the table's `grants`), and one probe per method.

A method is probed by calling it on no records with an argument it does not take: the server looks the
method up first (an unknown one answers "... does not exist"), then refuses the argument before running
anything (JSON-2 checks the signature, JSON-RPC's Python call raises TypeError); a method taking any
keyword (message_post) runs on an empty recordset and stops at its first check. Nothing is written.

The table names fields as Odoo 19 does; on another version each is checked under that version's name
(the connector's dialect, ofm/connectors/odoo/versions/), and a missing one is named both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ofm.connectors.odoo.access import has_access
from ofm.connectors.odoo.usage import OdooUsage, load_usage

if TYPE_CHECKING:
    from ofm.connectors.odoo.dialect import Dialect

PROBE_ARGUMENT = "ofm_check_probe"
UOM = "uom.uom"   # its conversion fields are the dialect's (`unit_fields`), not a rename


@dataclass
class CheckReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def bad(self, line: str) -> None:
        self.ok = False
        self.lines.append(f"  MISSING  {line}")


@dataclass
class Findings:
    """What the server answered, per model, (model, operation) and (model, method)."""

    fields: dict[str, set[str] | None] = field(default_factory=dict)  # None: model missing or unreadable
    access: dict[tuple[str, str], bool] = field(default_factory=dict)
    methods: dict[tuple[str, str], bool] = field(default_factory=dict)


def check_odoo(flow: str | None = None, usage: OdooUsage | None = None) -> CheckReport:
    """Connect with the configured credentials; report, per flow, ok or each missing item by name.

    Raises SettingsError (one line naming the variable) when an Odoo setting is missing or invalid,
    KeyError when `flow` is not in the table."""
    from ofm.connectors.odoo import OdooAuthError, OdooError
    from ofm.tasks.shared.resources import current_settings, resources

    usage = usage or load_usage()
    flows = usage.expand(flow)
    current_settings().require("odoo")
    report = CheckReport()
    try:
        odoo = resources().odoo
        version = odoo.version
        dialect = odoo.dialect
        report.lines.append(f"Odoo {'.'.join(str(v) for v in version.raw[:2])} at {odoo.config.url} "
                            f"(db {odoo.config.db}), protocol {odoo.protocol}, user id {odoo.uid}, "
                            f"field names of Odoo {dialect.major}")
        if not dialect.exact:
            report.lines.append(f"  WARNING  no field table for Odoo {version.major}: using Odoo {dialect.major}'s, "
                                f"which no test has run on Odoo {version.major}; every field below is checked")
    except OdooAuthError as exc:
        report.bad(f"authentication: {exc}")
        return report
    except OdooError as exc:
        report.bad(f"connection: {exc}")
        return report
    found = _ask(odoo, usage, flows)
    for name in flows:
        missing = _missing(usage, name, found, dialect)
        if missing:
            report.ok = False
            report.lines.append(f"  MISSING  {name}: {len(missing)} item(s)")
            report.lines += [f"             {item}" for item in missing]
        else:
            models = usage.flows[name]
            report.lines.append(f"  ok       {name}: {len(models)} models, "
                                f"{sum(len(u.fields) for u in models.values())} fields, "
                                f"{sum(len(u.methods) for u in models.values())} methods, "
                                f"{sum(len(u.access) for u in models.values())} access rights")
    return report


def _ask(odoo, usage: OdooUsage, flows: list[str]) -> Findings:
    """Each model, right and method the flows use, asked once."""
    found = Findings()
    uses = [(model, use) for name in flows for model, use in usage.flows[name].items()]
    for model in sorted({model for model, _ in uses}):
        found.fields[model] = _fields(odoo, model)
    for model, use in uses:
        if found.fields[model] is None:
            continue
        for operation in use.access:
            if (model, operation) not in found.access:
                found.access[(model, operation)] = has_access(odoo, model, operation)
        for method in use.methods:
            if (model, method) not in found.methods:
                found.methods[(model, method)] = _has_method(odoo, model, method)
    return found


def _missing(usage: OdooUsage, flow: str, found: Findings, dialect: Dialect) -> list[str]:
    """The flow's missing items, by name (a field under this version's name too, where it differs)."""
    out: list[str] = []
    for model, use in usage.flows[flow].items():
        fields = found.fields[model]
        if fields is None:
            out.append(f"model {model}: install the '{usage.modules[model]}' module (or grant read access)")
            continue
        names = [*use.fields, *(n for n in dialect.unit_fields if n not in use.fields)] if model == UOM \
            else list(use.fields)
        out += [f"field {dialect.describe(model, name)}" for name in names if name not in fields]
        out += [f"access {op} on {model} for the integration user{_granted_by(usage, model, op)}"
                for op in use.access if not found.access[(model, op)]]
        out += [f"method {model}.{m}" for m in use.methods if not found.methods[(model, m)]]
    return out


def _granted_by(usage: OdooUsage, model: str, operation: str) -> str:
    groups = usage.groups(model, operation)
    return f" (Odoo group {' or '.join(groups)})" if groups else ""


def _fields(odoo, model: str) -> set[str] | None:
    from ofm.connectors.odoo import OdooError, OdooTransientError

    try:
        return set(odoo.fields_get(model, attributes=("type",)))
    except OdooTransientError:
        raise
    except OdooError:
        return None


def _has_method(odoo, model: str, method: str) -> bool:
    """True unless the server says the public method does not exist (see the module docstring)."""
    from ofm.connectors.odoo import OdooError, OdooTransientError

    try:
        odoo.call(model, method, ids=[], kwargs={PROBE_ARGUMENT: True}, retry=False)
    except OdooTransientError:
        raise
    except OdooError as exc:
        text = exc.server_message
        return not ("does not exist" in text and method in text)
    return True
