"""The currency of an MT940 statement whose balances leave it out, as German banks' files do.

`:60F:C020315DEM0,00` names it, but the same file may write `:62M:C020315105000,00` or
`:60M:C260303   9389,55`: no currency, or blanks where it belongs (as in the MT940 handbooks of
German banks, DK format). The currency is then taken, in this order, from the statement's other
balances, from an account in `:25:` that ends with it ('10020030/1234567EUR'), from `:34F:` or
`:90D:`/`:90C:`, from another statement of the same account in the file, else from the caller's
default; when none names one the file is refused at the balance's line, never read as another
currency. Letters are never guessed from digits: '105' in the currency's place is no currency.
"""

from __future__ import annotations

import re

from ofm.connectors.bank.errors import BankFileError
from ofm.connectors.bank.mt940_lines import Field, Message

BALANCE_TAGS = ("60F", "60M", "60", "62F", "62M", "62", "64", "65")
# Mark, YYMMDD, currency (missing or blank in some German files), amount.
_BALANCE = re.compile(r"^([CDcd])(\d{6})\s*([A-Z]{3})?\s*(\d[\d,]*)$")
_ACCOUNT_CURRENCY = re.compile(r"[\d/]([A-Z]{3})$")  # '10020030/1234567EUR'
_SUM_CURRENCY = re.compile(r"^\d*([A-Z]{3})")  # :34F:EURD0, / :90D:3EUR1234,56


def account_of(message: Message) -> str:
    """The message's `:25:` as written ('' when it has none)."""
    return next((f.value for f in message.fields if f.tag == "25"), "")


def currencies_by_account(messages: list[Message]) -> dict[str, str]:
    """Per `:25:`, the first currency any statement of that account in the file writes."""
    found: dict[str, str] = {}
    for message in messages:
        hint = currency_hint(message.fields)
        if hint:
            found.setdefault(account_of(message), hint)
    return found


def currency_hint(fields: list[Field]) -> str | None:
    """The account's currency as the statement writes it anywhere: a balance, `:25:`, `:34F:`, `:90D:`/`:90C:`."""
    for f in fields:
        if f.tag in BALANCE_TAGS and (match := _BALANCE.match(f.value)) and match.group(3):
            return match.group(3)
    for f in fields:
        pattern = _ACCOUNT_CURRENCY if f.tag == "25" else _SUM_CURRENCY if f.tag in ("34F", "90D", "90C") else None
        if pattern and (match := pattern.search(f.value)):
            return match.group(1)
    return None


def with_balance_currencies(fields: list[Field], name: str, default_currency: str | None) -> list[Field]:
    """The fields with the currency written into every balance that left it out (or blank)."""
    missing = [f for f in fields if f.tag in BALANCE_TAGS and (m := _BALANCE.match(f.value)) and not m.group(3)]
    if not missing:
        return fields
    currency = currency_hint(fields) or default_currency
    if currency is None:
        raise BankFileError(name, f"line {missing[0].line}", f":{missing[0].tag}: balance without a currency, and "
                            "nothing in the file names the account's currency (:25:, other balances); "
                            "give it as the default currency (--currency)")
    out = []
    for f in fields:
        match = _BALANCE.match(f.value) if f in missing else None
        if match:
            mark, day, _, amount = match.groups()
            f = Field(f.tag, f.line, [f"{mark}{day}{currency}{amount}"])
        out.append(f)
    return out
