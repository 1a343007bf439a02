"""Bank account → journal routing: data, validated when loaded; an unknown account is named."""

from __future__ import annotations

import pytest

from ofm.mappings.bank_routing import RoutingError, load_routing


def test_bundled_routing_sends_the_sandbox_account_to_bnk1_whatever_its_spacing():
    routing = load_routing()
    assert routing.route("DE89 3704 0044 0532 0130 00").journal_code == "BNK1"
    assert routing.route("de89370400440532013000").owner_team == "treasury"


def test_an_unknown_account_is_an_error_naming_it_and_the_file():
    with pytest.raises(RoutingError, match=r"NL91ABNA0417164300 is not routed.*journals.yaml"):
        load_routing().route("NL91ABNA0417164300")


@pytest.mark.parametrize(("text", "key"), [
    ("accounts: {}\n", "accounts"),
    ("accounts:\n  DE89370400440532013000: {}\n", "DE89370400440532013000.journal"),
    ("accounts:\n  DE89370400440532013000: {journal: BNK1, colour: red}\n", "unknown key"),
    ("[1, 2\n", "journals.yaml"),
])
def test_a_bad_routing_file_names_the_key(tmp_path, text, key):
    path = tmp_path / "journals.yaml"
    path.write_text(text)
    with pytest.raises(RoutingError, match=key):
        load_routing(path)
