"""The matching policy file: the bundled one loads; every mistake names the file and the key."""

from __future__ import annotations

import copy
import os
from decimal import Decimal

import pytest
import yaml

from ofm.rules.bank import PolicyError, load_policy, parse_policy
from ofm.rules.bank.policy import BUNDLED

DOC = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))


def test_the_bundled_policy_loads():
    policy = load_policy()
    assert policy.rules == ("reference", "partner_amount", "multi_invoice", "partial", "fees")
    assert policy.tolerances["EUR"].percent == Decimal("2") and policy.writeoff_account == "626000"
    assert (policy.max_items, policy.max_candidates, policy.suggestion_limit) == (4, 12, 3)


def changed(path: str, value) -> dict:
    doc = copy.deepcopy(DOC)
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(("path", "value", "message"), [
    ("rules", ["reference", "magic"], "rules: unknown rule 'magic'"),
    ("rules", ["reference", "reference"], "rules: names a rule twice"),
    ("colour", "red", "colour: unknown key"),
    ("date_window_days", KeyError, "date_window_days: required"),
    ("date_window_days", -1, "date_window_days: must be an integer between 0 and 3660"),
    ("reference_patterns.invoice", "(INV", "reference_patterns.invoice: not a valid regular expression"),
    ("reference_patterns.invoice", "(?P<x>INV)", "reference_patterns.invoice: named groups"),
    ("reference_patterns.invoice", "\\d*", "reference_patterns.invoice: matches the empty text"),
    ("multi_invoice.max_items", 1, "multi_invoice.max_items: must be an integer between 2 and 6"),
    ("multi_invoice.max_candidates", 40, "multi_invoice.max_candidates: must be an integer between 2 and 16"),
    ("partial.identify_by", ["phone"], "partial.identify_by: must be a non-empty list"),
    ("fees.writeoff_account", 627000, "fees.writeoff_account: required, an account code as a quoted string"),
    ("fees.tolerances.EUR", {"percent": 200}, "fees.tolerances.EUR.percent: must be a number from 0 to 100"),
    ("fees.tolerances.EUR", {"absolute_minor": 1.5}, "fees.tolerances.EUR.absolute_minor: must be an integer"),
    ("fees.tolerances.EUR", {}, "fees.tolerances.EUR: give absolute_minor and/or percent"),
    ("fees.tolerances.EUR", {"absolute": 5}, "fees.tolerances.EUR.absolute: unknown key"),
    ("fees.tolerances.euro", {"percent": 1}, "fees.tolerances.euro: must be an ISO 4217 currency code"),
    ("suggestions.limit", 5, "suggestions.limit: must be an integer between 1 and 3"),
    ("suggestions.weights.amount", -1, "suggestions.weights.amount: must be a number >= 0"),
])
def test_a_wrong_policy_names_the_key(path, value, message):
    with pytest.raises(PolicyError, match="^matching.yaml: " + message.replace("(", r"\(")):
        parse_policy(changed(path, value))


def test_a_wrong_file_is_named(tmp_path):
    bad = tmp_path / "matching.yaml"
    bad.write_text("rules: [reference\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=f"{bad}: not valid YAML"):
        load_policy(bad)
    with pytest.raises(PolicyError, match="matching policy not found"):
        load_policy(tmp_path / "missing.yaml")


def test_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "matching.yaml"
    path.write_text(yaml.safe_dump(changed("date_window_days", 5)), encoding="utf-8")
    assert load_policy(path).date_window_days == 5
    path.write_text(yaml.safe_dump(changed("date_window_days", 9)), encoding="utf-8")
    os.utime(path, ns=(1, 10**18))
    assert load_policy(path).date_window_days == 9


def test_the_real_servers_policy_is_the_bundled_one_but_for_the_belgian_bank_fees_account():
    real = BUNDLED.with_name("matching.real.yaml")
    bundled_doc, real_doc = yaml.safe_load(BUNDLED.read_text()), yaml.safe_load(real.read_text())
    assert (bundled_doc["fees"].pop("writeoff_account"), real_doc["fees"].pop("writeoff_account")) == \
        ("626000", "657200")
    assert real_doc == bundled_doc, "matching.real.yaml drifted from matching.yaml"
    assert load_policy(real).writeoff_account == "657200"


def test_the_real_18_servers_policy_is_the_19_one_but_for_18s_bank_fees_account():
    real19, real18 = BUNDLED.with_name("matching.real.yaml"), BUNDLED.with_name("matching.real18.yaml")
    doc19, doc18 = yaml.safe_load(real19.read_text()), yaml.safe_load(real18.read_text())
    assert (doc19["fees"].pop("writeoff_account"), doc18["fees"].pop("writeoff_account")) == ("657200", "656000")
    assert doc18 == doc19, "matching.real18.yaml drifted from matching.real.yaml"
    assert load_policy(real18).writeoff_account == "656000"
