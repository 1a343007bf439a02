"""decide_order as tables: every way an order revision can meet (or not meet) Odoo."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ofm.mappings.purchase_docs import map_purchase_order
from ofm.rules.p2p import OdooLine, OdooOrder, References, decide_order
from ofm.rules.p2p.orders import OrderAction

REFS = References(partner=7, company=1, currency=3, products={"CHAIR": 11, "DESK": 12}, taxes={"VAT19": 4},
                  units={"C62": 1})


def raw(*lines, revision=1, status="approved", currency="EUR"):
    return {"id": "PO-1", "revision": revision, "status": status, "legal_entity": "ACME-DE", "currency": currency,
            "supplier": {"id": "S-1", "vendor_code": "V-1"},
            "lines": [{"line_no": no, "item_code": code, "description": "x", "quantity": qty, "uom": "C62",
                       "unit_price": price, "tax_code": "VAT19"} for no, code, qty, price in lines]}


def odoo(*lines, state="purchase", locked=False, partner=7, currency=3):
    return OdooOrder(id=5, name="P00005", state=state, locked=locked, partner_id=partner, currency_id=currency,
                     company_id=1, lines=tuple(
                         OdooLine(id=100 + seq, sequence=seq, product_id=prod, product_qty=D(qty), price_unit=D(price),
                                  qty_received=D(rec), qty_invoiced=D(inv), tax_ids=(4,))
                         for seq, prod, qty, price, rec, inv in lines))


def decide(doc, existing=None, refs=REFS, action="sync"):
    return decide_order(map_purchase_order(doc), action, refs, existing)


def test_a_new_order_is_created_with_its_anchor_and_lines_by_sequence():
    d = decide(raw((1, "CHAIR", "10", "12.50"), (2, "DESK", "1", "450")))
    assert d.action is OrderAction.CREATE and d.confirm
    assert (d.vals["origin"], d.vals["partner_ref"], d.vals["partner_id"]) == ("PO-1", "PO-1", 7)
    assert [(c[2]["sequence"], c[2]["product_id"], c[2]["product_qty"], c[2]["price_unit"], c[2]["tax_ids"])
            for c in d.vals["order_line"]] == [(1, 11, 10.0, 12.5, [[6, 0, [4]]]), (2, 12, 1.0, 450.0, [[6, 0, [4]]])]


@pytest.mark.parametrize(("refs", "action", "field", "words"), [
    (References(**{**REFS.__dict__, "partner": None}), OrderAction.WAIT, "supplier", "not in Odoo yet"),
    (References(**{**REFS.__dict__, "partner_active": False}), OrderAction.REFUSE, "supplier", "archived"),
    (References(**{**REFS.__dict__, "unrouted": True}), OrderAction.REFUSE, "legal_entity", "not routed"),
    (References(**{**REFS.__dict__, "company": None}), OrderAction.REFUSE, "legal_entity", "does not exist"),
    (References(**{**REFS.__dict__, "currency_active": False}), OrderAction.REFUSE, "currency", "not active"),
    (References(**{**REFS.__dict__, "products": {}}), OrderAction.REFUSE, "lines[0].item_code", "not in Odoo"),
    (References(**{**REFS.__dict__, "units": {}}), OrderAction.REFUSE, "lines[0].uom", "not mapped"),
    (References(**{**REFS.__dict__, "taxes": {}, "unmapped_taxes": frozenset({"VAT19"})}), OrderAction.REFUSE,
     "lines[0].tax_code", "not mapped"),
    (References(**{**REFS.__dict__, "taxes": {}}), OrderAction.REFUSE, "lines[0].tax_code", "does not exist"),
])
def test_dependencies_are_checked_before_anything_is_written(refs, action, field, words):
    d = decide(raw((1, "CHAIR", "10", "12.50")), refs=refs)
    assert (d.action, d.field) == (action, field) and words in d.reasons[0] and d.vals is None


def test_not_approved_is_ignored_and_a_cancel_before_odoo_is_too():
    assert decide(raw((1, "CHAIR", "1", "1"), status="pending_approval"), action="ignore").action is OrderAction.IGNORE
    assert decide(raw((1, "CHAIR", "1", "1")), action="cancel").action is OrderAction.IGNORE


@pytest.mark.parametrize(("lines", "action", "commands"), [
    ([(1, "CHAIR", "10", "12.50")], OrderAction.UNCHANGED, []),
    ([(1, "CHAIR", "12", "12.50")], OrderAction.UPDATE, [[1, 101, {"product_qty": 12.0}]]),
    ([(1, "CHAIR", "10", "13")], OrderAction.UPDATE, [[1, 101, {"price_unit": 13.0}]]),
    ([(1, "CHAIR", "10", "12.50"), (2, "DESK", "1", "450")], OrderAction.UPDATE,
     [[0, 0, {"sequence": 2, "product_id": 12, "name": "x", "product_qty": 1.0, "product_uom_id": 1,
              "price_unit": 450.0, "tax_ids": [[6, 0, [4]]]}]]),
])
def test_a_revision_is_a_diff_against_odoo(lines, action, commands):
    d = decide(raw(*lines, revision=2), odoo((1, 11, "10", "12.5", "0", "0")))
    assert d.action is action and [list(c) for c in d.line_commands] == commands


def test_a_line_left_out_of_the_revision_is_set_to_zero_unless_it_was_received():
    d = decide(raw((1, "CHAIR", "10", "12.50"), revision=2), odoo((1, 11, "10", "12.5", "0", "0"),
                                                                  (2, 12, "1", "450", "0", "0")))
    assert d.line_commands == ([1, 102, {"product_qty": 0.0}],)
    d = decide(raw((1, "CHAIR", "10", "12.50"), revision=2), odoo((1, 11, "10", "12.5", "0", "0"),
                                                                  (2, 12, "1", "450", "1", "0")))
    assert d.action is OrderAction.REFUSE and "removes it" in d.reasons[0]


@pytest.mark.parametrize(("existing", "words", "field"), [
    (odoo((1, 11, "10", "12.5", "8", "0")), "orders 5, but 8 is already received", "lines[0].quantity"),
    (odoo((1, 11, "10", "12.5", "0", "6")), "orders 5, but 6 is already billed", "lines[0].quantity"),
    (odoo((1, 11, "10", "12.5", "0", "0"), state="cancel"), "cancelled in Odoo", "status"),
    (odoo((1, 11, "10", "12.5", "0", "0"), locked=True), "locked in Odoo", "status"),
    (odoo((1, 11, "10", "12.5", "0", "0"), partner=99), "changes the supplier", "supplier"),
    (odoo((1, 11, "10", "12.5", "0", "0"), currency=99), "changes the currency", "currency"),
    (odoo((1, 12, "10", "12.5", "0", "0")), "changes the product", "lines[0].item_code"),
])
def test_amendments_odoo_would_accept_but_must_not_happen_are_refused(existing, words, field):
    d = decide(raw((1, "CHAIR", "5", "12.50"), revision=2), existing)
    assert d.action is OrderAction.REFUSE and words in d.reasons[0] and d.field == field


@pytest.mark.parametrize(("existing", "action", "words"), [
    (odoo((1, 11, "10", "12.5", "0", "0")), OrderAction.CANCEL, ""),
    (odoo((1, 11, "10", "12.5", "0", "0"), state="cancel"), OrderAction.UNCHANGED, "already cancelled"),
    (odoo((1, 11, "10", "12.5", "3", "0")), OrderAction.REFUSE, "already received"),
    (odoo((1, 11, "10", "12.5", "3", "3")), OrderAction.REFUSE, "already received and billed"),
    (odoo((1, 11, "10", "12.5", "0", "0"), locked=True), OrderAction.REFUSE, "locked"),
])
def test_cancellation(existing, action, words):
    d = decide(raw((1, "CHAIR", "10", "12.50"), revision=2, status="cancelled"), existing, action="cancel")
    assert d.action is action and words in " ".join(d.reasons)


def test_an_order_created_but_left_unconfirmed_is_confirmed():
    d = decide(raw((1, "CHAIR", "10", "12.50")), odoo((1, 11, "10", "12.5", "0", "0"), state="draft"))
    assert d.action is OrderAction.CONFIRM and d.confirm


# Odoo 19 units: Units (1) stands alone; kg (2) and Ton (4) are counted in g (3).
UNIT_REFS = References(**{**REFS.__dict__, "units": {"C62": 1, "KGM": 2, "GRM": 3},
                          "unit_roots": {1: 1, 2: 3, 3: 3, 4: 3},
                          "unit_names": {1: "Units", 2: "kg", 3: "g", 4: "Ton"}})


@pytest.mark.parametrize(("unit", "product_unit", "refused"), [
    ("C62", 1, False), ("KGM", 2, False), ("GRM", 2, False), ("KGM", 4, False),
    ("KGM", 1, True),    # real Odoo would order 5 kg of a Units product as 5,000 Units
    ("C62", 2, True),
    ("KGM", None, False),  # a product whose unit is not known: Odoo decides
])
def test_a_line_in_a_unit_of_another_kind_than_its_product_is_refused(unit, product_unit, refused):
    doc = raw((1, "CHAIR", "5", "12.50"))
    doc["lines"][0]["uom"] = unit
    refs = References(**{**UNIT_REFS.__dict__, "product_units": {"CHAIR": product_unit} if product_unit else {}})
    d = decide(doc, refs=refs)
    assert (d.action is OrderAction.REFUSE) == refused
    if refused:
        assert d.field == "lines[0].uom" and "cannot measure 'CHAIR', which Odoo keeps in" in d.reasons[0]
