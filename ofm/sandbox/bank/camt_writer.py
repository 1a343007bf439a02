"""Write a canonical statement as an ISO 20022 camt.053.001.08 file, as a bank would send it.

Used by the demo and the tests to produce statements that pay Odoo's open items; the parser
reads them back like any bank's file. Credits carry the debtor as counterparty, debits the
creditor; a creditor reference goes to structured remittance (SCOR), text to `Ustrd`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - writing only; reading uses defusedxml
from datetime import date, datetime

from ofm.canonical.bank import BankEntry, BankStatement, EntryStatus
from ofm.canonical.money import Money

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def write_camt053(statement: BankStatement, message_id: str, created: datetime) -> bytes:
    """The statement as camt.053.001.08 XML bytes (UTF-8, with declaration)."""
    doc = ET.Element("Document", xmlns=NS)
    root = _sub(doc, "BkToCstmrStmt")
    header = _sub(root, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created.isoformat(timespec="seconds"))
    stmt = _sub(root, "Stmt")
    _sub(stmt, "Id", statement.statement_id or message_id)
    if statement.sequence:
        _sub(stmt, "ElctrncSeqNb", statement.sequence)
    _sub(stmt, "CreDtTm", created.isoformat(timespec="seconds"))
    acct = _sub(stmt, "Acct")
    ident = _sub(acct, "Id")
    if statement.account_iban:
        _sub(ident, "IBAN", statement.account_iban)
    else:
        _sub(_sub(ident, "Othr"), "Id", statement.account_number or "")
    _sub(acct, "Ccy", statement.currency)
    if statement.opening_balance is not None:
        _balance(stmt, "OPBD", statement.opening_balance, statement.opening_date)
    if statement.closing_balance is not None:
        _balance(stmt, "CLBD", statement.closing_balance, statement.closing_date)
    for entry in statement.entries:
        _entry(stmt, entry)
    ET.indent(doc)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(doc, encoding="utf-8")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrib)
    if text is not None:
        node.text = text
    return node


def _amount(parent: ET.Element, money: Money) -> None:
    _sub(parent, "Amt", f"{abs(money.rounded().amount)}", Ccy=money.currency)
    _sub(parent, "CdtDbtInd", "CRDT" if money.amount >= 0 else "DBIT")


def _balance(stmt: ET.Element, code: str, money: Money, on: date | None) -> None:
    bal = _sub(stmt, "Bal")
    _sub(_sub(_sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
    _amount(bal, money)
    if on is not None:
        _sub(_sub(bal, "Dt"), "Dt", on.isoformat())


def _entry(stmt: ET.Element, entry: BankEntry) -> None:
    ntry = _sub(stmt, "Ntry")
    _amount(ntry, entry.amount)
    if entry.reversal:
        _sub(ntry, "RvslInd", "true")
    _sub(_sub(ntry, "Sts"), "Cd", "BOOK" if entry.status is EntryStatus.BOOKED else "PDNG")
    if entry.booking_date:
        _sub(_sub(ntry, "BookgDt"), "Dt", entry.booking_date.isoformat())
    if entry.value_date:
        _sub(_sub(ntry, "ValDt"), "Dt", entry.value_date.isoformat())
    if entry.bank_reference:
        _sub(ntry, "AcctSvcrRef", entry.bank_reference)
    if entry.transaction_code and entry.transaction_code.count("/") == 2:
        domain, family, sub = entry.transaction_code.split("/")
        dom = _sub(_sub(ntry, "BkTxCd"), "Domn")
        _sub(dom, "Cd", domain)
        fam = _sub(dom, "Fmly")
        _sub(fam, "Cd", family)
        _sub(fam, "SubFmlyCd", sub)
    tx = _sub(_sub(ntry, "NtryDtls"), "TxDtls")
    if entry.end_to_end_id:
        _sub(_sub(tx, "Refs"), "EndToEndId", entry.end_to_end_id)
    _amount(tx, entry.amount)
    _parties(tx, entry)
    _remittance(tx, entry)


def _parties(tx: ET.Element, entry: BankEntry) -> None:
    if not (entry.counterparty_name or entry.counterparty_iban):
        return
    role = "Dbtr" if entry.amount.amount >= 0 else "Cdtr"
    parties = _sub(tx, "RltdPties")
    if entry.counterparty_name:
        _sub(_sub(_sub(parties, role), "Pty"), "Nm", entry.counterparty_name)
    if entry.counterparty_iban:
        _sub(_sub(_sub(parties, f"{role}Acct"), "Id"), "IBAN", entry.counterparty_iban)
    if entry.counterparty_bic:
        agent = "DbtrAgt" if role == "Dbtr" else "CdtrAgt"
        _sub(_sub(_sub(_sub(tx, "RltdAgts"), agent), "FinInstnId"), "BICFI", entry.counterparty_bic)


def _remittance(tx: ET.Element, entry: BankEntry) -> None:
    if not (entry.remittance or entry.creditor_reference):
        return
    rmt = _sub(tx, "RmtInf")
    if entry.remittance:
        _sub(rmt, "Ustrd", entry.remittance[:140])
    if entry.creditor_reference:
        ref = _sub(_sub(rmt, "Strd"), "CdtrRefInf")
        _sub(_sub(_sub(ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
        _sub(ref, "Ref", entry.creditor_reference)
