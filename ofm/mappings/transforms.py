"""The fixed set of value transforms a mapping file may name: small, total, and None-safe.

A mapping declares *what* happens to a value (`transform: [strip, upper]`); anything more
clever belongs in code with a test, not in YAML. Every transform passes None through, so a
missing value stays missing and the `required` flag decides whether that is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compact(value: Any) -> Any:
    """All whitespace removed: VAT numbers and IBANs are printed in groups."""
    return "".join(value.split()) if isinstance(value, str) else value


def _vat(value: Any) -> Any:
    """A VAT number as Odoo stores it (`ofm.canonical.odoo_vat`): `be 0477.472.701` is
    `BE0477472701` in Odoo; sent as printed, the next read would find it changed and write it
    again, every run (seen on a real Odoo 19)."""
    from ofm.canonical.supplier import odoo_vat

    return odoo_vat(value) if isinstance(value, str) else value


def _url(value: Any) -> Any:
    """A website as Odoo stores it: `http://` put in front of an address without a scheme."""
    if not isinstance(value, str) or not value.strip() or "://" in value:
        return value
    return f"http://{value.strip()}"


def _int(value: Any) -> Any:
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"not a whole number: {value!r}")


def _str(value: Any) -> Any:
    """Numbers as text: a vendor code exported as 123 is still the code '123'."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not text or a number: {value!r}")
    return str(value)


def _none_if_empty(value: Any) -> Any:
    """An empty CSV cell (or a blank JSON string) means 'no value', not the value ''."""
    return None if isinstance(value, str) and not value.strip() else value


TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "strip": _strip,
    "upper": _upper,
    "lower": _lower,
    "compact": _compact,
    "vat": _vat,
    "url": _url,
    "int": _int,
    "str": _str,
    "none_if_empty": _none_if_empty,
}


def apply(names: Sequence[str], value: Any) -> Any:
    """Apply transforms in the declared order; a ValueError names the offending value."""
    for name in names:
        value = TRANSFORMS[name](value)
    return value
