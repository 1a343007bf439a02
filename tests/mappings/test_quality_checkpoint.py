"""The data-quality checkpoint: one GX run over a batch holding every failure case, then one assertion each.

Great Expectations takes ~7 s to import, so this module validates once (module-scoped) and a
second time only to show the context is reused and references are read at run time.
"""

import json

import pytest
from mapping_factory import REFERENCES, api_record, iban_de, pairs, vat_de

from ofm.mappings import quality
from ofm.mappings.engine import bundled_mapping, load_mapping, map_batch
from ofm.mappings.quality import CheckResult, bundled_suite, run_checkpoint

API = load_mapping(bundled_mapping("procurement/supplier"))
OK = ["ok", "ok_no_vat_no_bank", "ok_gb", "ok_ch", "ok_no", "ok_gr", "ok_no_terms"]
CASES = {
    # record id: (raw overrides, the checks that must fail)
    "ok": ({}, set()),
    "ok_no_vat_no_bank": ({"tax_id": None, "bank_accounts": []}, set()),
    "ok_gb": ({"country": "GB", "tax_id": "GB980780684", "currency": "GBP",
               "bank_accounts": [{"iban": "GB29NWBK60161331926819"}]}, set()),
    "ok_ch": ({"country": "CH", "tax_id": "CHE-107.787.577 IVA", "currency": "CHF"}, set()),
    "ok_no": ({"country": "NO", "tax_id": "NO995525828MVA", "currency": "EUR"}, set()),
    "ok_gr": ({"country": "GR", "tax_id": "EL094259216"}, set()),
    "ok_no_terms": ({"payment_terms": None}, set()),
    "bad_vat_digit": ({"tax_id": "DE123456789"}, {"vat_valid"}),
    "vat_other_country": ({"tax_id": "FR40303265045"}, {"vat_valid"}),
    "bad_iban": ({"bank_accounts": [{"iban": iban_de(900)}, {"iban": "DE89370400440532013001"}]}, {"iban_valid"}),
    "no_country": ({"country": None, "addresses": []}, {"country_present"}),
    "unknown_country": ({"country": "XK", "tax_id": None}, {"country_known"}),
    "dup_code_a": ({"vendor_code": "V-DUP"}, {"vendor_code_unique"}),
    "dup_code_b": ({"vendor_code": "V-DUP"}, {"vendor_code_unique"}),
    "dup_vat_a": ({"tax_id": vat_de(777)}, {"vat_unique"}),
    "dup_vat_b": ({"tax_id": vat_de(777)}, {"vat_unique"}),
    "unknown_currency": ({"currency": "XYZ"}, {"currency_active"}),
    "inactive_currency": ({"currency": "CZK"}, {"currency_active"}),
    "no_currency": ({"currency": None}, {"currency_present"}),
    "term_not_in_odoo": ({"payment_terms": "NET90"}, {"payment_term_known"}),
    "two_failures": ({"tax_id": "DE123456780", "bank_accounts": [{"iban": "DE00123"}]}, {"vat_valid", "iban_valid"}),
}


def batch():
    records = [api_record(n, id=ref, **over) for n, (ref, (over, _)) in enumerate(CASES.items(), start=1)]
    suppliers, failures = map_batch(API, pairs(records))
    assert failures == []
    return suppliers


@pytest.fixture(scope="module")
def result() -> CheckResult:
    return run_checkpoint(bundled_suite("supplier"), batch(), REFERENCES)


def by_record(result: CheckResult) -> dict[str, list]:
    out: dict[str, list] = {}
    for failure in result.failures:
        out.setdefault(failure.record_ref.split(":", 1)[1], []).append(failure)
    return out


def test_valid_records_pass_in_input_order(result):
    assert [s.source_ref for s in result.passed] == OK


@pytest.mark.parametrize("ref", [r for r in CASES if r not in OK])
def test_each_failure_case_fails_exactly_its_checks(result, ref):
    failures = by_record(result)[ref]
    assert {f.check for f in failures} == CASES[ref][1]
    for f in failures:
        assert f.record_ref == f"procurement:{ref}"
        assert f.message.startswith(f"procurement:{ref}: ")
        assert f.category == "business"


