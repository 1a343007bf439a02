"""The tolerance file: the bundled one loads, and each wrong key is refused naming file and key."""

from __future__ import annotations

import copy

import pytest
import yaml

from ofm.rules.match3 import PolicyError, load_policy, parse_policy
from ofm.rules.match3.policy import BUNDLED, EXACT, REASON_CODES

DOC = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))


def test_bundled_policy_loads() -> None:
    policy = load_policy()
    assert policy.duplicate_window_days == 7
    assert policy.tolerance("EUR").price_percent_e4 == 20_000
    assert policy.tolerance("EUR").price_absolute_minor == 50
    assert policy.tolerance("JPY") == EXACT
    assert set(policy.owners) == set(REASON_CODES)


def _broken(path: tuple, value) -> dict:
    doc = copy.deepcopy(DOC)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@pytest.mark.parametrize(("path", "value", "message"), [
    (("duplicate_window_days",), -1, "duplicate_window_days: must be an integer"),
    (("duplicate_window_days",), KeyError, "duplicate_window_days: required"),
    (("surprise",), 1, "surprise: unknown key"),
    (("tolerances", "EUR", "price_percent"), "2%", "tolerances.EUR.price_percent: must be a number"),
    (("tolerances", "EUR", "price_percent"), 0.00001, "at most 4 decimals"),
    (("tolerances", "EUR", "price_absolute_minor"), 0.5, "tolerances.EUR.price_absolute_minor: must be an integer"),
    (("tolerances", "EUR", "quantity_percent"), KeyError, "tolerances.EUR.quantity_percent: required"),
    (("tolerances", "EUR", "price_pct"), 2, "tolerances.EUR.price_pct: unknown key"),
    (("tolerances", "eur"), {}, "tolerances.eur: must be an ISO 4217 currency code"),
    (("owners", "price"), KeyError, "owners.price: required"),
    (("owners", "bribery"), "audit", "owners.bribery: unknown key"),
])
def test_wrong_key_is_named(path: tuple, value, message: str) -> None:
    with pytest.raises(PolicyError) as error:
        parse_policy(_broken(path, value), "match_tolerances.yaml")
    assert str(error.value).startswith("match_tolerances.yaml: ")
    assert message in str(error.value)


def test_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "nope.yaml")
