"""One camt <Ntry> into canonical entries: one per <TxDtls> when the bank gives per-transaction amounts.

A batch booking (one debit for a whole collection) is useless for matching unless it is split;
it is split only when every TxDtls carries an amount in the entry's currency and the amounts
add up to the entry, otherwise the entry stays whole and keeps what its TxDtls agree on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import Element

from ofm.canonical.bank import BankEntry, EntryStatus
from ofm.canonical.money import Money
from ofm.connectors.bank.common import (
    counterparty_account,
    creditor_reference,
    join_text,
    money,
    parse_amount,
    value,
)
from ofm.connectors.bank.xml_safe import first_text, text

STATUS = {"BOOK": EntryStatus.BOOKED, "PDNG": EntryStatus.PENDING, "FUTR": EntryStatus.PENDING,
          "INFO": EntryStatus.INFO}
_SIGN = {"CRDT": 1, "DBIT": -1}


def signed_amount(amt: Element | None, indicator: str | None) -> Money:
    """Amt + CdtDbtInd as signed Money: credits positive, debits negative."""
    if amt is None or not amt.get("Ccy"):
        raise ValueError("amount or its Ccy is missing")
    if indicator not in _SIGN:
        raise ValueError(f"CdtDbtInd must be CRDT or DBIT, got {indicator!r}")
    amount = money(parse_amount(amt.text), amt.get("Ccy", ""))
    return amount if _SIGN[indicator] > 0 else -amount


def parse_date(element: Element | None) -> date | None:
    """<Dt> or <DtTm> below `element` as the calendar date the bank wrote (no time-zone shift)."""
    raw = first_text(element, "Dt", "DtTm")
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw).date() if "T" in raw else date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"not a date: {raw!r}") from None


def entries_of(ntry: Element, own_iban: str | None) -> list[BankEntry]:
    """The canonical entries of one <Ntry>."""
    amount = signed_amount(ntry.find("Amt"), text(ntry, "CdtDbtInd"))
    reversal = (text(ntry, "RvslInd") or "").lower() in ("true", "1")
    raw_status = first_text(ntry, "Sts/Cd", "Sts/Prtry", "Sts")
    if raw_status is None:
        raise ValueError("entry without a status (Sts)")
    if raw_status.upper() not in STATUS:
        raise ValueError(f"unknown entry status {raw_status!r} (BOOK, PDNG, INFO, FUTR)")
    base: dict[str, Any] = dict(
        booking_date=parse_date(ntry.find("BookgDt")), value_date=parse_date(ntry.find("ValDt")),
        status=STATUS[raw_status.upper()], reversal=reversal)
    ntry_ref, ntry_code = value(text(ntry, "AcctSvcrRef")), _bank_code(ntry.find("BkTxCd"))
    ntry_original = _original(ntry, amount)
    # The counterparty paid us (Dbtr) on a credit; on a reversal the roles of the original stand.
    debtor_side = (amount.amount > 0) != reversal
    txs = ntry.findall("NtryDtls/TxDtls") or ntry.findall("TxDtls")  # version 01 has no NtryDtls
    split = _split_amounts(txs, amount) if len(txs) > 1 else None
    if split is not None:
        return [BankEntry(**base, **_details(tx, debtor_side, own_iban), amount=tx_amount,
                          original_amount=_original(tx, tx_amount),
                          bank_reference=value(text(tx, "Refs/AcctSvcrRef")) or ntry_ref,
                          transaction_code=_bank_code(tx.find("BkTxCd")) or ntry_code)
                for tx, tx_amount in zip(txs, split, strict=True)]
    details = [_details(tx, debtor_side, own_iban) for tx in txs]
    merged = {key: _agreed([d[key] for d in details]) for key in details[0]} if details else {}
    texts = list(dict.fromkeys(d["remittance"] for d in details))
    merged["remittance"] = join_text(texts) or value(text(ntry, "AddtlNtryInf"))
    single = txs[0] if len(txs) == 1 else None
    return [BankEntry(**base, **merged, amount=amount,
                      original_amount=ntry_original or (_original(single, amount) if single is not None else None),
                      bank_reference=ntry_ref or (value(text(single, "Refs/AcctSvcrRef")) if single else None),
                      transaction_code=ntry_code or (_bank_code(single.find("BkTxCd")) if single else None))]


def _split_amounts(txs: list[Element], total: Money) -> list[Money] | None:
    """Each TxDtls' signed amount, or None when they are missing, in another currency or do not add up."""
    amounts = []
    for tx in txs:
        amt = tx.find("AmtDtls/TxAmt/Amt")
        amt = tx.find("Amt") if amt is None else amt
        if amt is None or amt.get("Ccy") != total.currency:
            return None
        indicator = text(tx, "CdtDbtInd") or ("CRDT" if total.amount > 0 else "DBIT")
        amounts.append(signed_amount(amt, indicator))
    return amounts if sum(a.amount for a in amounts) == total.amount else None


