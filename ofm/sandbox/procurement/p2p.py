"""The procure-to-pay story the sandbox tells: orders, receipts and invoices, one case each.

Every case the PO sync, goods receipt and three-way match flows must handle occurs once, with
fixed document ids (`CASES`), on fixed logical days (day 1 at start, day 2 after
`ProcurementPlatform.advance`). Orders name suppliers that supplier onboarding creates in
Odoo on day 1 (clean and approved, untouched by day 2), except the order whose supplier is
only published on day 2. Same suppliers in, same documents out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ofm.sandbox.procurement.documents import (
    Document,
    Scenario,
    bill_line,
    invoice,
    order_line,
    purchase_order,
    receipt,
    stamp,
    supplier_ref,
)

EUR_COUNTRIES = frozenset({"DE", "FR", "NL", "IT", "ES", "BE", "AT"})
SUPPLIER_SLOTS = 6  # distinct suppliers the cases are spread over (fewer when the feed has fewer)
R1, R2 = "2026-10-30", "2026-11-02"  # received_on on day 1 / day 2
B1, B2 = "2026-10-31", "2026-11-02"  # invoice_date on day 1 / day 2
PO, GR, INV = "purchase-orders", "receipts", "invoices"
Record = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One P2P situation and the ids of the documents that make it up."""

    description: str
    orders: tuple[str, ...] = ()
    receipts: tuple[str, ...] = ()
    invoices: tuple[str, ...] = ()


def _po(n: int) -> str:
    return f"PO-2026-{n:04d}"


def _gr(n: int) -> str:
    return f"GR-2026-{n:04d}"


def _inv(n: int) -> str:
    return f"INV-{n:06d}"


CASES: dict[str, Case] = {
    "perfect_match": Case("2 goods lines, fully received, billed exactly (day 1)", (_po(1),), (_gr(1),), (_inv(1),)),
    "price_over_tolerance": Case("billed at +8 % unit price (day 1)", (_po(2),), (_gr(2),), (_inv(2),)),
    "price_within_tolerance": Case("billed at +1 % unit price (day 1)", (_po(3),), (_gr(3),), (_inv(3),)),
    "quantity_above_received": Case("6 of 10 received, 10 billed (day 1)", (_po(4),), (_gr(4),), (_inv(4),)),
    "partial_receipt_second_bill": Case("receive 4 + bill 4 on day 1, receive 6 + bill 6 on day 2",
                                        (_po(5),), (_gr(5), _gr(6)), (_inv(5), _inv(6))),
    "bill_without_order": Case("invoice without any order reference (day 1)", invoices=(_inv(7),)),
    "duplicate_bill": Case("same supplier and invoice_number as the perfect match's bill, new intake id (day 2)",
                           (_po(1),), invoices=(_inv(8),)),
    "duplicate_amount_date": Case("same supplier and total as the perfect match's bill, other number, "
                                  "invoice_date 2 days later (day 2)", (_po(1),), invoices=(_inv(9),)),
    "currency_mismatch": Case("EUR order billed in USD (day 1)", (_po(6),), (_gr(7),), (_inv(10),)),
    "tax_mismatch": Case("VAT19 order line billed with VAT7 (day 1)", (_po(7),), (_gr(8),), (_inv(11),)),
    "services_order": Case("services (billed on ordered qty), no receipt, billed exactly (day 1)",
                           (_po(8),), invoices=(_inv(12),)),
    "amended_before_receipt": Case("rev 1 day 1; rev 2 day 2 raises qty and lowers price of line 1; receipt and "
                                   "bill follow rev 2 (day 2)", (_po(9),), (_gr(9),), (_inv(13),)),
    "amended_after_receipt": Case("8 of 10 received on day 1; rev 2 on day 2 lowers the qty to 5",
                                  (_po(10),), (_gr(10),)),
    "cancelled": Case("rev 2 cancelled on day 2, nothing received", (_po(11),)),
    "cancelled_after_receipt": Case("3 of 6 received on day 1, rev 2 cancelled on day 2", (_po(12),), (_gr(11),)),
    "not_approved": Case("status pending_approval (day 1)", (_po(13),)),
    "unknown_item": Case("line 2 has an item code the catalog does not know (day 1)", (_po(14),)),
    "unknown_tax": Case("tax code VAT25, which no mapping knows (day 1)", (_po(15),)),
    "inactive_currency": Case("order in CZK, inactive in Odoo (day 1)", (_po(16),)),
    "unknown_legal_entity": Case("legal entity ACME-NL, routed nowhere (day 1)", (_po(17),)),
    "over_receipt": Case("12 of 10 kg received (day 1)", (_po(18),), (_gr(12),)),
    "supplier_after_order": Case("day 1 order of a supplier first published on day 2; receipt and bill on day 2",
                                 (_po(19),), (_gr(13),), (_inv(14),)),
    "credit_note": Case("credit note for 1 chair of the perfect match order (day 2)", (_po(1),),
                        invoices=(_inv(15),)),
}
UNKNOWN_ITEM_CODE = "OFM-HOVERBOARD"
UNKNOWN_TAX_CODE = "VAT25"


