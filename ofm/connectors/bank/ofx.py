"""OFX bank, credit-card and investment statements (1.x SGML, 2.x XML) into canonical statements.

OFX reports a ledger balance at the end of the statement but no opening balance, so the opening
balance is derived: opening = LEDGERBAL − sum(entries). It is therefore always consistent with
the entries and proves nothing about continuity with the previous statement. TRNAMT is already
signed from the account holder's side. A transaction in another currency (<CURRENCY>) is refused
rather than converted: the conversion rate's direction is not reliably written by banks.

An investment statement (INVSTMTRS, OFX 2.1.1 section 13.9.2) is read for its cash lines only:
each INVTRANLIST/INVBANKTRAN holds a STMTTRN of the account's cash, read like a bank entry.
Trades, income and positions are not bank entries, and its INVBAL/AVAILCASH moves with trades,
so such a statement has no balances. Without any INVBANKTRAN it is refused, saying so.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element

from ofm.canonical.bank import BankEntry, BankStatement
from ofm.canonical.money import Money
from ofm.connectors.bank.common import (
    counterparty_account,
    french_rib_iban,
    money,
    split_account,
    value,
)
from ofm.connectors.bank.errors import BankFileError, Located, located
from ofm.connectors.bank.ofx_tree import header_and_body, parse_sgml
from ofm.connectors.bank.xml_safe import first_text, parse_xml, text

_AMOUNT = re.compile(r"^[+-]?\d{1,18}(?:\.\d{0,8})?$")
_STATEMENTS = ("STMTRS", "CCSTMTRS", "INVSTMTRS")
_CHARSETS = {"1252": "cp1252", "ISO-8859-1": "latin-1", "8859-1": "latin-1", "UTF-8": "utf-8", "NONE": "cp1252"}


def parse_ofx(data: bytes, name: str) -> list[BankStatement]:
    """Every bank (STMTRS) and credit-card (CCSTMTRS) statement in the file."""
    head = data[:1024].lstrip()
    if head.startswith(b"<?xml") or b'OFXHEADER="200"' in head:
        root = _xml_or_sloppy(data, name)
        version = re.search(rb'VERSION="(\d+)"', data[:1024])
        fmt = f"ofx.{version.group(1).decode() if version else '2'}"
    else:
        text_ = _decode(data)
        header, start = header_and_body(text_)
        root, fmt = parse_sgml(text_, start, name), f"ofx.{header.get('VERSION', '1')}"
    statements = [el for el in root.iter() if el.tag in _STATEMENTS]
    if root.tag != "OFX" or not statements:
        raise BankFileError(name, root.tag, "no bank, credit-card or investment statement "
                            "(STMTRS/CCSTMTRS/INVSTMTRS) in the OFX file")
    try:
        return [(_investment if stmt.tag == "INVSTMTRS" else _statement)(stmt, fmt, f"{stmt.tag}[{i}]")
                for i, stmt in enumerate(statements, start=1)]
    except Located as exc:
        raise BankFileError(name, exc.where, exc.reason) from None


def _xml_or_sloppy(data: bytes, name: str) -> Element:
    """OFX 2 is XML; some banks still leave field tags open under an XML header, so those are read as
    SGML. A DTD is never given that second chance, and when both readings fail the XML error stands."""
    try:
        return parse_xml(data, name)[0]
    except BankFileError as xml_error:
        if b"<!" in data:
            raise
        text_ = _decode(data)
        if "<OFX" not in text_:
            raise
        try:
            return parse_sgml(text_, text_.find("<OFX"), name)
        except BankFileError:
            raise xml_error from None


def _decode(data: bytes) -> str:
    """OFX 1.x text in the header's CHARSET (ENCODING:UTF-8 wins); cp1252 when it says nothing useful."""
    header = data[:1024].decode("latin-1").upper()
    declared = re.search(r"CHARSET:([\w-]+)", header)
    charset = "UTF-8" if "ENCODING:UTF-8" in header else (declared.group(1) if declared else "1252")
    try:
        return data.decode(_CHARSETS.get(charset or "1252", "cp1252"))
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1")


