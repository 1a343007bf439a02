"""The supplier generator: the same data for the same seed, valid identifiers where clean,
every dirty case present (and failing the same validators) even in a small feed."""

from __future__ import annotations

import collections
import warnings

import pytest
from schwifty import BIC, IBAN
from stdnum import vatin

from ofm.rules.resemblance import group_by_country, similar_partners
from ofm.sandbox.procurement import DIRTY_CASES, STATUS_CASES, dirty_cases, generate_suppliers

KEYS = ["id", "revision", "updated_at", "status", "legal_name", "tax_id", "vendor_code", "country", "currency",
        "payment_terms", "email", "phone", "website", "addresses", "contacts", "bank_accounts"]
CURRENCY = {"GB": "GBP", "US": "USD", "SE": "SEK", "DK": "DKK", "PL": "PLN"}


def iban_ok(value: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            IBAN(value, validate_bban=True)
        except ValueError:
            return False
    return True


@pytest.fixture(scope="module")
def feed300() -> list[dict]:
    return generate_suppliers(300)


def test_same_seed_same_data_other_seed_or_prefix_other_data(feed300):
    assert generate_suppliers(300) == feed300
    other = generate_suppliers(30, seed=8)
    assert [r["legal_name"] for r in other] != [r["legal_name"] for r in feed300[:30]]
    erp = generate_suppliers(5, id_prefix="ERP", dirty=False)
    assert [r["id"] for r in erp][:2] == ["ERP-000001", "ERP-000002"]
    assert erp[0]["vendor_code"] == "V-ERP-00001" and feed300[0]["vendor_code"] == "V-00001"


def test_a_record_does_not_depend_on_the_feed_size():
    assert generate_suppliers(20, dirty=False) == generate_suppliers(60, dirty=False)[:20]


def test_record_shape_and_logical_clock(feed300):
    assert all(list(r) == KEYS for r in feed300)
    assert [r["id"] for r in feed300[:2]] == ["SUP-000001", "SUP-000002"]
    assert feed300[0]["updated_at"] == "2026-11-01T08:00:00Z" and feed300[61]["updated_at"] == "2026-11-01T08:01:01Z"
    assert all(r["revision"] == 1 for r in feed300)
    assert len({r["id"] for r in feed300}) == 300


def test_clean_feed_is_valid_everywhere():
    records = generate_suppliers(400, seed=3, dirty=False)
    countries = collections.Counter(r["country"] for r in records)
    assert {"DE", "FR", "NL", "IT", "ES", "BE", "AT", "GB", "US"} <= set(countries)
    assert countries["US"] < 0.1 * len(records)
    assert len({r["vendor_code"] for r in records}) == 400
    assert len({r["tax_id"] for r in records if r["tax_id"]}) == 400 - countries["US"]
    for r in records:
        assert r["status"] == "approved" and r["payment_terms"] in {"IMMEDIATE", "NET15", "NET30", "NET45", "EOM"}
        assert r["currency"] == CURRENCY.get(r["country"], "EUR")
        assert r["addresses"][0]["country"] == r["country"] and r["email"].endswith(".example")
        if r["country"] == "US":
            assert r["tax_id"] is None and r["bank_accounts"] == [] and r["addresses"][0]["region"]
            continue
        assert r["tax_id"].startswith(r["country"]) and vatin.is_valid(r["tax_id"]), r["tax_id"]
        (bank,) = r["bank_accounts"]
        assert bank["iban"].startswith(r["country"]) and iban_ok(bank["iban"]), bank["iban"]
        assert BIC(bank["bic"]).country_code == r["country"] and bank["holder"] == r["legal_name"]


def test_no_two_clean_suppliers_look_alike_to_the_resemblance_rule():
    records = generate_suppliers(400, seed=3, dirty=False)
    rows = [{"id": i, "name": r["legal_name"], "country_id": [r["country"], r["country"]]}
            for i, r in enumerate(records)]
    pool = group_by_country(rows)
    for row in rows:
        others = {c: [p for p in ps if p[0] != row["id"]] for c, ps in pool.items()}
        assert similar_partners(row["name"], row["country_id"][0], others) == [], row["name"]


@pytest.mark.parametrize("n", [30, 300])
def test_every_dirty_case_is_present_even_in_a_small_feed(n):
    cases = dirty_cases(n)
    assert set(cases.values()) == set(DIRTY_CASES) | set(STATUS_CASES)
    assert collections.Counter(cases.values())["duplicate_vendor_code"] % 2 == 0
    assert cases == dirty_cases(n)


def test_about_eight_percent_dirty():
    counts = collections.Counter(dirty_cases(500).values())
    dirty = sum(v for k, v in counts.items() if k in DIRTY_CASES)
    assert 0.06 * 500 <= dirty <= 0.10 * 500
    assert counts["pending_approval"] == 15 and counts["blocked"] + counts["inactive"] == 10


@pytest.mark.parametrize("n", [30, 300])
def test_dirty_records_fail_exactly_where_they_should(n):
    records, cases = generate_suppliers(n), dirty_cases(n)
    by_case = collections.defaultdict(list)
    for r in records:
        by_case[cases.get(r["id"], "clean")].append(r)
    for r in by_case["invalid_vat"]:
        assert r["tax_id"][:2] == r["country"] and not vatin.is_valid(r["tax_id"])
    for r in by_case["invalid_iban"]:
        assert not iban_ok(r["bank_accounts"][0]["iban"])
    for r in by_case["missing_country"]:
        assert r["country"] is None and r["addresses"][0]["country"] is None
    codes = collections.Counter(r["vendor_code"] for r in records)
    assert sorted(r["id"] for r in records if codes[r["vendor_code"]] > 1) == \
        sorted(r["id"] for r in by_case["duplicate_vendor_code"])
    assert {r["payment_terms"] for r in by_case["unknown_payment_term"]} == {"NET99"}
    assert {r["payment_terms"] for r in by_case["payment_term_not_in_odoo"]} == {"NET90"}
    for status in STATUS_CASES:
        assert {r["status"] for r in by_case[status]} == {status}
    for r in by_case["clean"] + by_case["pending_approval"] + by_case["blocked"] + by_case["inactive"]:
        assert r["tax_id"] is None or vatin.is_valid(r["tax_id"])
        assert all(iban_ok(b["iban"]) for b in r["bank_accounts"])
    assert all(r["status"] == "approved" for r in by_case["clean"])
    assert not any("dirty" in key for r in records for key in r)