def candidate_suppliers(records: list[Record], cases: dict[str, str], exclude: set[str]) -> list[Record]:
    """Suppliers onboarding creates cleanly on day 1: approved, not dirty, EUR country with a VAT id,
    and not changed on day 2 (`exclude`), in id order."""
    return [r for r in sorted(records, key=lambda r: r["id"])
            if r["id"] not in cases and r["id"] not in exclude and r["status"] == "approved"
            and r.get("tax_id") and r.get("country") in EUR_COUNTRIES]


def build_scenario(suppliers: list[Record], late_supplier: Record | None) -> Scenario:
    """Every case's documents over `suppliers` (cycled) and the supplier first published on day 2.

    Without a clean supplier (a tiny feed) there is no story: the scenario is empty.
    """
    if not suppliers or late_supplier is None:
        return Scenario()
    refs = [supplier_ref(r) for r in suppliers[:SUPPLIER_SLOTS]]

    def pick(slot: int) -> Record:
        return refs[slot % len(refs)]

    docs: list[Document] = []
    for build in _BUILDERS:
        docs += build(pick)
    docs += _supplier_after_order(supplier_ref(late_supplier))
    return stamp(docs)


Pick = Callable[[int], Record]


def _matched(slot: int, n_po: int, n_gr: int, n_inv: int, lines: list[Record], price: str | None = None,
             tax: str | None = None, currency: str = "EUR", received: str | None = None,
             billed: str | None = None) -> Callable[[Pick], list[Document]]:
    """The day-1 pattern: an order, a receipt, a bill, with one deviation."""
    def build(pick: Pick) -> list[Document]:
        supplier = pick(slot)
        order = purchase_order(_po(n_po), supplier, lines)
        got = {line["line_no"]: received or line["quantity"] for line in lines}
        bill = [bill_line(line["line_no"], line, order["id"], billed or line["quantity"], price, tax)
                for line in lines]
        return [Document(PO, 1, order), Document(GR, 1, receipt(_gr(n_gr), order, got, R1)),
                Document(INV, 1, invoice(_inv(n_inv), f"RE-2026-{100 + n_inv:04d}", supplier, bill, B1, order["id"],
                                         currency))]
    return build


