"""Domains, order, paging and the `active` filter, as Odoo evaluates them (over both protocols)."""

from __future__ import annotations

from typing import Any

import pytest
from odoo_sandbox_testkit import PROTOCOLS, make_client

from ofm.connectors.odoo import OdooRequestError
from ofm.sandbox.odoo import OdooSandbox

A, B, C, D, E = "Alpha GmbH", "beta AG", "Gamma SARL", "Delta Ltd", "Epsilon (archived)"
VA, VB, VE = "DE136695976", "CHE-100.000.006 MWST", "DE811569869"  # valid: Odoo checks a partner's VAT


@pytest.fixture(scope="module")
def sandbox() -> OdooSandbox:
    """Five suppliers (one archived) and one contact person, created once for the whole table."""
    sandbox = OdooSandbox()
    country = {r["code"]: r["id"] for r in sandbox.records("res.country", fields=["code"])}
    [alpha, *_] = sandbox.create("res.partner", [
        {"name": A, "vat": VA, "ref": "V-1", "is_company": True, "supplier_rank": 3, "country_id": country["DE"],
         "bank_ids": [(0, 0, {"acc_number": "DE89 3704 0044 0532 0130 00"})]},
        {"name": B, "vat": VB, "ref": "V-2", "is_company": True, "supplier_rank": 1, "country_id": country["CH"]},
        {"name": C, "vat": False, "ref": "V-3", "is_company": True, "supplier_rank": 0, "country_id": country["FR"],
         "email": "ap@gamma.example"},
        {"name": D, "vat": "GB4", "ref": False, "is_company": True, "supplier_rank": 2},
        {"name": E, "vat": VE, "ref": "V-5", "is_company": True, "supplier_rank": 1, "active": False,
         "country_id": country["DE"]},
    ])
    sandbox.create("res.partner", [{"name": "Anna Schmidt", "parent_id": alpha, "email": "anna@alpha.example"}])
    return sandbox


OURS: list[Any] = ["id", ">", 4]  # leaves out the seeded partners (company, users)
CASES: list[tuple[list[Any], list[str]]] = [
    ([], [A, B, C, D, "Alpha GmbH, Anna Schmidt"]),
    ([["vat", "=", VA]], [A]),
    ([["vat", "in", [VA, VB, VE]]], [A, B]),  # the archived one is filtered out
    ([["vat", "=", False]], [C, "Alpha GmbH, Anna Schmidt"]),
    ([["vat", "!=", False]], [A, B, D]),
    ([["vat", "!=", VA]], [B, C, D, "Alpha GmbH, Anna Schmidt"]),  # != keeps empty values
    ([["ref", "not in", ["V-1", "V-2"]]], [C, D, "Alpha GmbH, Anna Schmidt"]),
    ([["name", "like", "a"]], [A, B, C, D, "Alpha GmbH, Anna Schmidt"]),
    ([["name", "like", "G"]], [A, B, C]),  # like is case-sensitive: "beta AG" has a G
    ([["name", "ilike", "BETA"]], [B]),
    ([["name", "not ilike", "a"]], []),
    ([["email", "not ilike", "gamma"]], [A, B, D, "Alpha GmbH, Anna Schmidt"]),  # NULL emails included
    ([["name", "=like", "%AG"]], [B]),
    ([["name", "=ilike", "alpha%"]], [A]),
    ([["supplier_rank", ">", 1]], [A, D]),
    ([["supplier_rank", ">=", 1], ["supplier_rank", "<", 3]], [B, D]),
    ([["supplier_rank", "<=", 0], ["is_company", "=", True]], [C]),
    ([["vat", "=?", False]], [A, B, C, D, "Alpha GmbH, Anna Schmidt"]),
    ([["vat", "=?", VB]], [B]),
    (["|", ["vat", "=", VA], ["ref", "=", "V-3"]], [A, C]),
    (["!", ["is_company", "=", True]], ["Alpha GmbH, Anna Schmidt"]),
    (["&", ["is_company", "=", True], "|", ["vat", "=", "GB4"], ["vat", "=", VB]], [B, D]),
    (["|", ["active", "=", True], ["active", "=", False], ["vat", "in", [VA, VE]]], [A, E]),  # (A or B) and C
    ([["active", "=", False]], [E]),
    ([["country_id.code", "=", "DE"]], [A]),
    ([["country_id", "ilike", "switz"]], [B]),
    ([["country_id", "=", False]], [D, "Alpha GmbH, Anna Schmidt"]),
    ([["bank_ids.acc_number", "=", "DE89370400440532013000"]], [A]),
    ([["bank_ids", "!=", False]], [A]),
    ([["parent_id", "!=", False]], ["Alpha GmbH, Anna Schmidt"]),
    ([["parent_id.name", "=", A]], ["Alpha GmbH, Anna Schmidt"]),
    ([["child_ids", "!=", False]], [A]),
]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(("domain", "expected"), CASES, ids=[str(d) for d, _ in CASES])
def test_domain(sandbox: OdooSandbox, protocol: str, domain: list[Any], expected: list[str]) -> None:
    client = make_client(sandbox, protocol)
    rows = client.search_read("res.partner", [OURS, *domain], ["display_name"])
    assert sorted(r["display_name"] for r in rows) == sorted(expected)
    assert client.search_count("res.partner", [OURS, *domain]) == len(expected)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_order_offset_and_limit(sandbox: OdooSandbox, protocol: str) -> None:
    client = make_client(sandbox, protocol)
    companies = [OURS, ["is_company", "=", True]]

    def names(order: str | None, offset: int = 0, limit: int | None = None) -> list[str]:
        ids = client.search("res.partner", companies, offset=offset, limit=limit, order=order)
        return [r["name"] for r in sorted(client.read("res.partner", ids, ["name"]), key=lambda r: ids.index(r["id"]))]

    assert names("id") == [A, B, C, D]
    assert names("id desc") == [D, C, B, A]
    assert names("name asc, id") == [A, B, D, C]  # case-insensitive, like a database collation
    assert names("supplier_rank desc, name") == [A, D, B, C]
    assert names("country_id, id") == [C, A, B, D]  # by country name: France, Germany, Switzerland, none
    assert names(None) == [A, B, D, C]  # res.partner's own order: complete_name
    assert names("id", offset=1, limit=2) == [B, C]
    with pytest.raises(OdooRequestError, match="Invalid field 'nope' on model 'res.partner'"):
        client.search("res.partner", [], order="nope desc")
    with pytest.raises(OdooRequestError, match='Invalid "order"'):
        client.search("res.partner", [], order="name; drop table")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_search_read_pages_through_everything(sandbox: OdooSandbox, protocol: str) -> None:
    client = make_client(sandbox, protocol)
    rows = client.search_read("res.country", [], ["code"], page_size=40)
    assert len(rows) == len({r["id"] for r in rows}) == len(sandbox.env["res.country"])
    assert client.stats.count("res.country", "search_read") == len(rows) // 40 + 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_malformed_domains_fail_like_odoo(sandbox: OdooSandbox, protocol: str) -> None:
    client = make_client(sandbox, protocol)
    with pytest.raises(OdooRequestError, match=r"Invalid field res.partner.nope in condition \('nope', '=', 1\)"):
        client.search("res.partner", [["nope", "=", 1]])
    with pytest.raises(OdooRequestError, match="Invalid operator"):
        client.search("res.partner", [["name", "~", "x"]])
    with pytest.raises(OdooRequestError, match="syntactically not correct"):
        client.search("res.partner", ["|", ["name", "=", "x"]])
