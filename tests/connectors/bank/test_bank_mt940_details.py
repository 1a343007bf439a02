"""The `:86:` text of MT940 entries: German ?NN sub-fields, Dutch /CODE/ pairs and free text."""

from __future__ import annotations

import pytest

from ofm.connectors.bank.mt940_details import parse_details

CASES = [
    pytest.param(
        ["166?00SEPA-GUTSCHRIFT?109310?20EREF+E2E-1?21KREF+K-9?22MREF+M-1?23SVWZ+Rechnung 12",
         "34 vom 01.03.?30COBADEFFXXX?31DE89370400440532013000?32Max Mustermann Handels?33gesellschaft"],
        {"end_to_end_id": "E2E-1", "remittance": "Rechnung 1234 vom 01.03.", "counterparty_bic": "COBADEFFXXX",
         "counterparty_iban": "DE89370400440532013000", "counterparty_name": "Max Mustermann Handelsgesellschaft"},
        id="german-sepa-keywords"),
    pytest.param(
        ["105?00SEPA-LASTSCHRIFT?20EREF+NOTPROVIDED?21SVWZ+RF18 5390 0754 7034?3050010517?310123456789"],
        {"end_to_end_id": None, "remittance": "RF18 5390 0754 7034", "counterparty_bic": None,
         "counterparty_iban": "0123456789", "creditor_reference": None},
        id="german-blz-and-account-spaced-rf-is-not-taken"),
    pytest.param(
        ["116?00UEBERWEISUNG?20SVWZ+RF18539007547034 Rg 7"],
        {"remittance": "RF18539007547034 Rg 7", "creditor_reference": "RF18539007547034",
         "creditor_reference_type": "RF"},
        id="german-rf-in-remittance"),
    pytest.param(
        ["805?00ENTGELT?20Kontofuehrung?21 02/2026"],
        {"remittance": "Kontofuehrung 02/2026", "end_to_end_id": None},
        id="german-without-keywords"),
    pytest.param(
        ["/EREF/E2E-7//CNTP/NL91ABNA0417164300/ABNANL2A/Jansen B.V./AMSTER", "DAM//REMI/USTD//Factuur 881/"],
        {"end_to_end_id": "E2E-7", "counterparty_iban": "NL91ABNA0417164300", "counterparty_bic": "ABNANL2A",
         "counterparty_name": "Jansen B.V.", "remittance": "Factuur 881"},
        id="dutch-ing-cntp"),
    pytest.param(
        ["/TRTP/SEPA OVERBOEKING/IBAN/NL02ABNA0123456789/BIC/ABNANL2A/NAME/KPN B.V./REMI/STRD/CUR/12345678",
         "90123456/EREF/NOTPROVIDED"],
        {"end_to_end_id": None, "counterparty_iban": "NL02ABNA0123456789", "counterparty_name": "KPN B.V.",
         "creditor_reference": "1234567890123456", "creditor_reference_type": "SCOR", "remittance": None},
        id="dutch-abn-strd-cur"),
    pytest.param(
        ["/EREF/X//CNTP///ANONIEM//REMI/Gift/"],
        {"counterparty_name": "ANONIEM", "counterparty_iban": None, "counterparty_bic": None, "remittance": "Gift"},
        id="dutch-empty-cntp-parts"),
    pytest.param(
        ["GIRO   428428 KPN - DIGITENNE    BETALINGSKENM.  000000042188659", "INCL. 1,44 BTW"],
        {"remittance": "GIRO 428428 KPN - DIGITENNE BETALINGSKENM. 000000042188659 INCL. 1,44 BTW",
         "counterparty_name": None},
        id="free-text"),
    pytest.param([], {"remittance": None}, id="no-86"),
]


@pytest.mark.parametrize(("lines", "expected"), CASES)
def test_details(lines, expected):
    found = parse_details(lines)
    assert {key: found[key] for key in expected} == expected
