from decimal import Decimal

import pytest
from pydantic import ValidationError

from ofm.canonical import Money, Supplier


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("1.005", "EUR", Decimal("1.01")), ("1.5", "JPY", Decimal("2")), ("1.0005", "KWD", Decimal("1.001")),
])
def test_rounding_per_currency(amount, currency, expected):
    assert Money(amount=amount, currency=currency).rounded().amount == expected


def test_float_is_refused():
    with pytest.raises(ValidationError, match="float"):
        Money(amount=0.1, currency="EUR")


def test_currencies_do_not_mix():
    with pytest.raises(ValueError, match="EUR and USD"):
        Money(amount="1", currency="EUR") + Money(amount="1", currency="USD")


def test_supplier_is_frozen_and_strict():
    s = Supplier(source_ref="1", legal_name="X", country="de", vat="de 123")
    assert (s.country, s.vat) == ("DE", "DE123")
    with pytest.raises(ValidationError):
        Supplier(source_ref="1", legal_name="X", unknown=1)
    with pytest.raises(ValidationError):
        s.model_copy().__setattr__("legal_name", "Y")


@pytest.mark.parametrize(("printed", "stored"), [  # what a real Odoo 19 stored when sent the printed number
    ("be 0477.472.701", "BE0477472701"), ("DE-136.695.976", "DE136695976"), ("no 995 525 828 mva", "NO995525828MVA"),
    ("che100000006mwst", "CHE-100.000.006 MWST"), ("CHE-100.000.006 MWST", "CHE-100.000.006 MWST"),
])
def test_a_supplier_vat_is_held_as_odoo_stores_it(printed, stored):
    assert Supplier(source_ref="1", legal_name="X", vat=printed).vat == stored
