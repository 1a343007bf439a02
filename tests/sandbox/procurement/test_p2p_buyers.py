"""The story as the Belgian buyer sends it: same documents, its legal entity and VAT codes, totals that add up."""

from __future__ import annotations

from decimal import Decimal

from ofm.sandbox.procurement import ProcurementPlatform
from ofm.sandbox.procurement.p2p import UNKNOWN_TAX_CODE

KINDS = ("purchase-orders", "receipts", "invoices")


def docs(buyer: str) -> dict[str, dict]:
    platform = ProcurementPlatform(60, 7, buyer=buyer)
    platform.advance()
    return {r["id"]: r for kind in KINDS for r in platform.documents(kind)}


def test_the_belgian_buyer_sends_the_same_story_with_its_entity_and_vat_codes():
    de, be = docs("DE"), docs("BE")
    assert de.keys() == be.keys()
    assert {r.get("legal_entity") for r in be.values()} - {None} == {"ACME-BE", "ACME-NL"}
    codes = {(r["id"], ln["item_code"], ln.get("tax_code")) for r in be.values() for ln in r["lines"]
             if ln.get("tax_code")}
    assert {c for _, _, c in codes} == {"VAT21", "VAT21S", "VAT6", UNKNOWN_TAX_CODE}
    assert ("PO-2026-0008", "OFM-CLEANING", "VAT21S") in codes and ("PO-2026-0019", "OFM-COFFEE", "VAT6") in codes
    for ident, record in be.items():  # only taxes change: quantities, prices and ids stay
        assert [(ln.get("quantity"), ln.get("unit_price")) for ln in record["lines"]] == \
            [(ln.get("quantity"), ln.get("unit_price")) for ln in de[ident]["lines"]]


def test_a_belgian_invoice_adds_up_with_its_own_rates():
    [bill] = [r for r in docs("BE").values() if r["id"] == "INV-000001"]
    assert [ln["tax_percent"] for ln in bill["lines"]] == ["21", "21"]
    assert (bill["untaxed"], bill["tax"], bill["total"]) == ("3990.00", "837.90", "4827.90")
    assert Decimal(bill["untaxed"]) + Decimal(bill["tax"]) == Decimal(bill["total"])
