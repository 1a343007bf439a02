"""What the procurement platform buys: its product catalog, tax codes, cost centers, legal entity.

Data only, shared by the P2P scenario (`p2p.py`) and by whoever seeds the same products in an
Odoo sandbox, so an order line's `item_code` is an Odoo product `default_code`. Goods are
billed on received quantities (Odoo `purchase_method` "receive"), services on ordered ones
("purchase"). Units are UN/ECE codes: C62 (one piece) and KGM (kilogram). Prices are the
list prices in EUR, as Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

LEGAL_ENTITY = "ACME-DE"  # the buying company; routed to the Odoo sandbox's only company
TAX_PERCENT: dict[str, Decimal] = {"VAT19": Decimal(19), "VAT7": Decimal(7), "VAT0": Decimal(0)}
COST_CENTERS: dict[str, str] = {
    "CC-OPS": "Operations",
    "CC-ENG": "Engineering",
    "CC-SALES": "Sales",
    "CC-ADMIN": "Administration",
}


@dataclass(frozen=True)
class Product:
    """One catalog item, as an order line names it (`code`) and as Odoo should know it."""

    code: str  # procurement item_code = Odoo default_code
    name: str
    kind: Literal["goods", "service"]
    purchase_method: Literal["receive", "purchase"]  # what Odoo bills: received or ordered quantities
    uom: Literal["C62", "KGM"]
    tax_code: str  # a key of TAX_PERCENT
    list_price: Decimal  # EUR per one `uom`, before tax


def _goods(code: str, name: str, price: str, tax_code: str = "VAT19", uom: str = "C62") -> Product:
    return Product(code, name, "goods", "receive", uom, tax_code, Decimal(price))  # type: ignore[arg-type]


def _service(code: str, name: str, price: str) -> Product:
    return Product(code, name, "service", "purchase", "C62", "VAT19", Decimal(price))


PRODUCTS: tuple[Product, ...] = (
    _goods("OFM-CHAIR", "Office chair, ergonomic", "189.00"),
    _goods("OFM-DESK", "Height-adjustable desk", "420.00"),
    _goods("OFM-MONITOR", "Monitor 27 inch", "249.00"),
    _goods("OFM-LAPTOP", "Laptop 14 inch", "1150.00"),
    _goods("OFM-HEADSET", "Headset with microphone", "79.90"),
    _goods("OFM-TONER", "Toner cartridge, black", "64.50"),
    _goods("OFM-PAPER", "Copy paper A4, box of 5 reams", "24.00"),
    _goods("OFM-SCREWS", "Assorted screws", "12.80", uom="KGM"),
    _goods("OFM-COFFEE", "Coffee beans", "18.40", tax_code="VAT7", uom="KGM"),
    _goods("OFM-BOOK", "Technical handbook", "39.00", tax_code="VAT7"),
    _service("OFM-CLEANING", "Office cleaning, monthly", "950.00"),
    _service("OFM-IT-SUPPORT", "IT support, block of one hour", "85.00"),
    _service("OFM-TRAINING", "Training day, on site", "780.00"),
)
PRODUCTS_BY_CODE: dict[str, Product] = {product.code: product for product in PRODUCTS}
