"""The procurement platform connector: suppliers and P2P documents from its REST API or a file drop.

`ProcurementClient` reads records of a kind (suppliers, purchase orders, receipts, invoices)
changed since a watermark (page or cursor pagination) and posts acknowledgements back;
`read_supplier_file` reads a supplier JSON/CSV export, `read_export_file` a JSON export of any
kind. API failures leave as `ProcurementError` (one line, never the token), unreadable export
files as `FileFormatError`. No Prefect here: tasks wrap this package.
"""

from ofm.connectors.file_errors import FileFormatError
from ofm.connectors.procurement.client import KINDS, ProcurementClient, latest_updated_at
from ofm.connectors.procurement.config import ProcurementConfig
from ofm.connectors.procurement.errors import ProcurementAuthError, ProcurementError, ProcurementTransientError
from ofm.connectors.procurement.files import MAX_FILE_BYTES, read_export_file, read_supplier_file
from ofm.connectors.procurement.models import (
    ACK_STATUSES,
    ACK_STATUSES_BY_KIND,
    ALL_ACK_STATUSES,
    Acknowledgement,
    Page,
    SupplierFile,
)

__all__ = [
    "ACK_STATUSES", "ACK_STATUSES_BY_KIND", "ALL_ACK_STATUSES", "KINDS", "MAX_FILE_BYTES", "Acknowledgement",
    "FileFormatError", "Page", "ProcurementAuthError", "ProcurementClient", "ProcurementConfig", "ProcurementError",
    "ProcurementTransientError", "SupplierFile", "latest_updated_at", "read_export_file", "read_supplier_file",
]