def _perfect(pick: Pick) -> list[Document]:
    supplier = pick(0)
    order = purchase_order(_po(1), supplier, [
        order_line(1, "OFM-CHAIR", "10", cost=(("CC-OPS", "60"), ("CC-ENG", "40"))),
        order_line(2, "OFM-DESK", "5", cost=(("CC-ENG", "100"),))])
    lines = [bill_line(line["line_no"], line, order["id"], line["quantity"]) for line in order["lines"]]
    number = "RE-2026-0101"
    credit = [bill_line(1, order["lines"][0], order["id"], "-1")]
    return [
        Document(PO, 1, order),
        Document(GR, 1, receipt(_gr(1), order, {1: "10", 2: "5"}, R1)),
        Document(INV, 1, invoice(_inv(1), number, supplier, lines, B1, order["id"])),
        # duplicate_bill: the same bill sent again under a new intake id
        Document(INV, 2, invoice(_inv(8), number, supplier, lines, B1, order["id"])),
        # duplicate_amount_date: same total, another number, dated 2 days later
        Document(INV, 2, invoice(_inv(9), "RE-2026-0109", supplier, lines, B2, order["id"])),
        # credit_note: one chair given back
        Document(INV, 2, invoice(_inv(15), "GS-2026-0007", supplier, credit, B2, order["id"], credit_note=True)),
    ]


def _partial(pick: Pick) -> list[Document]:
    supplier = pick(4)
    order = purchase_order(_po(5), supplier, [order_line(1, "OFM-LAPTOP", "10", cost=(("CC-ENG", "100"),))])
    line = order["lines"][0]
    return [Document(PO, 1, order),
            Document(GR, 1, receipt(_gr(5), order, {1: "4"}, R1)),
            Document(INV, 1, invoice(_inv(5), "RE-2026-0105", supplier, [bill_line(1, line, order["id"], "4")], B1,
                                     order["id"])),
            Document(GR, 2, receipt(_gr(6), order, {1: "6"}, R2)),
            Document(INV, 2, invoice(_inv(6), "RE-2026-0106", supplier, [bill_line(1, line, order["id"], "6")], B2,
                                     order["id"]))]


def _without_order(pick: Pick) -> list[Document]:
    lines = [order_line(1, "OFM-TONER", "2"), order_line(2, "OFM-PAPER", "5")]
    bill = [bill_line(line["line_no"], line, None, line["quantity"]) for line in lines]
    return [Document(INV, 1, invoice(_inv(7), "RE-2026-0107", pick(1), bill, B1))]


def _services(pick: Pick) -> list[Document]:
    supplier = pick(1)
    order = purchase_order(_po(8), supplier, [
        order_line(1, "OFM-CLEANING", "1", cost=(("CC-ADMIN", "100"),)),
        order_line(2, "OFM-IT-SUPPORT", "10", cost=(("CC-ENG", "50"), ("CC-SALES", "50")))])
    bill = [bill_line(line["line_no"], line, order["id"], line["quantity"]) for line in order["lines"]]
    return [Document(PO, 1, order), Document(INV, 1, invoice(_inv(12), "RE-2026-0112", supplier, bill, B1,
                                                             order["id"]))]


def _amended_before_receipt(pick: Pick) -> list[Document]:
    supplier = pick(2)
    rev1 = purchase_order(_po(9), supplier, [order_line(1, "OFM-DESK", "10"), order_line(2, "OFM-MONITOR", "4")])
    rev2 = purchase_order(_po(9), supplier, [order_line(1, "OFM-DESK", "12", "405.00"),
                                             order_line(2, "OFM-MONITOR", "4")], revision=2)
    bill = [bill_line(line["line_no"], line, rev2["id"], line["quantity"]) for line in rev2["lines"]]
    return [Document(PO, 1, rev1), Document(PO, 2, rev2),
            Document(GR, 2, receipt(_gr(9), rev2, {1: "12", 2: "4"}, R2)),
            Document(INV, 2, invoice(_inv(13), "RE-2026-0113", supplier, bill, B2, rev2["id"]))]


def _amended_after_receipt(pick: Pick) -> list[Document]:
    rev1 = purchase_order(_po(10), pick(3), [order_line(1, "OFM-CHAIR", "10")])
    rev2 = purchase_order(_po(10), pick(3), [order_line(1, "OFM-CHAIR", "5")], revision=2)
    return [Document(PO, 1, rev1), Document(GR, 1, receipt(_gr(10), rev1, {1: "8"}, R1)), Document(PO, 2, rev2)]


