"""Mapping specs: what a validated mapping file says, as frozen values the engine applies.

The YAML schema lives here as data classes; `ofm.mappings.loader` reads and validates files
into them. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from ofm.canonical import Address, BankAccount, Contact, Supplier
from ofm.mappings.transforms import TRANSFORMS

OBJECTS: dict[str, type[BaseModel]] = {"supplier": Supplier}
LIST_MODELS: dict[str, type[BaseModel]] = {"addresses": Address, "contacts": Contact, "bank_accounts": BankAccount}
# Set from id_field / revision_field / status / payment_terms / the caller's lineage, not from `fields:`.
RESERVED = {"source_ref": "id_field", "revision": "revision_field", "status": "status",
            "payment_terms_code": "payment_terms", "lineage": "(set by the engine)"}
# res.partner fields `ofm.rules.supplier_decision.partner_vals` can produce, and the canonical field
# each is filled from (None: a constant). Owning a field whose source is not mapped would clear
# Odoo's value on every update, so the loader refuses it. A test keeps the keys equal to
# partner_vals' own.
OWNABLE_PARTNER_FIELDS: dict[str, str | None] = {
    "name": "legal_name", "vat": "vat", "ref": "vendor_code", "email": "email", "phone": "phone",
    "website": "website", "street": "addresses.street", "street2": "addresses.street2",
    "city": "addresses.city", "zip": "addresses.postal_code", "country_id": "country",
    "property_supplier_payment_term_id": "payment_terms_code", "property_purchase_currency_id": "currency",
    "supplier_rank": None, "is_company": None, "active": "status",
}


class MappingError(ValueError):
    """A mapping file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class FieldRule:
    """One canonical field read from one source path, with transforms applied in order."""

    target: str
    source: str
    required: bool = False
    transforms: tuple[str, ...] = ()
    path: tuple[str, ...] = field(init=False, repr=False, compare=False)
    functions: tuple[Callable[[Any], Any], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", tuple(self.source.split(".")))
        object.__setattr__(self, "functions", tuple(TRANSFORMS[name] for name in self.transforms))


@dataclass(frozen=True)
class ListRule:
    """A list field: `each` element of a source list, or a `single` element built from columns."""

    target: str
    source: str | None  # the source list (each); None when built from flat columns (single)
    fields: tuple[FieldRule, ...]
    key: tuple[str, ...] = ()  # canonical sub-fields; an element without any of them is skipped

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.source.split(".")) if self.source else ()


@dataclass(frozen=True)
class CodeMap:
    """A source code translated through a closed table; an unknown code is a failure."""

    source: str
    values: MappingProxyType[str, str]

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.source.split("."))


@dataclass(frozen=True)
class Ownership:
    """res.partner fields this source owns (may write) and must never write."""

    owned: tuple[str, ...]
    never: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class MappingSpec:
    """A validated mapping: how one source system's records become canonical objects."""

    path: Path
    source: str
    object: str
    id_field: str
    revision_field: str | None
    anchors: tuple[str, ...]
    fields: tuple[FieldRule, ...]
    lists: tuple[ListRule, ...]
    status: CodeMap
    payment_terms: CodeMap | None
    ownership: Ownership

    @property
    def status_map(self) -> MappingProxyType[str, str]:
        return self.status.values

    @property
    def payment_terms_map(self) -> MappingProxyType[str, str]:
        return self.payment_terms.values if self.payment_terms else MappingProxyType({})
