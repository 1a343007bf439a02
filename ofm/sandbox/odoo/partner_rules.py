"""What a real Odoo 19 does to partner values on the way in (base_vat, base_iban, base), seen on the server.

- VAT (account + base_vat, `_run_vat_checks`): a partner without a country is not checked; with
  one, a number carrying the prefix of another EU country is checked for that country, anything
  else for the partner's own country. The number is stored compacted (`be 0477.472.701` becomes
  `BE0477472701`); an invalid one is a ValidationError naming it and the expected format.
- IBAN (base_iban): a valid IBAN is stored in groups of four (`BE71 0961 2345 6769`); anything
  else as given.
- Website (base `_clean_website`): an address without a scheme gets `http://`.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

from ofm.sandbox.odoo import exceptions as exc

if TYPE_CHECKING:
    from ofm.sandbox.odoo.orm import Env

# Countries whose VAT numbers carry their prefix (Odoo's country group EU_PREFIX), Greece as GR.
_EU_PREFIX = {"GR" if cc == "el" else cc.upper() for cc in eu_vat.MEMBER_STATES if cc != "xi"} | {
    "CH", "NO", "GB", "SM"}
# Odoo's _ref_vat for the countries the sandboxes use (the note of the error message).
_EXPECTED = {"AT": "ATU12345675", "BE": "BE0477472701", "DE": "DE123456788 or 12/345/67890", "DK": "DK12345674",
             "ES": "ESA12345674", "FR": "FR23334175221", "GB": "GB123456782 or XI123456782",
             "CH": "CHE-123.456.788 TVA or CHE-123.456.788 MWST or CHE-123.456.788 IVA",
             "IT": "IT12345670017", "NL": "NL123456782B90", "PL": "PL1234567883", "SE": "SE123456789701"}


def _vat_module(code: str):
    with contextlib.suppress(Exception):
        return get_cc_module(code.lower(), "vat")
    return None


def _no_valid(vat: str) -> bool:
    from stdnum.no import orgnr

    return orgnr.is_valid(vat[:-3] if len(vat) == 12 and vat.upper().endswith("MVA") else vat)


def fix_vat(env: Env, row: dict[str, Any]) -> None:
    """Check and compact the row's VAT number as Odoo does on create and write (in place)."""
    vat, partner = row.get("vat"), row
    if row.get("parent_id"):
        partner = env.db["res.partner"].get(row["parent_id"]) or row
    country = env.db["res.country"].get(partner.get("country_id") or 0)
    if not isinstance(vat, str) or not vat or not country:
        return
    code, prefix = country["code"], vat[:2].upper()
    prefixed = ""
    if prefix.isalpha() and code in _EU_PREFIX and ("GR" if prefix == "EL" else prefix) in _EU_PREFIX:
        prefixed, code, vat = prefix, "GR" if prefix == "EL" else prefix, vat[2:].replace(" ", "")
    module = _vat_module(code)
    compact = getattr(module, "compact", None)
    if code == "CH":  # Odoo's format_vat_ch: CHE-123.456.788 MWST, prefix kept apart
        with contextlib.suppress(StdnumError):
            vat = module.format("CH" + vat)[2:] if prefixed else vat
    elif compact is not None:
        with contextlib.suppress(StdnumError):
            vat = compact(vat)
    is_valid = getattr(module, "is_valid", None)
    if code == "NO":  # Odoo's check_vat_no: the MVA suffix is optional
        is_valid = _no_valid
    if is_valid is not None and not is_valid(prefixed + vat if code == "CH" else vat):
        note = f" \nNote: the expected format is {_EXPECTED[code]}" if code in _EXPECTED else ""
        raise exc.odoo("ValidationError", f"\nThe VAT number [{vat}] for partner [{row.get('name')}] does not "
                                          f"seem to be valid. {note}")
    row["vat"] = prefixed + vat


def clean_website(value: Any) -> Any:
    """`http://` in front of an address without a scheme."""
    if not isinstance(value, str) or not value or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", value):
        return value
    return f"http://{value}"


def pretty_iban(value: Any) -> Any:
    """A valid IBAN (shape and ISO 7064 check digits, as base_iban checks them) in groups of four
    characters; anything else unchanged."""
    if not isinstance(value, str) or not value:
        return value
    number = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", number):
        return value
    digits = "".join(str(int(c, 36)) for c in number[4:] + number[:4])
    if int(digits) % 97 != 1:
        return value
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
