"""The ledger-source API connector: the journal files sub-ledgers deliver (payroll, expenses, sales), by API.

`LedgerApiClient` lists the deliveries after a cursor (`iter_deliveries`) and downloads each as its sender
wrote it (`download`, checked against the listed size and sha256). Failures leave as `LedgerApiError` (one
line, never the token): `LedgerApiAuthError` for a refused token, `LedgerApiTransientError` for what was
retried and did not pass. No Prefect here: tasks wrap this package.
"""

from ofm.connectors.ledger.client import LedgerApiClient
from ofm.connectors.ledger.config import MAX_DELIVERY_BYTES, LedgerApiConfig
from ofm.connectors.ledger.errors import LedgerApiAuthError, LedgerApiError, LedgerApiTransientError
from ofm.connectors.ledger.models import Delivery, DeliveryPage

__all__ = ["MAX_DELIVERY_BYTES", "Delivery", "DeliveryPage", "LedgerApiAuthError", "LedgerApiClient",
           "LedgerApiConfig", "LedgerApiError", "LedgerApiTransientError"]
