"""Hostile and broken files: refused with the file name and a position, never half-read, never a traceback."""

from __future__ import annotations

import pathlib

import pytest
from bank_regen import GOLDEN_DIR

from ofm.connectors.bank import BankFileError, parse_bytes, parse_file

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol3;</BkToCstmrStmt></Document>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&xxe;</BkToCstmrStmt></Document>
"""
OFX_XXE = b"""<?xml version="1.0"?>
<?OFX OFXHEADER="200" VERSION="211"?>
<!DOCTYPE OFX [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>&xxe;</CURDEF></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""
SGML_OFX = """OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR
<BANKACCTFROM><ACCTID>1234</BANKACCTFROM>
<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260302<TRNAMT>-1.00<FITID>1</STMTTRN></BANKTRANLIST>
<LEDGERBAL><BALAMT>10.00<DTASOF>20260302</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def _golden(name: str) -> bytes:
    return (GOLDEN_DIR / name).read_bytes()


def _refused(data: bytes, name: str = "hostile.xml", **kwargs) -> BankFileError:
    with pytest.raises(BankFileError) as info:
        parse_bytes(data, name, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    return info.value


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, OFX_XXE], ids=["billion-laughs", "xxe", "ofx-xxe"])
def test_entities_and_dtds_are_refused(data):
    error = _refused(data)
    assert "DTD or entities is refused" in error.reason
    assert error.position == "line 2" or error.position == "line 3"


def test_truncated_camt_names_line_and_column():
    data = _golden("camt053-v05-references.xml")
    error = _refused(data[: len(data) // 2], "cut.xml")
    assert error.position.startswith("line ") and " column " in error.position
    assert "malformed or truncated XML" in error.reason


def test_truncated_mt940_names_the_line():
    lines = _golden("mt940-german-structured.sta").splitlines(keepends=True)
    cut = b"".join(lines[:12])  # ends inside the statement: no :62F:
    error = _refused(cut, "cut.sta")
    assert error.position == "line 12" and "no closing balance" in error.reason


def test_bad_mt940_field_names_its_line():
    data = _golden("mt940-german-structured.sta").replace(b":61:2603020302D450,00", b":61:26030X0302D450,00")
    error = _refused(data, "bad.sta")
    assert error.position == "line 9" and error.reason.startswith(":61:")


def test_truncated_sgml_ofx_names_line_and_column():
    error = _refused(SGML_OFX[:-60].encode(), "cut.ofx")
    assert error.position.startswith("line 8 column ") and "never closed" in error.reason


def test_truncated_xml_ofx_names_line_and_column():
    data = _golden("ofx211-checking.ofx")
    error = _refused(data[:1500], "cut.ofx")
    assert error.position.startswith("line ") and "malformed or truncated XML" in error.reason


def test_sgml_ofx_reads_when_whole():
    [statement] = parse_bytes(SGML_OFX.encode(), "ok.ofx")
    assert str(statement.opening_balance.amount) == "11.00"


def test_bad_amount_fails_the_whole_file_with_the_element_path():
    data = _golden("camt053-v05-references.xml").replace(b">830.00<", b">8,30.00<")
    error = _refused(data, "bad.xml")
    assert error.position == "BkToCstmrStmt/Stmt[1]/Ntry[2]" and "not an amount" in error.reason


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"\x00\x01\x02 binary junk", "not a bank statement format"),
    (b"<html><body>hello</body></html>", "not camt"),
    (_golden("camt053-v05-references.xml").replace(b"camt.053.001.05", b"camt.053.001.09"), "not a supported version"),
    (_golden("camt053-v05-references.xml").replace(b"<Sts>BOOK</Sts>", b"<Sts>XXXX</Sts>", 1), "unknown entry status"),
])
def test_refused_with_reason(data, reason):
    assert reason in _refused(data).reason


def test_oversize_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.sta"
    with big.open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)  # sparse: nothing to write, 60 MB to read
    opened: list[pathlib.Path] = []
    monkeypatch.setattr(pathlib.Path, "open", lambda self, *a, **k: opened.append(self))
    with pytest.raises(BankFileError, match="more than the 52428800 bytes"):
        parse_file(big)
    assert opened == []


def test_size_limit_is_configurable():
    data = _golden("ofx211-checking.ofx")
    assert "more than the 100 bytes" in _refused(data, "small.ofx", max_bytes=100).reason


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(BankFileError, match=r"nope\.sta: cannot read the file"):
        parse_file(tmp_path / "nope.sta")


def test_ofx_foreign_currency_transaction_is_refused_with_its_path():
    data = SGML_OFX.replace("<TRNAMT>-1.00", "<TRNAMT>-1.00<CURRENCY><CURRATE>1.1<CURSYM>USD</CURRENCY>")
    error = _refused(data.encode(), "fx.ofx")
    assert error.position == "STMTRS[1]/STMTTRN[1]" and "another currency" in error.reason


def test_ofx_bad_amount_names_the_transaction():
    error = _refused(SGML_OFX.replace("<TRNAMT>-1.00", "<TRNAMT>-1.0.0").encode(), "amt.ofx")
    assert (error.position, error.reason) == ("STMTRS[1]/STMTTRN[1]", "not an amount: '-1.0.0'")
