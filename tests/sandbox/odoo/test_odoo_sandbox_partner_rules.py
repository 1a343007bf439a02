"""VAT numbers, IBANs and websites go into the sandbox as they go into a real Odoo 19.

Every row of the tables was sent to the real server (tests/real, Belgian company, base_vat and
base_iban installed) and is what it stored or refused; the sandbox must answer the same, over
both protocols, or the middleware's "a re-run writes nothing" holds only against the sandbox.
"""

from __future__ import annotations

import pytest
from odoo_sandbox_testkit import PROTOCOLS, make_client

from ofm.connectors.odoo import OdooValidationError
from ofm.sandbox.odoo import OdooSandbox

STORED = [  # (vat sent, partner country, vat Odoo stored)
    ("BE0477472701", "BE", "BE0477472701"),
    ("be 0477.472.701", "BE", "BE0477472701"),
    ("0477472701", "BE", "0477472701"),  # no prefix: checked for the country, kept as sent
    ("DE123456789", None, "DE123456789"),  # no country: not checked
    ("DE136695976", "BE", "DE136695976"),  # another EU country's prefix: checked for that country
    ("GB980780684", "GB", "GB980780684"),
    ("CHE100000006MWST", "CH", "CHE-100.000.006 MWST"),
    ("CHE-100.000.006 MWST", "CH", "CHE-100.000.006 MWST"),
    ("EL094259216", "GR", "EL094259216"),
    ("ATU13585627", "AT", "ATU13585627"),
    ("NO995525828MVA", "NO", "NO995525828MVA"),
    ("NO995525828", "NO", "NO995525828"),
    ("no 995 525 828 mva", "NO", "NO995525828MVA"),
]
REFUSED = [  # (vat sent, partner country, the number as Odoo's message shows it, expected format)
    ("BE0477472702", "BE", "0477472702", "BE0477472701"),
    ("XX123", "DE", "XX123", "DE123456788 or 12/345/67890"),
    ("123456", "DE", "123456", "DE123456788 or 12/345/67890"),
    ("CHE100000006", "CH", "E-100.000.006 ", "CHE-123.456.788 TVA"),  # a bare UID: the suffix is required
]


@pytest.fixture(scope="module")
def sandbox() -> OdooSandbox:
    return OdooSandbox()


def _country(client, code: str | None) -> dict:
    if code is None:
        return {}
    [row] = client.search_read("res.country", [["code", "=", code]], ["code"])
    return {"country_id": row["id"]}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(("sent", "country", "stored"), STORED)
def test_a_valid_vat_is_stored_as_odoo_stores_it(sandbox, protocol, sent, country, stored) -> None:
    client = make_client(sandbox, protocol)
    [pid] = client.create("res.partner", [{"name": "Probe", "vat": sent, **_country(client, country)}])
    assert client.search_read("res.partner", [["id", "=", pid]], ["vat"])[0]["vat"] == stored


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(("sent", "country", "shown", "expected"), REFUSED)
def test_an_invalid_vat_is_refused_with_odoos_message(sandbox, protocol, sent, country, shown, expected) -> None:
    client = make_client(sandbox, protocol)
    before = client.search_count("res.partner", [])
    with pytest.raises(OdooValidationError) as err:
        client.create("res.partner", [{"name": "Probe", "vat": sent, **_country(client, country)}])
    assert f"The VAT number [{shown}] for partner [Probe] does not seem to be valid." in str(err.value)
    assert f"Note: the expected format is {expected}" in str(err.value)
    assert client.search_count("res.partner", []) == before


def test_a_write_is_checked_and_compacted_too(sandbox) -> None:
    client = make_client(sandbox)
    be = _country(client, "BE")
    [pid] = client.create("res.partner", [{"name": "Probe", **be}])
    client.write("res.partner", [pid], {"vat": "BE 0477 472 701"})
    assert client.search_read("res.partner", [["id", "=", pid]], ["vat"])[0]["vat"] == "BE0477472701"
    with pytest.raises(OdooValidationError):
        client.write("res.partner", [pid], {"vat": "BE0477472702"})


@pytest.mark.parametrize(("sent", "stored"), [
    ("BE71096123456769", "BE71 0961 2345 6769"),  # a valid IBAN: groups of four
    ("be71 0961 2345 6769", "BE71 0961 2345 6769"),
    ("BE00096123456769", "BE00096123456769"),  # wrong check digits: as sent
    ("NOTANIBAN", "NOTANIBAN"),
])
def test_a_valid_iban_is_stored_in_groups_of_four_and_found_compact(sandbox, sent, stored) -> None:
    client = make_client(sandbox)
    [pid] = client.create("res.partner", [{"name": "Bank probe"}])
    [bid] = client.create("res.partner.bank", [{"partner_id": pid, "acc_number": sent}])
    assert client.search_read("res.partner.bank", [["id", "=", bid]], ["acc_number"])[0]["acc_number"] == stored
    compact = "".join(sent.split()).upper()
    assert [r["id"] for r in client.search_read("res.partner.bank", [["acc_number", "=", compact],
                                                                    ["partner_id", "=", pid]], ["id"])] == [bid]


@pytest.mark.parametrize(("sent", "stored"), [("www.x.example", "http://www.x.example"),
                                              ("https://www.x.example", "https://www.x.example")])
def test_a_website_without_scheme_gets_http(sandbox, sent, stored) -> None:
    client = make_client(sandbox)
    [pid] = client.create("res.partner", [{"name": "Web probe", "website": sent}])
    assert client.search_read("res.partner", [["id", "=", pid]], ["website"])[0]["website"] == stored