def _details(tx: Element, debtor_side: bool, own_iban: str | None) -> dict[str, Any]:
    """Counterparty, references and remittance of one TxDtls."""
    party = _party(tx, "Dbtr" if debtor_side else "Cdtr")
    other = _party(tx, "Cdtr" if debtor_side else "Dbtr")
    if party["counterparty_name"] is None and party["counterparty_iban"] is None and (
            own_iban is None or other["counterparty_iban"] != own_iban):
        party = other  # some banks name only one side; never take our own account for theirs
    ref, ref_type = None, None
    for info in tx.findall("RmtInf/Strd/CdtrRefInf"):
        ref, ref_type = creditor_reference(first_text(info, "Ref", "CdtrRef"),  # version 01: CdtrRef(Tp)
                                           first_text(info, "Tp/CdOrPrtry/Cd", "CdtrRefTp/Cd"),
                                           first_text(info, "Tp/CdOrPrtry/Prtry", "CdtrRefTp/Prtry"))
        if ref:
            break
    ustrd = [u.text for u in tx.findall("RmtInf/Ustrd")]
    return dict(**party, end_to_end_id=value(text(tx, "Refs/EndToEndId")), creditor_reference=ref,
                creditor_reference_type=ref_type, remittance=join_text(ustrd) or value(text(tx, "AddtlTxInf")))


def _party(tx: Element, role: str) -> dict[str, str | None]:
    return dict(
        counterparty_name=value(first_text(tx, f"RltdPties/{role}/Pty/Nm", f"RltdPties/{role}/Nm")),
        counterparty_iban=counterparty_account(first_text(
            tx, f"RltdPties/{role}Acct/Id/IBAN", f"RltdPties/{role}Acct/Id/Othr/Id",
            f"RltdPties/{role}Acct/Id/BBAN", f"RltdPties/{role}Acct/Id/PrtryAcct/Id")),
        counterparty_bic=value(first_text(tx, f"RltdAgts/{role}Agt/FinInstnId/BICFI",
                                          f"RltdAgts/{role}Agt/FinInstnId/BIC")))


def _original(element: Element | None, amount: Money) -> Money | None:
    """The instructed amount when it is in another currency (FX), signed like the booked amount."""
    amt = element.find("AmtDtls/InstdAmt/Amt") if element is not None else None
    if amt is None or amt.get("Ccy") in (None, amount.currency):
        return None
    original = money(parse_amount(amt.text), amt.get("Ccy", ""))
    return original if amount.amount >= 0 else -original


def _bank_code(bk: Element | None) -> str | None:
    """ISO domain/family/sub-family ('PMNT/RCDT/ESCT'), else the proprietary code."""
    parts = [text(bk, "Domn/Cd"), text(bk, "Domn/Fmly/Cd"), text(bk, "Domn/Fmly/SubFmlyCd")]
    if all(parts):
        return "/".join(p for p in parts if p)
    return text(bk, "Prtry/Cd")


def _agreed(values: list[Any]) -> Any:
    """The value all TxDtls agree on, else None (a merged batch entry must not pick one at random)."""
    return values[0] if values and all(v == values[0] for v in values) else None
