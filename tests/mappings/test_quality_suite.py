"""The checks GX cannot do (VAT, IBAN) as tables, and the suite file's validation. No GX import here."""

from pathlib import Path

import pytest
import yaml
from mapping_factory import iban_de, vat_de

from ofm.canonical import BankAccount, Supplier
from ofm.mappings.frame import COLUMNS, iban_valid, supplier_rows, vat_problem
from ofm.mappings.suite import SuiteError, bundled_suite, load_suite


@pytest.mark.parametrize(("vat", "country", "problem"), [
    (None, "DE", None),
    (vat_de(1), "DE", None),
    (vat_de(1), None, None),
    ("DE123456789", "DE", "check digit does not match"),
    ("DE12345678", "DE", "wrong length"),
    ("FR40303265045", "FR", None),
    ("FR40303265045", "DE", "prefix FR does not match country DE"),
    (vat_de(1), "AT", "prefix DE does not match country AT"),
    (vat_de(1), "US", "prefix DE does not match country US"),
    ("ATU13585627", "AT", None),
    ("NL004495445B01", "NL", None),
    ("EL094259216", "GR", None),
    ("EL094259216", "DE", "prefix EL does not match country DE"),
    ("GB980780684", "GB", None),
    ("XI980780684", "GB", None),
    ("GB980780685", "GB", "check digit does not match"),
    ("CHE-107.787.577IVA", "CH", None),
    ("CHE107787577", "CH", "no MWST, TVA or IVA suffix (Odoo refuses a bare UID)"),
    ("CHE107787578MWST", "CH", "check digit does not match"),
    ("NO995525828MVA", "NO", None),
    ("NO995525828", "NO", None),
    ("NO995525829MVA", "NO", "check digit does not match"),
    ("123456788", "DE", "no country prefix (expected DE)"),
    ("12-3456789", "US", None),  # no validator for US tax ids: not checked
    ("US123456789", "US", None),
])
def test_vat_problem(vat, country, problem):
    assert vat_problem(vat, country) == problem


@pytest.mark.parametrize(("iban", "valid"), [
    (iban_de(1), True), ("DE89370400440532013000", True), ("GB29NWBK60161331926819", True),
    ("CH9300762011623852957", True), ("DE89370400440532013001", False), ("DE8937040044053201300", False),
    ("XX00123", False), ("123456789", False),
])
def test_iban_valid(iban, valid):
    assert iban_valid(iban) is valid


def test_rows_hold_derived_columns_and_masked_display_values():
    good = Supplier(source_ref="A", legal_name="A", vat=vat_de(1), country="DE",
                    bank_accounts=[BankAccount(iban=iban_de(1))])
    bad = Supplier(source_ref="B", legal_name="B", vat="DE123456789", country="DE", currency="EUR",
                   bank_accounts=[BankAccount(iban=iban_de(2)), BankAccount(iban="DE89370400440532013001")])
    none = Supplier(source_ref="C", legal_name="C")
    columns, display = supplier_rows([good, bad, none])
    assert tuple(columns) == COLUMNS
    assert columns["row_id"] == ["supplier:A", "supplier:B", "supplier:C"]
    assert columns["vat_valid"] == [True, False, True]
    assert columns["ibans_valid"] == [True, False, True]
    assert display[1]["bad_ibans"] == "DE…3001"
    assert display[1]["vat_problem"] == "check digit does not match"
    assert display[2]["vat"] == "(none)"


def test_bundled_suite_declares_every_check_with_owner_and_category():
    suite = bundled_suite("supplier")
    by_check = {e.check: e for e in suite.expectations}
    assert set(by_check) == {"legal_name_present", "country_present", "currency_present", "vat_valid", "iban_valid",
                             "country_known", "currency_active", "payment_term_known", "vendor_code_unique",
                             "vat_unique"}
    assert by_check["iban_valid"].owner_team == "treasury"
    assert {e.owner_team for c, e in by_check.items() if c != "iban_valid"} == {"vendor-master"}
    assert {e.category for e in suite.expectations} == {"business"}
    assert by_check["country_known"].reference == "countries"
    assert by_check["vat_valid"].value_set == (True,)
    assert bundled_suite("supplier") is suite  # cached


def test_unknown_bundled_suite():
    with pytest.raises(FileNotFoundError, match="no bundled suite named 'invoice'"):
        bundled_suite("invoice")


def _suite_doc() -> dict:
    path = Path(__file__).parents[2] / "ofm" / "mappings" / "suites" / "supplier.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("index", "change", "key", "text"), [
    (0, {"expectation": "expect_column_values_to_be_pretty"}, "expectations[0] (legal_name_present).expectation",
     "unsupported expectation"),
    (0, {"column": "legal_nam"}, "expectations[0] (legal_name_present).column", "unknown column 'legal_nam'"),
    (0, {"message": "{legal_nam} missing"}, "expectations[0] (legal_name_present).message",
     "unknown placeholder {legal_nam}"),
    (0, {"category": "cosmetic"}, "expectations[0] (legal_name_present).category", "must be one of"),
    (0, {"owner_team": ""}, "expectations[0] (legal_name_present).owner_team", "required"),
    (0, {"value_set": [True]}, "expectations[0] (legal_name_present).value_set", "unknown key"),
    (5, {"value_set": "$references.countrys"}, "expectations[5] (country_known).value_set",
     "unknown reference '$references.countrys'"),
    (5, {"value_set": []}, "expectations[5] (country_known).value_set", "required"),
    (1, {"check": "legal_name_present"}, "expectations", "check id 'legal_name_present' used twice"),
])
def test_a_wrong_suite_file_fails_with_file_and_key(tmp_path, index, change, key, text):
    doc = _suite_doc()
    doc["expectations"][index].update(change)
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(err.value).startswith(f"{path}: {key}: "), str(err.value)
    assert text in str(err.value)
