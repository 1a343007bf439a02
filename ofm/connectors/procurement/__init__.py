"""The procurement platform connector: suppliers from its REST API or from a file drop.

`ProcurementClient` reads suppliers changed since a watermark (page or cursor pagination) and
posts acknowledgements back; `read_supplier_file` reads a JSON/CSV export. Failures leave as
`ProcurementError` (one line, never the token). No Prefect here: tasks wrap this package.
"""

from ofm.connectors.procurement.client import ProcurementClient, latest_updated_at
from ofm.connectors.procurement.config import ProcurementConfig
from ofm.connectors.procurement.errors import ProcurementAuthError, ProcurementError, ProcurementTransientError
from ofm.connectors.procurement.files import MAX_FILE_BYTES, read_supplier_file
from ofm.connectors.procurement.models import ACK_STATUSES, Acknowledgement, Page, SupplierFile

__all__ = [
    "ACK_STATUSES", "MAX_FILE_BYTES", "Acknowledgement", "Page", "ProcurementAuthError", "ProcurementClient",
    "ProcurementConfig", "ProcurementError", "ProcurementTransientError", "SupplierFile", "latest_updated_at",
    "read_supplier_file",
]
