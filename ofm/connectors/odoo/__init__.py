"""The Odoo connector: one typed client over JSON-2 (Odoo >= 19) or JSON-RPC (older).

Failures leave as one of a small tree of error classes (transient / ambiguous / permanent /
auth), classified once in `classify.py`; retries are decided in `retry.py`. No Prefect here:
tasks wrap this client, the sandbox speaks the same wire protocol.
"""

from ofm.connectors.odoo.classify import CallContext, classify
from ofm.connectors.odoo.client import OdooClient
from ofm.connectors.odoo.config import OdooConfig, OdooVersion, RetryPolicy
from ofm.connectors.odoo.errors import (
    OdooAccessError,
    OdooAmbiguousError,
    OdooAuthError,
    OdooError,
    OdooMissingError,
    OdooPermanentError,
    OdooRequestError,
    OdooTransientError,
    OdooUserError,
    OdooValidationError,
)
from ofm.connectors.odoo.retry import READ_ONLY_METHODS, should_retry, sleep_time_seconds
from ofm.connectors.odoo.stats import CallStats

__all__ = [
    "READ_ONLY_METHODS", "CallContext", "CallStats", "OdooAccessError", "OdooAmbiguousError",
    "OdooAuthError", "OdooClient", "OdooConfig", "OdooError", "OdooMissingError", "OdooPermanentError",
    "OdooRequestError", "OdooTransientError", "OdooUserError", "OdooValidationError", "OdooVersion",
    "RetryPolicy", "classify", "should_retry", "sleep_time_seconds",
]