def _statement(stmt: Element, fmt: str, where: str) -> BankStatement:
    currency = text(stmt, "CURDEF")
    if currency is None:
        raise Located(where, "statement without CURDEF (currency)")
    acct = stmt.find("BANKACCTFROM")
    acct = stmt.find("CCACCTFROM") if acct is None else acct
    entries = []
    for i, trn in enumerate(stmt.iter("STMTTRN"), start=1):  # BANKTRANLIST's, wherever a bank nests it
        with located(f"{where}/STMTTRN[{i}]"):
            entries.append(_entry(trn, currency))
    with located(f"{where}/LEDGERBAL"):
        ledger = text(stmt, "LEDGERBAL/BALAMT")
        closing = money(_signed(ledger), currency) if ledger else None
    opening = None
    if closing is not None:
        opening = money(closing.amount - sum((e.amount.amount for e in entries), Decimal(0)), currency)
    with located(where):
        return _build(stmt, fmt, currency, acct, tuple(entries), opening, closing)


def _investment(stmt: Element, fmt: str, where: str) -> BankStatement:
    """The cash lines (INVBANKTRAN) of an investment account, or Located saying there are none."""
    currency = text(stmt, "CURDEF")
    if currency is None:
        raise Located(where, "statement without CURDEF (currency)")
    cash = stmt.findall("INVTRANLIST/INVBANKTRAN")
    if not cash:
        trades = [t for t in stmt.findall("INVTRANLIST/*") if t.tag not in ("DTSTART", "DTEND")]
        raise Located(where, "an investment account statement with no cash lines (INVBANKTRAN): nothing to read "
                      f"as bank entries ({len(trades)} security transactions, {len(stmt.findall('INVPOSLIST/*'))} "
                      "positions)")
    entries = []
    for i, bank_tran in enumerate(cash, start=1):
        with located(f"{where}/INVTRANLIST/INVBANKTRAN[{i}]"):
            trn = bank_tran.find("STMTTRN")
            if trn is None:
                raise ValueError("INVBANKTRAN without its STMTTRN")
            entries.append(_entry(trn, currency))
    acct = stmt.find("INVACCTFROM")
    with located(where):
        return BankStatement(
            format=fmt, account_number=value(text(acct, "ACCTID")), currency=currency,
            opening_date=_date(text(stmt, "INVTRANLIST/DTSTART")),
            closing_date=_date(first_text(stmt, "INVTRANLIST/DTEND", "DTASOF")), entries=tuple(entries))


def _build(stmt: Element, fmt: str, currency: str, acct: Element | None, entries: tuple[BankEntry, ...],
           opening: Money | None, closing: Money | None) -> BankStatement:
    acct_id = text(acct, "ACCTID")
    iban, number = split_account(acct_id)
    if iban is None and acct_id:
        iban = french_rib_iban(text(acct, "BANKID") or "", text(acct, "BRANCHID") or "", acct_id)
        number = None if iban else number
    return BankStatement(
        format=fmt, account_iban=iban, account_number=number, currency=currency,
        opening_balance=opening, closing_balance=closing,
        opening_date=_date(first_text(stmt, "BANKTRANLIST/DTSTART")),
        closing_date=_date(first_text(stmt, "LEDGERBAL/DTASOF", "BANKTRANLIST/DTEND")),
        entries=entries)


def _entry(trn: Element, currency: str) -> BankEntry:
    foreign = text(trn, "CURRENCY/CURSYM")
    if trn.find("CURRENCY") is not None and foreign != currency:  # Fidelity writes its own currency, rate 1.00
        raise ValueError(f"amounts in another currency (<CURRENCY> {foreign or '?'}) are not supported")
    amount = money(_signed(text(trn, "TRNAMT")), currency)
    return BankEntry(
        booking_date=_date(text(trn, "DTPOSTED")), value_date=_date(text(trn, "DTAVAIL")),
        amount=amount, bank_reference=value(text(trn, "FITID")),
        counterparty_name=value(first_text(trn, "NAME", "PAYEE/NAME")),
        counterparty_iban=counterparty_account(text(trn, "BANKACCTTO/ACCTID") or text(trn, "CCACCTTO/ACCTID")),
        remittance=value(text(trn, "MEMO")), transaction_code=value(text(trn, "TRNTYPE")))


def _signed(raw: str | None) -> Decimal:
    """A signed OFX amount; European banks write a decimal comma, which is accepted when unambiguous."""
    amount = (raw or "").strip()
    if "," in amount and "." not in amount:
        amount = amount.replace(",", ".")
    if not _AMOUNT.match(amount):
        raise ValueError(f"not an amount: {raw!r}")
    return Decimal(amount)


def _date(raw: str | None) -> date | None:
    """YYYYMMDD[HHMMSS[.XXX][TZ]] as the calendar date written (no time-zone shift)."""
    if raw is None:
        return None
    try:
        return date(int(raw[0:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise ValueError(f"not an OFX date: {raw!r}") from None
