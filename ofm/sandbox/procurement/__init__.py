"""A stand-in procurement platform: generated suppliers (dirty ones included) and a procure-to-pay
story (orders, receipts, invoices, one case each) behind its REST API.

`generate_suppliers` makes the same realistic records for the same seed; `dirty_cases` says
which of them are wrong on purpose and how; `to_csv` writes them as a second system's CSV
export; `CASES` names the P2P documents of each situation (`p2p.py`) over the catalog in
`products.py`; `write_export` writes a day's documents as a JSON file drop and
`write_ubl_invoice` an invoice as Peppol UBL; `create_app` / `serve` put it all behind the API
the connector reads; an `InProcessTransport` serves that app to the connector without a port.
Demos and tests only.
"""

from ofm.sandbox.procurement.app import create_app, serve
from ofm.sandbox.procurement.csv_export import COLUMNS, to_csv
from ofm.sandbox.procurement.dirty import DIRTY_CASES, STATUS_CASES
from ofm.sandbox.procurement.exports import write_export
from ofm.sandbox.procurement.feed import dirty_cases, generate_suppliers
from ofm.sandbox.procurement.p2p import CASES, Case
from ofm.sandbox.procurement.platform_state import ProcurementPlatform
from ofm.sandbox.procurement.products import (
    COST_CENTERS,
    LEGAL_ENTITY,
    PRODUCTS,
    PRODUCTS_BY_CODE,
    TAX_PERCENT,
    Product,
)
from ofm.sandbox.procurement.transport import InProcessTransport
from ofm.sandbox.procurement.ubl_writer import write_ubl_invoice

__all__ = [
    "CASES", "COLUMNS", "COST_CENTERS", "DIRTY_CASES", "LEGAL_ENTITY", "PRODUCTS", "PRODUCTS_BY_CODE",
    "STATUS_CASES", "TAX_PERCENT", "Case", "InProcessTransport", "ProcurementPlatform", "Product", "create_app",
    "dirty_cases", "generate_suppliers", "serve", "to_csv", "write_export", "write_ubl_invoice",
]
