"""UBL 2.1 intake: Peppol BIS Billing 3.0 invoices and credit notes read into `VendorBill`.

    bill = parse_ubl_file("invoice.xml")            # or parse_ubl_invoice(data, name)

A document is all-or-nothing: anything unreadable raises `UblError(file, position, reason)`.
"""

from ofm.connectors.ubl.errors import UblError
from ofm.connectors.ubl.invoice import DEFAULT_MAX_BYTES, parse_ubl_file, parse_ubl_invoice

__all__ = ["DEFAULT_MAX_BYTES", "UblError", "parse_ubl_file", "parse_ubl_invoice"]
