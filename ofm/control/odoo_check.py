"""`ofm odoo check`: what an integration needs from Odoo, checked with the integration user.

Modules are probed through the models they bring (fields_get works for any user with read
access, unlike reading ir.module.module). Access rights are asked of Odoo itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# model -> (module that brings it, operations the integration needs)
REQUIRED: dict[str, tuple[str, tuple[str, ...]]] = {
    "res.partner": ("base", ("read", "create", "write")),
    "res.partner.bank": ("base", ("read", "create")),
    "res.country": ("base", ("read",)),
    "res.currency": ("base", ("read",)),
    "account.payment.term": ("account", ("read",)),
    # bank reconciliation
    "account.journal": ("account", ("read",)),
    "account.account": ("account", ("read",)),
    "account.move": ("account", ("read", "create")),
    "account.move.line": ("account", ("read", "write")),
    "account.bank.statement.line": ("account", ("read", "create")),
}


@dataclass
class CheckReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def bad(self, line: str) -> None:
        self.ok = False
        self.lines.append(f"  MISSING  {line}")


def check_odoo() -> CheckReport:
    """Connect with the configured credentials and report what is there and what is missing."""
    from ofm.connectors.odoo import OdooAuthError, OdooError
    from ofm.tasks.resources import resources

    report = CheckReport()
    try:
        odoo = resources().odoo
        version = odoo.version
        report.lines.append(f"Odoo {'.'.join(str(v) for v in version.raw[:2])} at {odoo.config.url} "
                            f"(db {odoo.config.db}), protocol {odoo.protocol}, user id {odoo.uid}")
    except OdooAuthError as exc:
        report.bad(f"authentication: {exc}")
        return report
    except OdooError as exc:
        report.bad(f"connection: {exc}")
        return report
    for model, (module, operations) in REQUIRED.items():
        try:
            odoo.fields_get(model, attributes=("type",))
        except OdooError:
            report.bad(f"model {model}: install the '{module}' module (or grant read access)")
            continue
        for operation in operations:
            if not _has_access(odoo, model, operation):
                report.bad(f"access: {operation} on {model} for the integration user")
    if report.ok:
        report.lines.append("  ok  every model and access right supplier onboarding and bank reconciliation need")
    return report


def _has_access(odoo, model: str, operation: str) -> bool:
    """`has_access` on Odoo >= 18, `check_access_rights` before."""
    from ofm.connectors.odoo import OdooError

    try:
        if odoo.version.major >= 18:
            # a record method: over JSON-RPC Odoo reads the first argument as ids, so send none
            return bool(odoo.call(model, "has_access", ids=[], kwargs={"operation": operation}))
        return bool(odoo.call(model, "check_access_rights", args=[operation],
                              kwargs={"raise_exception": False}))
    except OdooError:
        return False
