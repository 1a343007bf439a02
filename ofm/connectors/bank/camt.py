"""ISO 20022 camt.052 (report), camt.053 (statement) and camt.054 (notification), versions 02-08,
and camt.052.001.01, the 2006 report that German banks still deliver over FinTS/HBCI.

No maintained, permissively licensed Python library reads camt into plain records, so this is
our own code over defusedxml. The message type and version come from the root namespace; the
element paths we read are the same in 02-08 except where noted (v08 wraps party names in Pty
and the status in Sts/Cd), and those differences are handled by trying both paths. Version 01
differs more (ISO 20022 camt.052.001.01 schema): the message is `BkToCstmrAcctRptV01`, a
balance type is `Tp/Cd` without `CdOrPrtry`, accounts are `Id/IBAN`, `Id/BBAN` or
`Id/PrtryAcct/Id`, and `TxDtls` sit directly in `Ntry` without `NtryDtls`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from xml.etree.ElementTree import Element

from ofm.canonical.bank import BankEntry, BankStatement
from ofm.canonical.money import Money
from ofm.connectors.bank.camt_entries import entries_of, parse_date, signed_amount
from ofm.connectors.bank.common import NO_CURRENCY, split_account
from ofm.connectors.bank.errors import BankFileError, Located, located
from ofm.connectors.bank.xml_safe import first_text, text

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d{2})$")
SUPPORTED_VERSIONS = range(2, 9)
OLDEST = {"052": 1}  # camt.052.001.01 is read too; camt.053/054 version 01 were never in use at banks
# message type -> (document child, one statement/report/notification)
_CONTAINERS = {"052": ("BkToCstmrAcctRpt", "Rpt"), "053": ("BkToCstmrStmt", "Stmt"),
               "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
_OPENING = ("OPBD", "PRCD")  # opening booked; previously closed booked (the same balance, other name)
_CLOSING = ("CLBD",)
_INTERIM = "ITBD"  # intraday reports: the first and last interim booked balances bracket the entries
Balance = tuple[str, Money, date | None]


def is_camt(namespace: str) -> bool:
    """True for any camt.05x namespace (supported version or not: the caller says which)."""
    return NAMESPACE.match(namespace) is not None


def parse_camt(root: Element, namespace: str, name: str) -> list[BankStatement]:
    """Every statement, report or notification in the document, or BankFileError."""
    match = NAMESPACE.match(namespace)
    if match is None or root.tag != "Document":
        raise BankFileError(name, None, f"not a camt.052/053/054 document (root {root.tag!r} in {namespace!r})")
    kind, version = match.group(1), int(match.group(2))
    if not OLDEST.get(kind, SUPPORTED_VERSIONS[0]) <= version <= SUPPORTED_VERSIONS[-1]:
        raise BankFileError(name, None, f"camt.{kind}.001.{version:02d} is not a supported version (02 to 08, "
                            "and camt.052.001.01)")
    document, item = _CONTAINERS[kind]
    document = f"{document}V01" if version == 1 else document
    container = root.find(document)
    if container is None:
        raise BankFileError(name, document, f"camt.{kind} document without {document}")
    statements = []
    try:
        with located(f"{document}/GrpHdr"):
            created = _datetime(text(container, "GrpHdr/CreDtTm"))
        for i, element in enumerate(container.findall(item), start=1):
            with located(f"{document}/{item}[{i}]") as where:
                statements.append(_statement(element, f"camt.{kind}.001.{version:02d}", created, where))
    except Located as exc:
        raise BankFileError(name, exc.where, exc.reason) from None
    if not statements:
        raise BankFileError(name, document, f"no {item} element: nothing to read")
    return statements


def _statement(element: Element, fmt: str, created: datetime | None, where: str) -> BankStatement:
    acct = element.find("Acct")
    account_iban, account_number = split_account(
        first_text(acct, "Id/IBAN", "Id/Othr/Id", "Id/BBAN", "Id/PrtryAcct/Id", "Id/UPIC"))
    balances = [_balance(bal, f"{where}/Bal[{i}]") for i, bal in enumerate(element.findall("Bal"), start=1)]
    opening, closing = _pick(balances)
    entries: list[BankEntry] = []
    for i, ntry in enumerate(element.findall("Ntry"), start=1):
        with located(f"{where}/Ntry[{i}]"):
            entries.extend(entries_of(ntry, account_iban))
    currency = (text(acct, "Ccy") or (opening[1].currency if opening else None)
                or (closing[1].currency if closing else None)
                or (entries[0].amount.currency if entries else NO_CURRENCY))
    return BankStatement(
        format=fmt, statement_id=text(element, "Id"),
        sequence=first_text(element, "ElctrncSeqNb", "LglSeqNb"),
        account_iban=account_iban, account_number=account_number,
        account_bic=first_text(acct, "Svcr/FinInstnId/BICFI", "Svcr/FinInstnId/BIC"),
        currency=currency,
        opening_balance=opening[1] if opening else None, closing_balance=closing[1] if closing else None,
        opening_date=(opening[2] if opening else None) or _day(text(element, "FrToDt/FrDtTm")),
        closing_date=(closing[2] if closing else None) or _day(text(element, "FrToDt/ToDtTm")),
        created_at=_datetime(text(element, "CreDtTm")) or created,
        entries=tuple(entries),
    )


def _balance(bal: Element, where: str) -> Balance:
    code = first_text(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry", "Tp/Cd", "Tp/Prtry") or ""
    with located(where):
        return code.upper(), signed_amount(bal.find("Amt"), text(bal, "CdtDbtInd")), parse_date(bal.find("Dt"))


def _pick(balances: list[Balance]) -> tuple[Balance | None, Balance | None]:
    """Opening OPBD/PRCD and closing CLBD; interim ITBD fill in for reports that have only those.

    Available balances (OPAV, CLAV, FWAV) are never used: they include credit lines and
    value-dated amounts, so opening + entries would not add up to them.
    """
    opening = next((b for b in balances if b[0] in _OPENING), None)
    closing = next((b for b in balances if b[0] in _CLOSING), None)
    interim = [b for b in balances if b[0] == _INTERIM]
    if opening is None and len(interim) >= 2:
        opening = interim[0]
    if closing is None and interim and interim[-1] is not opening:
        closing = interim[-1]
    return opening, closing


def _datetime(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not a date-time: {raw!r}") from None


def _day(raw: str | None) -> date | None:
    moment = _datetime(raw)
    return moment.date() if moment else None
