"""camt rules on small hand-made documents: versions, status, sides, batch splitting, balances."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ofm.canonical.bank import EntryStatus
from ofm.connectors.bank import BankFileError, parse_bytes

OWN = "NL91ABNA0417164300"
CONTAINERS = {"052": ("BkToCstmrAcctRpt", "Rpt"), "053": ("BkToCstmrStmt", "Stmt"),
              "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}


def camt(body: str, kind: str = "053", version: int = 8) -> bytes:
    document, item = CONTAINERS[kind]
    return (f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version:02d}">'
            f"<{document}><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-03-02T10:00:00</CreDtTm></GrpHdr>"
            f"<{item}><Id>S1</Id><Acct><Id><IBAN>{OWN}</IBAN></Id><Ccy>EUR</Ccy></Acct>{body}</{item}>"
            f"</{document}></Document>").encode()


def ntry(amount: str, indicator: str, details: str = "", extra: str = "<Sts>BOOK</Sts>") -> str:
    return (f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{extra}'
            f"<BookgDt><Dt>2026-03-02</Dt></BookgDt><NtryDtls>{details}</NtryDtls></Ntry>")


def bal(code: str, amount: str, indicator: str = "CRDT") -> str:
    return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>'
            f"<CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>")


def tx(amount: str | None = None, party: str = "", e2e: str = "E", ustrd: str = "", ccy: str = "EUR") -> str:
    amt = f'<Amt Ccy="{ccy}">{amount}</Amt>' if amount else ""
    return (f"<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>{amt}<RltdPties>{party}</RltdPties>"
            f"<RmtInf><Ustrd>{ustrd}</Ustrd></RmtInf></TxDtls>")


@pytest.mark.parametrize("kind", sorted(CONTAINERS))
@pytest.mark.parametrize("version", range(2, 9))
def test_every_supported_version(kind, version):
    [statement] = parse_bytes(camt(ntry("1.00", "CRDT", extra="<Sts>BOOK</Sts>"), kind, version), "v.xml")
    assert statement.format == f"camt.{kind}.001.{version:02d}"
    assert statement.entries[0].amount.amount == Decimal("1.00")


def test_v08_status_code_and_party_wrapper():
    party = "<Cdtr><Pty><Nm>Supplier BV</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>NL02ABNA0123456789</IBAN></Id></CdtrAcct>"
    [s] = parse_bytes(camt(ntry("5.00", "DBIT", tx(party=party), "<Sts><Cd>PDNG</Cd></Sts>")), "v8.xml")
    [e] = s.entries
    assert (e.status, e.amount.amount, e.counterparty_name, e.counterparty_iban) == (
        EntryStatus.PENDING, Decimal("-5.00"), "Supplier BV", "NL02ABNA0123456789")


def test_batch_split_only_when_amounts_add_up():
    same = "<Dbtr><Nm>Payer</Nm></Dbtr>"
    split = ntry("3.00", "CRDT", tx("1.00", same, "A", "one") + tx("2.00", same, "B", "two"))
    assert [e.end_to_end_id for e in parse_bytes(camt(split), "s.xml")[0].entries] == ["A", "B"]
    unequal = ntry("3.50", "CRDT", tx("1.00", same, "A", "one") + tx("2.00", same, "B", "two"))
    [whole] = parse_bytes(camt(unequal), "u.xml")[0].entries
    assert (whole.amount.amount, whole.counterparty_name, whole.end_to_end_id, whole.remittance) == (
        Decimal("3.50"), "Payer", None, "one two")  # agreed fields kept, disputed ones dropped
    foreign = ntry("3.00", "CRDT", tx("1.00", same, ccy="USD") + tx("2.00", same, ccy="USD"))
    assert len(parse_bytes(camt(foreign), "f.xml")[0].entries) == 1


def test_single_txdtls_amount_in_other_currency_does_not_replace_the_entry_amount():
    [e] = parse_bytes(camt(ntry("8.85", "CRDT", tx("0", ccy="SEK"))), "g.xml")[0].entries
    assert (e.amount.amount, e.amount.currency, e.original_amount) == (Decimal("8.85"), "EUR", None)


def test_our_own_account_is_never_the_counterparty():
    only_us = f"<Cdtr><Nm>Us</Nm></Cdtr><CdtrAcct><Id><IBAN>{OWN}</IBAN></Id></CdtrAcct>"
    [e] = parse_bytes(camt(ntry("1.00", "CRDT", tx(party=only_us))), "o.xml")[0].entries
    assert (e.counterparty_name, e.counterparty_iban) == (None, None)


def test_reversal_keeps_the_original_roles():
    parties = ("<Dbtr><Nm>Customer</Nm></Dbtr><DbtrAcct><Id><IBAN>NL02ABNA0123456789</IBAN></Id></DbtrAcct>"
               f"<Cdtr><Nm>Us</Nm></Cdtr><CdtrAcct><Id><IBAN>{OWN}</IBAN></Id></CdtrAcct>")
    reversed_debit = ntry("9.00", "DBIT", tx(party=parties), "<RvslInd>true</RvslInd><Sts>BOOK</Sts>")
    [e] = parse_bytes(camt(reversed_debit), "r.xml")[0].entries
    assert (e.amount.amount, e.reversal, e.counterparty_name) == (Decimal("-9.00"), True, "Customer")


def test_instructed_amount_in_same_currency_is_no_fx():
    details = '<TxDtls><AmtDtls><InstdAmt><Amt Ccy="EUR">1.00</Amt></InstdAmt></AmtDtls></TxDtls>'
    [e] = parse_bytes(camt(ntry("1.00", "CRDT", details)), "i.xml")[0].entries
    assert e.original_amount is None


@pytest.mark.parametrize(("balances", "opening", "closing"), [
    (bal("OPBD", "1.00") + bal("ITBD", "2.00") + bal("CLAV", "9.00"), "1.00", "2.00"),
    (bal("ITBD", "1.00", "DBIT") + bal("ITBD", "2.00"), "-1.00", "2.00"),
    (bal("PRCD", "1.00") + bal("CLBD", "3.00") + bal("ITBD", "2.00"), "1.00", "3.00"),
    (bal("CLAV", "9.00") + bal("OPAV", "8.00"), None, None),
])
def test_balance_choice(balances, opening, closing):
    [s] = parse_bytes(camt(balances + ntry("1.00", "CRDT")), "b.xml")
    assert (str(s.opening_balance.amount) if s.opening_balance else None) == opening
    assert (str(s.closing_balance.amount) if s.closing_balance else None) == closing


def test_missing_status_is_an_error_not_a_default():
    with pytest.raises(BankFileError, match=r"Ntry\[1\]: entry without a status"):
        parse_bytes(camt(ntry("1.00", "CRDT", extra="")), "s.xml")


def test_missing_indicator_names_the_entry():
    with pytest.raises(BankFileError) as info:
        parse_bytes(camt(ntry("1.00", "CRDT") + ntry("1.00", "")), "m.xml")
    assert info.value.position == "BkToCstmrStmt/Stmt[1]/Ntry[2]" and "CdtDbtInd" in info.value.reason
