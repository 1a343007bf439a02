"""The CSV export of a second system (mapping `procurement/supplier_csv`), made from API records.

One row per supplier: its first address and first bank account only, states and payment
terms in that system's own codes, an empty cell for no value.
"""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = ("supplier_no", "revision", "name", "vat_number", "vendor_ref", "country_code", "currency", "terms",
           "state", "email", "phone", "street", "street2", "zip", "city", "iban", "bic", "account_holder")
STATES = {"approved": "active", "pending_approval": "pending", "blocked": "blocked", "inactive": "inactive"}
TERMS = {"IMMEDIATE": "0", "NET15": "15", "NET30": "30", "NET45": "45", "EOM": "EOM", "NET90": "90", "NET99": "99"}


def to_row(record: dict[str, Any]) -> dict[str, Any]:
    """One API record as a row of the export (None where the export has no value)."""
    address = (record.get("addresses") or [{}])[0]
    bank = (record.get("bank_accounts") or [{}])[0]
    status, terms = record.get("status"), record.get("payment_terms")
    return {
        "supplier_no": record.get("id"), "revision": record.get("revision"), "name": record.get("legal_name"),
        "vat_number": record.get("tax_id"), "vendor_ref": record.get("vendor_code"),
        "country_code": record.get("country"), "currency": record.get("currency"),
        "terms": TERMS.get(terms, terms), "state": STATES.get(status, status),
        "email": record.get("email"), "phone": record.get("phone"),
        "street": address.get("line1"), "street2": address.get("line2"), "zip": address.get("postal_code"),
        "city": address.get("city"), "iban": bank.get("iban"), "bic": bank.get("bic"),
        "account_holder": bank.get("holder"),
    }


def to_csv(records: list[dict[str, Any]]) -> str:
    """The export as text: header, then one row per record (comma-separated, UTF-8 without BOM)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: "" if value is None else value for key, value in to_row(record).items()})
    return out.getvalue()
