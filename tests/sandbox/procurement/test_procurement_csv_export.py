"""The CSV export of a second system: the documented columns, that system's codes, and a file
the connector's file reader reads back to the same values."""

from __future__ import annotations

import csv
import io

from ofm.connectors.procurement import read_supplier_file
from ofm.sandbox.procurement import COLUMNS, generate_suppliers, to_csv

HEADER = ("supplier_no,revision,name,vat_number,vendor_ref,country_code,currency,terms,state,email,phone,"
          "street,street2,zip,city,iban,bic,account_holder")


def record(**changes) -> dict:
    base = generate_suppliers(1, dirty=False)[0]
    return base | changes


def test_header_is_the_documented_one():
    assert to_csv([]).splitlines() == [HEADER]
    assert ",".join(COLUMNS) == HEADER


def test_states_and_terms_use_the_export_codes():
    rows = list(csv.DictReader(io.StringIO(to_csv([
        record(status=status, payment_terms=terms) for status, terms in [
            ("approved", "NET30"), ("pending_approval", "IMMEDIATE"), ("blocked", "NET15"), ("inactive", "NET45"),
            ("approved", "EOM"), ("approved", "NET99"), ("approved", "NET90")]]))))
    assert [(r["state"], r["terms"]) for r in rows] == [
        ("active", "30"), ("pending", "0"), ("blocked", "15"), ("inactive", "45"), ("active", "EOM"),
        ("active", "99"), ("active", "90")]


def test_first_address_and_bank_only_and_none_is_empty():
    base = record()
    second_address = base["addresses"][0] | {"line1": "Elsewhere 1", "city": "Other"}
    second_bank = base["bank_accounts"][0] | {"iban": "XX00"}
    row = next(csv.DictReader(io.StringIO(to_csv([record(
        tax_id=None, addresses=[base["addresses"][0] | {"line2": None}, second_address],
        bank_accounts=[base["bank_accounts"][0], second_bank])]))))
    assert row["supplier_no"] == "SUP-000001" and row["vat_number"] == "" and row["street2"] == ""
    assert row["street"] == base["addresses"][0]["line1"] and row["city"] == base["addresses"][0]["city"]
    assert row["zip"] == base["addresses"][0]["postal_code"]
    assert (row["iban"], row["bic"], row["account_holder"]) == tuple(
        base["bank_accounts"][0][k] for k in ("iban", "bic", "holder"))
    no_bank = next(csv.DictReader(io.StringIO(to_csv([record(bank_accounts=[], addresses=[])]))))
    assert no_bank["iban"] == no_bank["street"] == ""


def test_the_file_reader_reads_the_export_back(tmp_path):
    records = generate_suppliers(25, seed=11, dirty=True)
    path = tmp_path / "erp-suppliers.csv"
    path.write_text(to_csv(records), encoding="utf-8")
    batch = read_supplier_file(path)
    assert batch.format == "csv" and len(batch.records) == 25
    first, source = batch.records[0], records[0]
    assert first["supplier_no"] == source["id"] and first["name"] == source["legal_name"]
    assert first["vat_number"] == source["tax_id"] and first["revision"] == "1"
    assert all(r["street2"] is None or r["street2"].strip() for r in batch.records)
