"""Supplier decisions as parametrized tables: no Odoo, no Prefect, no clock."""

import pytest

from ofm.canonical import BankAccount, Supplier
from ofm.rules.supplier_decision import Action, References, decide, mask_iban, partner_vals

OWNED = ["name", "vat", "ref", "email", "country_id", "property_supplier_payment_term_id",
         "property_purchase_currency_id", "supplier_rank", "is_company", "active"]
REFS = References(countries={"DE": 57, "FR": 75}, currencies={"EUR": 1},
                  payment_terms={"30 Days": 4})
IBAN_A = "DE89370400440532013000"
IBAN_B = "DE02120300000000202051"


def supplier(**over) -> Supplier:
    base = dict(source_ref="SUP-1", legal_name="Müller GmbH", vat="DE136695976", vendor_code="V-1",
                country="DE", currency="EUR", payment_terms_code="30 Days",
                bank_accounts=[BankAccount(iban=IBAN_A, holder_name="Müller GmbH")])
    base.update(over)
    return Supplier(**base)


def odoo_partner(**over) -> dict:
    row = {"id": 42, "name": "Müller GmbH", "vat": "DE136695976", "ref": "V-1", "email": False,
           "country_id": [57, "Germany"], "property_supplier_payment_term_id": [4, "30 Days"],
           "property_purchase_currency_id": [1, "EUR"], "supplier_rank": 3, "is_company": True,
           "active": True}
    row.update(over)
    return row


def test_partner_vals_only_owned_fields_with_reference_ids():
    vals = partner_vals(supplier(), REFS, ["name", "country_id", "property_supplier_payment_term_id"])
    assert vals == {"name": "Müller GmbH", "country_id": 57, "property_supplier_payment_term_id": 4}


def test_new_supplier_is_created_with_its_bank_accounts_in_one_vals():
    s = supplier()
    d = decide(s, partner_vals(s, REFS, OWNED), existing=None)
    assert d.action is Action.CREATE
    assert d.vals["bank_ids"] == [(0, 0, {"acc_number": IBAN_A, "acc_holder_name": "Müller GmbH"})]


@pytest.mark.parametrize(
    ("change", "odoo_over", "expected_action", "expected_fields"),
    [
        ({}, {}, Action.UNCHANGED, ()),
        ({"legal_name": "Müller Präzision GmbH"}, {}, Action.UPDATE, ("name",)),
        ({"vendor_code": "V-2"}, {}, Action.UPDATE, ("ref",)),
        ({}, {"country_id": [75, "France"]}, Action.UPDATE, ("country_id",)),
        ({}, {"email": ""}, Action.UNCHANGED, ()),  # '' and False are both empty in Odoo
        ({}, {"supplier_rank": 0}, Action.UPDATE, ("supplier_rank",)),
        ({"status": "blocked"}, {}, Action.UPDATE, ("active",)),
    ],
)
def test_existing_supplier(change, odoo_over, expected_action, expected_fields):
    s = supplier(**change)
    d = decide(s, partner_vals(s, REFS, OWNED), odoo_partner(**odoo_over), existing_accounts=[IBAN_A])
    assert d.action is expected_action
    assert d.changed_fields == expected_fields
    assert d.odoo_id == 42


def test_changed_bank_account_on_existing_supplier_is_held_not_applied():
    s = supplier(bank_accounts=[BankAccount(iban=IBAN_B)])
    d = decide(s, partner_vals(s, REFS, OWNED), odoo_partner(), existing_accounts=[IBAN_A])
    assert d.action is Action.HOLD
    assert [a.iban for a in d.held_bank_accounts] == [IBAN_B]
    assert "bank_ids" not in d.vals
    assert "DE…2051" in d.reasons[0] and IBAN_B not in d.reasons[0]


def test_approved_bank_change_becomes_an_update():
    s = supplier(bank_accounts=[BankAccount(iban=IBAN_B)])
    d = decide(s, partner_vals(s, REFS, OWNED), odoo_partner(), existing_accounts=[IBAN_A],
               bank_change_approved=True)
    assert d.action is Action.UPDATE and [a.iban for a in d.held_bank_accounts] == [IBAN_B]


def test_lookalike_is_held_for_review_never_merged():
    s = supplier(vat=None, vendor_code=None)
    d = decide(s, partner_vals(s, REFS, OWNED), None, similar=[(7, "Mueller GmbH", 93.0)])
    assert d.action is Action.HOLD and "#7" in d.reasons[0]
    assert decide(s, partner_vals(s, REFS, OWNED), None, similar=[(7, "x", 93.0)],
                  review_approved=True).action is Action.CREATE


@pytest.mark.parametrize(("status", "action"), [("pending", Action.HOLD), ("inactive", Action.UNCHANGED)])
def test_not_yet_active_suppliers_are_not_created(status, action):
    s = supplier(status=status)
    assert decide(s, partner_vals(s, REFS, OWNED), None).action is action


def test_mask_iban():
    assert mask_iban("DE89 3704 0044 0532 0130 00") == "DE…3000"