@pytest.mark.parametrize(("ref", "check", "parts"), [
    ("bad_vat_digit", "vat_valid", ["vat 'DE123456789'", "country DE", "check digit does not match"]),
    ("vat_other_country", "vat_valid", ["vat 'FR40303265045'", "prefix FR does not match country DE"]),
    ("bad_iban", "iban_valid", ["bank_accounts", "DE…3001"]),
    ("no_country", "country_present", ["country is missing"]),
    ("unknown_country", "country_known", ["country 'XK'"]),
    ("dup_code_a", "vendor_code_unique", ["vendor_code 'V-DUP'"]),
    ("dup_vat_b", "vat_unique", [f"vat '{vat_de(777)}'"]),
    ("unknown_currency", "currency_active", ["currency 'XYZ'"]),
    ("inactive_currency", "currency_active", ["currency 'CZK' is not an active currency"]),
    ("term_not_in_odoo", "payment_term_known", ["payment term '90 Days' does not exist in Odoo"]),
])
def test_messages_name_record_field_and_value(result, ref, check, parts):
    message = next(f.message for f in by_record(result)[ref] if f.check == check)
    for part in parts:
        assert part in message, message


def test_iban_failures_belong_to_treasury_and_never_show_the_full_iban(result):
    failures = [f for f in result.failures if f.check == "iban_valid"]
    assert {f.owner_team for f in failures} == {"treasury"}
    everything = result.markdown + json.dumps(result.stats) + " ".join(f.message for f in result.failures)
    assert "DE89370400440532013001" not in everything and iban_de(900) not in everything
    assert "DE…3001" in everything


def test_stats_count_each_check_and_are_json(result):
    stats = json.loads(json.dumps(result.stats))
    assert stats["records"] == len(CASES) and stats["records_passed"] == len(OK)
    assert stats["records_failed"] == len(CASES) - len(OK)
    assert stats["unexpected"] == {
        "legal_name_present": 0, "country_present": 1, "currency_present": 1, "vat_valid": 3, "iban_valid": 2,
        "country_known": 1, "currency_active": 2, "payment_term_known": 1, "vendor_code_unique": 2, "vat_unique": 2}
    assert (stats["evaluated"], stats["successful"]) == (10, 1)


def test_markdown_has_the_expectation_table_and_totals(result):
    md = result.markdown
    assert "| check | expectation | column | success | unexpected | owner |" in md
    assert "| vendor_code_unique | to_be_unique | vendor_code | **no** | 2 | vendor-master |" in md
    assert "| legal_name_present | to_not_be_null | legal_name | yes | 0 | vendor-master |" in md
    assert "| iban_valid | to_be_in_set [True] | ibans_valid | **no** | 2 | treasury |" in md
    assert f"1 of 10 expectations met; {len(OK)} of {len(CASES)} records passed" in md
    assert "procurement:term_not_in_odoo" in md


def test_references_are_read_at_run_time_and_the_gx_context_is_reused(result):
    context, validations = list(quality._CONTEXT), dict(quality._VALIDATIONS)
    refs = REFERENCES | {"payment_terms": REFERENCES["payment_terms"] | {"90 Days"}, "currencies": {"EUR", "CZK",
                                                                                                  "XYZ", "GBP", "CHF"}}
    again = run_checkpoint(bundled_suite("supplier"), batch(), refs)
    assert "term_not_in_odoo" not in by_record(again) and "inactive_currency" not in by_record(again)
    assert (context, validations) == (quality._CONTEXT, quality._VALIDATIONS)


def test_an_empty_batch_needs_no_validation():
    empty = run_checkpoint(bundled_suite("supplier"), [], REFERENCES)
    assert (empty.passed, empty.failures, empty.stats["records"]) == ([], [], 0)
    assert "No records to check." in empty.markdown


def test_missing_references_are_an_error_not_a_silent_pass():
    with pytest.raises(KeyError, match="payment_terms"):
        run_checkpoint(bundled_suite("supplier"), batch()[:1], {"countries": {"DE"}, "currencies": {"EUR"}})
