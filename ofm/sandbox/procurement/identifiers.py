"""VAT numbers and IBANs that validate (or, for dirty records, fail only on their check digits).

Digits are drawn at random and the check positions fixed by trying candidates with the same
libraries the middleware validates with (python-stdnum, schwifty), so the sandbox can never
disagree with the checkpoint about what "valid" means.
"""

from __future__ import annotations

import itertools
import random
import string
import warnings

from schwifty import IBAN
from stdnum import get_cc_module, luhn

from ofm.sandbox.procurement.catalog import Bank, Country

_CHECK_ALPHABET = {"ES": string.digits + "ABCDEFGHIJ"}


def _fill(layout: str, rng: random.Random) -> str:
    out: list[str] = []
    for char in layout:
        if char == "n":
            out.append(str(rng.randint(1, 9)))
        elif char == "d":
            out.append(str(rng.randint(0, 9)))
        elif char == "L":
            out.append(luhn.calc_check_digit("".join(c for c in out if c.isdigit())))
        else:
            out.append(char)
    return "".join(out)


def _candidates(country: Country, body: str):
    """Every way of filling the `?` positions of `body`, in a fixed order."""
    slots = [i for i, char in enumerate(body) if char == "?"]
    alphabet = _CHECK_ALPHABET.get(country.code, string.digits)
    for combo in itertools.product(alphabet, repeat=len(slots)):
        chars = list(body)
        for pos, value in zip(slots, combo, strict=True):
            chars[pos] = value
        yield country.code + "".join(chars)


def make_vat(country: Country, rng: random.Random, valid: bool = True) -> str:
    """A VAT number with country prefix; `valid=False`: same shape, wrong check digit(s)."""
    if country.vat is None:
        raise ValueError(f"{country.code} suppliers have no VAT number")
    # The country's own module is what stdnum.vatin dispatches to, without the lookup per call.
    is_valid = get_cc_module(country.code.lower(), "vat").is_valid
    for _ in range(200):
        body = _fill(country.vat, rng)
        good = next((c for c in _candidates(country, body) if is_valid(c)), None)
        if good is None:
            continue  # some bodies have no valid check digit (mod 11): draw again
        if valid:
            return good
        return next(c for c in _candidates(country, body) if c != good and not is_valid(c))
    raise RuntimeError(f"could not make a {country.code} VAT number")  # pragma: no cover


def make_iban(country: Country, rng: random.Random) -> tuple[str, Bank]:
    """A valid IBAN at one of the country's banks (national check digits included)."""
    for _ in range(200):
        bank = rng.choice(country.banks)
        account = "".join(str(rng.randint(0, 9)) for _ in range(country.account_digits))
        try:
            iban = IBAN.generate(country.code, bank_code=bank.code, account_code=account, branch_code=bank.branch)
            if iban_is_valid(str(iban)):
                return str(iban), bank
        except ValueError:
            continue  # e.g. a German account number that fails its bank's check method
    raise RuntimeError(f"could not make a {country.code} IBAN")  # pragma: no cover


def break_iban(iban: str) -> str:
    """The same IBAN with wrong ISO 13616 check digits (what a typo in transcription gives)."""
    digits = int(iban[2:4])
    for step in range(1, 100):
        candidate = f"{iban[:2]}{(digits + step) % 100:02d}{iban[4:]}"
        if not iban_is_valid(candidate):
            return candidate
    raise RuntimeError("could not break the IBAN")  # pragma: no cover


def iban_is_valid(value: str) -> bool:
    """schwifty's verdict, national check digits included where it knows them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no national checksum algorithm registered" for some countries
        try:
            IBAN(value, validate_bban=True)
        except ValueError:
            return False
    return True
