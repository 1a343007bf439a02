"""A stand-in procurement platform: generated suppliers (dirty ones included) behind its REST API.

`generate_suppliers` makes the same realistic records for the same seed; `dirty_cases` says
which of them are wrong on purpose and how; `to_csv` writes them as a second system's CSV
export; `create_app` / `serve` put them behind the API the connector reads; an
`InProcessTransport` serves that app to the connector without a port. Demos and tests only.
"""

from ofm.sandbox.procurement.app import create_app, serve
from ofm.sandbox.procurement.csv_export import COLUMNS, to_csv
from ofm.sandbox.procurement.dirty import DIRTY_CASES, STATUS_CASES
from ofm.sandbox.procurement.feed import dirty_cases, generate_suppliers
from ofm.sandbox.procurement.platform_state import ProcurementPlatform
from ofm.sandbox.procurement.transport import InProcessTransport

__all__ = [
    "COLUMNS", "DIRTY_CASES", "STATUS_CASES", "InProcessTransport", "ProcurementPlatform", "create_app",
    "dirty_cases", "generate_suppliers", "serve", "to_csv",
]
