"""Raw source records in the shapes of INTERFACES.md, and valid VAT numbers and IBANs to fill them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from schwifty import IBAN
from stdnum.iso7064 import mod_11_10

from ofm.canonical import Lineage

CSV_COLUMNS = ["supplier_no", "revision", "name", "vat_number", "vendor_ref", "country_code", "currency", "terms",
               "state", "email", "phone", "street", "street2", "zip", "city", "iban", "bic", "account_holder"]
ODOO_TERMS = {"Immediate Payment", "15 Days", "21 Days", "30 Days", "45 Days", "End of Following Month"}
REFERENCES = {
    "countries": {"DE", "FR", "AT", "NL", "GR", "GB", "CH", "NO", "US", "SE", "DK", "PL", "CZ"},
    "currencies": {"EUR", "USD", "GBP", "CHF", "SEK", "DKK", "PLN"},  # CZK exists but is inactive
    "payment_terms": ODOO_TERMS,
}


def vat_de(n: int) -> str:
    """A German VAT number with a correct check digit (ISO 7064 mod 11,10), distinct per n."""
    base = f"{10_000_000 + n}"
    return f"DE{base}{mod_11_10.calc_check_digit(base)}"


def iban_de(n: int) -> str:
    """A valid German IBAN, distinct per n."""
    return str(IBAN.generate("DE", bank_code="37040044", account_code=str(1_000 + n)))


def api_record(n: int = 1, **over: Any) -> dict[str, Any]:
    """A clean procurement API supplier; keyword arguments replace top-level keys."""
    record = {
        "id": f"SUP-{n:06d}", "revision": 1, "updated_at": "2026-11-01T08:00:00Z", "status": "approved",
        "legal_name": f"Müller Feinmechanik {n} GmbH", "tax_id": vat_de(n), "vendor_code": f"V-{n:05d}",
        "country": "DE", "currency": "EUR", "payment_terms": "NET30",
        "email": f"ap{n}@mueller.example", "phone": "+49 30 1234567", "website": "https://mueller.example",
        "addresses": [{"type": "remit_to", "line1": "Hauptstr. 5", "line2": None, "city": "Berlin",
                       "postal_code": "10115", "region": None, "country": "DE"}],
        "contacts": [{"name": "Anna Schmidt", "email": "anna@mueller.example", "phone": None,
                      "role": "accounts_receivable"}],
        "bank_accounts": [{"iban": iban_de(n), "bic": "COBADEFFXXX", "holder": f"Müller Feinmechanik {n} GmbH",
                           "currency": "EUR"}],
    }
    record = copy.deepcopy(record)
    record.update(over)
    return record


def csv_row(n: int = 1, **over: str) -> dict[str, str]:
    """A clean CSV row (every cell a string, empty cell = no value); keyword arguments replace cells."""
    row = {
        "supplier_no": f"ERP-{n:05d}", "revision": "2", "name": f"Nordlicht Handel {n} AG", "vat_number": vat_de(n),
        "vendor_ref": f"E-{n:05d}", "country_code": "DE", "currency": "EUR", "terms": "30", "state": "active",
        "email": f"billing{n}@nordlicht.example", "phone": "+49 40 555 0101", "street": "Kai 7", "street2": "",
        "zip": "20457", "city": "Hamburg", "iban": iban_de(n), "bic": "COBADEFFXXX",
        "account_holder": f"Nordlicht Handel {n} AG",
    }
    assert set(row) == set(CSV_COLUMNS)
    row.update(over)
    return row


def lineage(external_id: str, source: str = "procurement", revision: int | None = 1) -> Lineage:
    return Lineage(source_system=source, external_id=external_id, revision=revision, content_hash="0" * 64,
                   received_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC), correlation_id=f"corr-{external_id}")


def pairs(records: list[dict[str, Any]], id_field: str = "id", source: str = "procurement"):
    """(raw, lineage) pairs as the intake task builds them."""
    return [(r, lineage(str(r.get(id_field) or f"row-{i + 1}"), source)) for i, r in enumerate(records)]