def _cancelled(pick: Pick) -> list[Document]:
    lines = [order_line(1, "OFM-HEADSET", "5")]
    return [Document(PO, 1, purchase_order(_po(11), pick(4), lines)),
            Document(PO, 2, purchase_order(_po(11), pick(4), lines, revision=2, status="cancelled"))]


def _cancelled_after_receipt(pick: Pick) -> list[Document]:
    rev1 = purchase_order(_po(12), pick(5), [order_line(1, "OFM-TONER", "6")])
    rev2 = purchase_order(_po(12), pick(5), rev1["lines"], revision=2, status="cancelled")
    return [Document(PO, 1, rev1), Document(GR, 1, receipt(_gr(11), rev1, {1: "3"}, R1)), Document(PO, 2, rev2)]


def _refused_orders(pick: Pick) -> list[Document]:
    """Day-1 orders the PO sync must not create: not approved, unknown item/tax, CZK, unknown entity."""
    return [Document(PO, 1, order) for order in (
        purchase_order(_po(13), pick(0), [order_line(1, "OFM-PAPER", "10")], status="pending_approval"),
        purchase_order(_po(14), pick(1), [order_line(1, "OFM-CHAIR", "2"), order_line(
            2, UNKNOWN_ITEM_CODE, "1", "499.00", "VAT19", description="Hoverboard, self-balancing", uom="C62")]),
        purchase_order(_po(15), pick(2), [order_line(1, "OFM-DESK", "1", tax_code=UNKNOWN_TAX_CODE)]),
        purchase_order(_po(16), pick(3), [order_line(1, "OFM-MONITOR", "2", "6200.00")], currency="CZK"),
        purchase_order(_po(17), pick(4), [order_line(1, "OFM-CHAIR", "4")], legal_entity="ACME-NL"),
    )]


def _over_receipt(pick: Pick) -> list[Document]:
    order = purchase_order(_po(18), pick(5), [order_line(1, "OFM-SCREWS", "10")])
    return [Document(PO, 1, order), Document(GR, 1, receipt(_gr(12), order, {1: "12"}, R1))]


def _supplier_after_order(supplier: Record) -> list[Document]:
    order = purchase_order(_po(19), supplier, [order_line(1, "OFM-COFFEE", "5"), order_line(2, "OFM-BOOK", "10")],
                           order_date="2026-10-29")
    bill = [bill_line(line["line_no"], line, order["id"], line["quantity"]) for line in order["lines"]]
    return [Document(PO, 1, order), Document(GR, 2, receipt(_gr(13), order, {1: "5", 2: "10"}, R2)),
            Document(INV, 2, invoice(_inv(14), "RE-2026-0114", supplier, bill, B2, order["id"]))]


_BUILDERS: tuple[Callable[[Pick], list[Document]], ...] = (
    _perfect,
    # price_over_tolerance: ordered at 250.00, billed at 270.00 (+8 %)
    _matched(1, 2, 2, 2, [order_line(1, "OFM-MONITOR", "4", "250.00")], price="270.00"),
    # price_within_tolerance: ordered at 80.00, billed at 80.80 (+1 %)
    _matched(2, 3, 3, 3, [order_line(1, "OFM-HEADSET", "10", "80.00")], price="80.80"),
    # quantity_above_received: 6 of 10 received, 10 billed
    _matched(3, 4, 4, 4, [order_line(1, "OFM-TONER", "10")], received="6"),
    _partial,
    _without_order,
    # currency_mismatch: the EUR order's bill says USD (same figures)
    _matched(5, 6, 7, 10, [order_line(1, "OFM-PAPER", "20")], currency="USD"),
    # tax_mismatch: a VAT19 line billed with VAT7
    _matched(0, 7, 8, 11, [order_line(1, "OFM-MONITOR", "2")], tax="VAT7"),
    _services,
    _amended_before_receipt,
    _amended_after_receipt,
    _cancelled,
    _cancelled_after_receipt,
    _refused_orders,
    _over_receipt,
)
