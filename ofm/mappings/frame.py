"""The supplier batch as one table for the data-quality suite, with the checks GX cannot do.

Great Expectations has no expectation for "valid VAT number" or "valid IBAN", so those are
computed here, in Python, as boolean columns (`vat_valid`, `ibans_valid`) that the suite then
expects to be True. Each row also keeps display values for failure messages; IBANs are masked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.ch import uid as ch_uid
from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.no import mva as no_mva

from ofm.canonical import Supplier, mask_iban

# The columns a suite may check, in frame order.
COLUMNS: tuple[str, ...] = ("row_id", "legal_name", "vat", "vendor_code", "country", "currency",
                            "payment_term", "status", "vat_valid", "ibans_valid")
# Extra names a message template may use besides the columns.
DISPLAY_ONLY: tuple[str, ...] = ("record", "value", "vat_problem", "bad_ibans")
# VAT prefixes that are not the ISO code of their country.
_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
_REASONS = {InvalidChecksum: "check digit does not match", InvalidLength: "wrong length",
            InvalidFormat: "wrong format", InvalidComponent: "wrong format"}


def _ch(vat: str) -> Any:
    """Swiss UID with or without its MWST/TVA/IVA/TPV suffix: the check digit is what counts."""
    compact = ch_vat.compact(vat)
    return ch_uid.validate(compact) if len(compact) == 12 else ch_vat.validate(compact)


def _no(vat: str) -> Any:
    """Norwegian MVA number with or without its 'MVA' suffix."""
    compact = no_mva.compact(vat)
    return no_mva.validate(compact if compact.endswith("MVA") else compact + "MVA")


_VALIDATORS: dict[str, Callable[[str], Any]] = {
    **{cc.upper(): eu_vat.validate for cc in eu_vat.MEMBER_STATES if cc != "xi"},
    "GB": gb_vat.validate, "CH": _ch, "NO": _no,
}


@lru_cache(maxsize=65536)
def vat_problem(vat: str | None, country: str | None) -> str | None:
    """Why a VAT number is not valid for the supplier's country; None when it is (or is absent).

    Countries without a validator here (e.g. US) are not checked, unless the number carries
    the prefix of a country that has one.
    """
    if not vat:
        return None
    prefix = vat[:2]
    vat_country = _PREFIX_COUNTRY.get(prefix, prefix) if prefix.isalpha() else None
    if country and vat_country and vat_country != country and (
            vat_country in _VALIDATORS or country in _VALIDATORS):
        return f"prefix {prefix} does not match country {country}"
    if vat_country == "CH" and len(ch_vat.compact(vat)) == 12:
        return "no MWST, TVA or IVA suffix (Odoo refuses a bare UID)"
    validator = _VALIDATORS.get(vat_country or country or "")
    if validator is None:
        return None
    if vat_country is None:
        return f"no country prefix (expected {country})"
    try:
        validator(vat)
    except ValidationError as exc:
        return _REASONS.get(type(exc), "not a valid number")
    return None


@lru_cache(maxsize=65536)
def iban_valid(number: str) -> bool:
    """Structure, length and check digits of an IBAN (schwifty)."""
    try:
        IBAN(number)
    except SchwiftyException:
        return False
    return True


def supplier_rows(suppliers: Sequence[Supplier]) -> tuple[dict[str, list[Any]], list[dict[str, str]]]:
    """Columns for the DataFrame, and per row the display values a failure message may show."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    display: list[dict[str, str]] = []
    for s in suppliers:
        problem = vat_problem(s.vat, s.country)
        bad = [mask_iban(a.iban) for a in s.bank_accounts if not iban_valid(a.iban)]
        row = {"row_id": s.record_ref, "legal_name": s.legal_name, "vat": s.vat, "vendor_code": s.vendor_code,
               "country": s.country, "currency": s.currency, "payment_term": s.payment_terms_code,
               "status": s.status.value, "vat_valid": problem is None, "ibans_valid": not bad}
        for name in COLUMNS:
            columns[name].append(row[name])
        shown = {k: "(none)" if v is None else str(v) for k, v in row.items()}
        display.append(shown | {"record": s.record_ref, "vat_problem": problem or "",
                                "bad_ibans": ", ".join(bad)})
    return columns, display
