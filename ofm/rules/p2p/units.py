"""Units of measure as Odoo holds them, and quantities converted between them.

Odoo 19 has no unit categories: every `uom.uom` has an absolute `factor` (its size in the reference
unit at the root of its tree: g = 1, kg = 1000, t = 1 000 000; Units = 1, Dozens = 12) and a
`parent_path` ("15/16/" for kg under g). Odoo 18 groups units in categories, each with a reference
unit, and `factor_inv` is a unit's size in it (kg = 1, g = 0.001). Either way Odoo converts with
`qty * from.size / to.size` (uom.uom._compute_quantity) and keeps quantities to `rounding` (the
"Product Unit" precision, 0.01 by default); which fields hold root and size is the server's dialect
(ofm/connectors/odoo/dialect.py). Two units convert only when they share a root: kg into g, never kg
into Units.
A procurement document names its unit by UN/ECE rec. 20 code (C62, KGM, GRM), mapped to the Odoo
unit's name by the procure-to-pay policy (`units:`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


@dataclass(frozen=True)
class Unit:
    """One uom.uom: its id and name, its size in its root unit, the precision Odoo keeps."""

    id: int
    name: str
    factor: Decimal
    rounding: Decimal = Decimal("0.01")
    root: str = ""            # units of one root (19: tree, 18: category) convert into each other

    @classmethod
    def from_odoo(cls, row: dict[str, Any], root: str, size: float) -> Unit:
        """A unit read with the dialect's `unit_fields`; `root` and `size` from its `unit_size(row)`."""
        return cls(id=int(row["id"]), name=str(row["name"]), factor=Decimal(str(size)),
                   rounding=Decimal(str(row.get("rounding") or "0.01")), root=root)

    def converts_to(self, other: Unit) -> bool:
        return self.id == other.id or self.root == other.root

    def to(self, qty: Decimal, other: Unit) -> Decimal:
        """`qty` of this unit in `other`, exact (no rounding)."""
        return qty if self.id == other.id else qty * self.factor / other.factor

    def round(self, qty: Decimal) -> Decimal:
        """`qty` kept to this unit's precision, as Odoo stores it (half up)."""
        return qty.quantize(self.rounding.normalize(), rounding=ROUND_HALF_UP) if self.rounding > 0 else qty


@dataclass(frozen=True)
class ReceiptUnits:
    """What the receipt decision needs to convert: the policy's codes resolved to Odoo units, the units
    by id, and each order line's unit (purchase.order.line `product_uom_id`)."""

    codes: dict[str, Unit | None] = field(default_factory=dict)   # policy code -> unit (None: not in Odoo)
    by_id: dict[int, Unit] = field(default_factory=dict)
    line_unit: dict[int, int] = field(default_factory=dict)       # purchase.order.line id -> uom.uom id

    def of_line(self, line_id: int) -> Unit | None:
        uom = self.line_unit.get(line_id)
        return self.by_id.get(uom) if uom is not None else None
