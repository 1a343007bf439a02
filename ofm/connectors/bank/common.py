"""Small rules every statement format shares: amounts, accounts, references, free text.

Kept in one place so that camt, MT940, OFX and CSV agree on what an IBAN, a creditor reference
or an empty value is; the matching engine relies on that agreement.
"""

from __future__ import annotations

import re
from decimal import Decimal

from stdnum import iban as _iban
from stdnum import iso11649

from ofm.canonical.money import Money, minor_units

# Currency for files that never say which one they are in (a bare MT940 fragment): ISO 4217
# reserves XXX for "no currency", so such amounts can never be mistaken for euros.
NO_CURRENCY = "XXX"
_AMOUNT = re.compile(r"^\d{1,18}(?:\.\d{0,8})?$")
_NO_VALUE = {"", "NOTPROVIDED", "NONREF", "NONE", "N/A"}


def parse_amount(text: str | None, decimal_separator: str = ".") -> Decimal:
    """An unsigned amount as the file wrote it; refuses signs, NaN, exponents and thousands marks."""
    raw = (text or "").strip()
    if decimal_separator != ".":
        raw = raw.replace(decimal_separator, ".")
    if not _AMOUNT.match(raw):
        raise ValueError(f"not an amount: {text!r}")
    return Decimal(raw.rstrip(".") or "0")


def money(amount: Decimal, currency: str) -> Money:
    """Money padded to the currency's minor units (never rounded), so '9,' reads as 9.00."""
    places = minor_units(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -places:
        amount = amount.quantize(Decimal(1).scaleb(-places))
    return Money(amount=amount, currency=currency)


def value(text: str | None) -> str | None:
    """Stripped text, or None for empty and the 'nothing here' markers banks write (NOTPROVIDED, NONREF)."""
    if text is None:
        return None
    stripped = " ".join(text.split())
    return None if stripped.upper() in _NO_VALUE else stripped


def join_text(parts: list[str | None], sep: str = " ") -> str | None:
    """Free-text parts joined, whitespace collapsed; None when nothing is left."""
    text = sep.join(p.strip() for p in parts if p and p.strip())
    return " ".join(text.split()) or None


def compact(account: str) -> str:
    """An account id without spaces, upper case (the form IBANs are compared in)."""
    return "".join(account.split()).upper()


def is_iban(account: str | None) -> bool:
    """True when the account is a valid IBAN (country format and check digits)."""
    return bool(account) and _iban.is_valid(compact(account or ""))


def split_account(raw: str | None) -> tuple[str | None, str | None]:
    """(IBAN, None) when `raw` is a valid IBAN, else (None, the bank's account number as written)."""
    text = value(raw)
    if text is None:
        return None, None
    return (compact(text), None) if is_iban(text) else (None, text)


def counterparty_account(raw: str | None) -> str | None:
    """A counterparty account: compact upper IBAN when it is one, else as the bank wrote it."""
    iban, number = split_account(raw)
    return iban or number


def french_rib_iban(bank: str, branch: str, account: str) -> str | None:
    """The IBAN of a French RIB (5-digit bank, 5-digit branch, 11-char account), key computed."""
    if not (len(bank) == 5 and len(branch) == 5 and len(account) == 11 and (bank + branch).isdigit()):
        return None
    letters = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
    digits = account.upper().translate(letters)
    if not digits.isdigit():
        return None
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(digits)) % 97
    bban = f"{bank}{branch}{account.upper()}{key:02d}"
    candidate = f"FR{_iban.calc_check_digits('FR00' + bban)}{bban}"
    return candidate if _iban.is_valid(candidate) else None


def _mod10_recursive(digits: str) -> int:
    """Check digit of Swiss QR/ISR references (modulo 10, recursive)."""
    table = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)
    carry = 0
    for d in digits:
        carry = table[(carry + int(d)) % 10]
    return (10 - carry) % 10


def is_qr_reference(ref: str) -> bool:
    """A 27-digit Swiss QR reference whose last digit checks."""
    return len(ref) == 27 and ref.isdigit() and _mod10_recursive(ref[:-1]) == int(ref[-1])


def creditor_reference(ref: str | None, code: str | None = None,
                       proprietary: str | None = None) -> tuple[str | None, str | None]:
    """(reference, type): RF (ISO 11649), QRR (Swiss QR), ISR (Swiss ESR) or SCOR (any other scheme).

    An explicit proprietary type (camt Prtry 'QRR', 'ISR Reference') wins; otherwise the reference's
    own shape decides, and only a reference whose check digits hold is called RF or QRR.
    """
    text = value(ref)
    if text is None:
        return None, None
    compacted = compact(text)
    kind = (proprietary or "").upper()
    if "QRR" in kind:
        return compacted, "QRR"
    if "ISR" in kind or "ESR" in kind:
        return compacted, "ISR"
    if compacted.startswith("RF") and iso11649.is_valid(compacted):
        return compacted, "RF"
    if is_qr_reference(compacted):
        return compacted, "QRR"
    other = (code or "").upper()
    return text, other if other and other != "SCOR" else "SCOR"
