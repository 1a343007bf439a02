"""Stable identities for bank entries, so re-imports and overlapping files are idempotent.

Banks reuse their references (some restart numbering daily, some send none), so an entry is
known by what it says: account, bank reference, booking date, amount, currency and, when there
is no bank reference, the end-to-end id, creditor reference, remittance and counterparty. Two
genuine identical payments on one day have the same key; the occurrence (1st, 2nd, ... time the
key appears within ONE file, in file order) tells them apart. A file that overlaps the previous
one by whole days repeats those days' entries in the same order, so they get the same ids.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from ofm.canonical.bank import BankEntry, BankStatement
from ofm.rules.bank.amounts import compact, money_minor

VERSION = "bank-entry/v1"  # part of every hash: a change of key is a change of version


def _text(value: str | None) -> str:
    """Whitespace collapsed: a bank re-wrapping remittance lines must not make a new entry."""
    return " ".join(value.split()) if value else ""


def identity_key(account: str | None, entry: BankEntry) -> tuple[str, ...]:
    """What identifies an entry apart from its occurrence in the file."""
    day = entry.booking_date or entry.value_date
    key = (compact(account) or "", day.isoformat() if day else "", str(money_minor(entry.amount)),
           entry.amount.currency)
    if entry.bank_reference and entry.bank_reference.strip():
        return (*key, "ref", entry.bank_reference.strip())
    return (*key, "noref", _text(entry.end_to_end_id), compact(entry.creditor_reference) or "",
            _text(entry.remittance), compact(entry.counterparty_iban) or "", _text(entry.counterparty_name))


def entry_id(key: tuple[str, ...], occurrence: int) -> str:
    """The identity of the `occurrence`-th (1-based) entry with this key in its file."""
    text = "\x1f".join((VERSION, *key, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def entry_ids(statements: Sequence[BankStatement]) -> list[tuple[str, ...]]:
    """Ids of every entry of ONE file (all its statements), aligned with each statement's entries."""
    seen: Counter[tuple[str, ...]] = Counter()
    out: list[tuple[str, ...]] = []
    for statement in statements:
        ids = []
        for entry in statement.entries:
            key = identity_key(statement.account, entry)
            seen[key] += 1
            ids.append(entry_id(key, seen[key]))
        out.append(tuple(ids))
    return out


def _plain(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum())


def same_account(journal_number: str, statement_account: str) -> bool:
    """The journal's bank account and the statement's account are one account: equal IBANs once
    normalised, or an IBAN whose national part is the bank's account number (MT940 `:25:` as
    '37040044/0532013000' for DE89 3704 0044 0532 0130 00)."""
    a, b = _plain(journal_number), _plain(statement_account)
    if a == b:
        return True
    iban, other = (a, b) if a[:2].isalpha() else (b, a)
    return iban[:2].isalpha() and other.isdigit() and len(other) >= 8 and iban[4:].endswith(other)
