"""Creating, reading, writing and deleting through the real client, over JSON-2 and JSON-RPC."""

from __future__ import annotations

import pytest
from odoo_sandbox_testkit import KEY, PROTOCOLS, execute_kw, http, json2, make_client, supplier

from ofm.connectors.odoo import (
    OdooAccessError,
    OdooMissingError,
    OdooRequestError,
    OdooValidationError,
)
from ofm.sandbox.odoo import INTEGRATION_UID, OdooSandbox

IBAN = "DE89 3704 0044 0532 0130 00"


@pytest.fixture(params=PROTOCOLS)
def setup(request: pytest.FixtureRequest):
    sandbox = OdooSandbox()
    return sandbox, make_client(sandbox, request.param)


def test_create_reads_back_like_odoo(setup) -> None:
    sandbox, client = setup
    de = client.search_read("res.country", [("code", "=", "DE")], ["id"])[0]["id"]
    # with a country, Odoo checks the VAT number (base_vat): a valid German one
    [pid] = client.create("res.partner", [supplier(1, country_id=de, vat="DE136695976",
                                                   bank_ids=[(0, 0, {"acc_number": IBAN})])])
    [row] = client.read("res.partner", [pid], ["name", "vat", "email", "country_id", "bank_ids", "active",
                                               "customer_rank", "company_id", "company_type", "autopost_bills",
                                               "display_name", "create_date"])
    assert row["country_id"] == [de, "Germany"] and row["email"] is False and row["company_id"] is False
    assert (row["active"], row["customer_rank"], row["company_type"], row["autopost_bills"]) == \
        (True, 0, "company", "ask")
    assert row["display_name"] == "Supplier 0001 GmbH" and len(row["create_date"]) == 19
    [bank] = client.read("res.partner.bank", row["bank_ids"], ["acc_number", "sanitized_acc_number", "partner_id",
                                                               "acc_holder_name", "active", "company_id"])
    assert bank["sanitized_acc_number"] == "DE89370400440532013000"
    assert bank["partner_id"] == [pid, "Supplier 0001 GmbH"] and bank["acc_holder_name"] == "Supplier 0001 GmbH"
    assert sandbox.count("res.partner", "create") == 1


def test_a_batch_is_one_transaction(setup) -> None:
    sandbox, client = setup
    before = len(sandbox.env["res.partner"])
    batch = [supplier(1), supplier(2, bank_ids=[(0, 0, {"acc_number": IBAN})]), supplier(3, type="bogus")]
    with pytest.raises(OdooRequestError, match="Wrong value for res.partner.type: 'bogus'"):
        client.create("res.partner", batch)
    assert len(sandbox.env["res.partner"]) == before and len(sandbox.env["res.partner.bank"]) == 0
    ids = client.create("res.partner", batch[:2])
    assert ids == sorted(ids) and len(sandbox.env["res.partner"]) == before + 2


def test_write_read_and_missing_records(setup) -> None:
    _, client = setup
    [pid] = client.create("res.partner", [supplier(1)])
    with pytest.raises(OdooRequestError, match="Invalid field 'iban' on model 'res.partner'"):
        client.read("res.partner", [pid], ["name", "iban"])
    assert client.read("res.partner", [pid], ["country_id"]) == [{"id": pid, "country_id": False}]
    assert client.write("res.partner", [pid], {"email": "ap@x.example", "ref": False}) is True
    assert client.read("res.partner", [pid, 999999], ["email", "ref"]) == [{"id": pid, "email": "ap@x.example",
                                                                            "ref": False}]
    with pytest.raises(OdooMissingError, match=rf"res.partner\(999999,\), User: {INTEGRATION_UID}"):
        client.write("res.partner", [pid, 999999], {"name": "x"})
    with pytest.raises(OdooValidationError, match="Contacts require a name"):
        client.write("res.partner", [pid], {"name": False})


def test_bank_ids_commands(setup) -> None:
    sandbox, client = setup
    [pid] = client.create("res.partner", [supplier(1, bank_ids=[(0, 0, {"acc_number": "NL91 ABNA 0417 1643 00"}),
                                                                (0, 0, {"acc_number": IBAN})])])
    first, second = client.read("res.partner", [pid], ["bank_ids"])[0]["bank_ids"]
    [other] = client.create("res.partner", [supplier(2)])
    [loose] = client.create("res.partner.bank", [{"acc_number": "CH93 0076 2011 6238 5295 7", "partner_id": other}])
    client.write("res.partner", [pid], {"bank_ids": [(4, loose)]})
    assert sorted(client.read("res.partner", [pid], ["bank_ids"])[0]["bank_ids"]) == [first, second, loose]
    client.write("res.partner", [pid], {"bank_ids": [(6, 0, [second])]})  # unlinks = archives (cascade inverse)
    assert client.read("res.partner", [pid], ["bank_ids"])[0]["bank_ids"] == [second]
    assert sandbox.env["res.partner.bank"].rows[first]["active"] is False
    client.write("res.partner", [pid], {"bank_ids": [(1, second, {"acc_holder_name": "Treasury"}), (5,)]})
    assert client.read("res.partner", [pid], ["bank_ids"])[0]["bank_ids"] == []
    assert sandbox.env["res.partner.bank"].rows[second]["acc_holder_name"] == "Treasury"
    client.write("res.partner", [pid], {"bank_ids": [(0, 0, {"acc_number": "AT61 1904 3002 3457 3201"})]})
    [third] = client.read("res.partner", [pid], ["bank_ids"])[0]["bank_ids"]
    client.write("res.partner", [pid], {"bank_ids": [(3, third)]})
    client.write("res.partner", [other], {"bank_ids": [(2, loose)]})
    assert [sandbox.env["res.partner.bank"].rows[b]["active"] for b in (third, loose)] == [False, False]
    with pytest.raises(OdooRequestError, match="Invalid field 'iban' in 'res.partner.bank'"):
        client.write("res.partner", [pid], {"bank_ids": [(0, 0, {"iban": "AT61"})]})


def test_bank_account_unique_per_partner_and_found_by_any_spelling(setup) -> None:
    _, client = setup
    [a, b] = client.create("res.partner", [supplier(1), supplier(2)])
    client.create("res.partner.bank", [{"acc_number": IBAN, "partner_id": a}])
    with pytest.raises(OdooValidationError) as caught:
        client.create("res.partner.bank", [{"acc_number": IBAN.replace(" ", "").lower(), "partner_id": a}])
    assert caught.value.server_message == \
        "The operation cannot be completed: The combination Account Number/Partner must be unique."
    client.create("res.partner.bank", [{"acc_number": IBAN, "partner_id": b}])  # another holder may share it
    rows = client.search_read("res.partner.bank", [("acc_number", "in", ["de89370400440532013000"])],
                              ["partner_id"])
    assert sorted(r["partner_id"][0] for r in rows) == [a, b]


def test_unlink_deletes_partners_with_their_accounts_and_archives_accounts(setup) -> None:
    sandbox, client = setup
    [pid, keep] = client.create("res.partner", [supplier(1, bank_ids=[(0, 0, {"acc_number": IBAN})]),
                                                supplier(2, bank_ids=[(0, 0, {"acc_number": IBAN})])])
    [kept_bank] = client.read("res.partner", [keep], ["bank_ids"])[0]["bank_ids"]
    assert client.call("res.partner.bank", "unlink", ids=[kept_bank]) is True
    assert sandbox.env["res.partner.bank"].rows[kept_bank]["active"] is False
    assert client.call("res.partner", "unlink", ids=[pid, 424242]) is True
    assert client.read("res.partner", [pid], ["name"]) == []
    assert [r["partner_id"] for r in sandbox.env["res.partner.bank"].rows.values()] == [keep]
    with pytest.raises(OdooValidationError, match=r"The troublemaker is: 'Companies' \(res.company\)"):
        client.call("res.partner", "unlink", ids=[1])  # the company's own partner
    assert 1 in sandbox.env["res.partner"]


def test_access_rights_of_the_integration_user(setup) -> None:
    _, client = setup
    with pytest.raises(OdooAccessError, match="not allowed to modify 'Companies'"):
        client.write("res.company", [1], {"name": "hacked"})
    with pytest.raises(OdooAccessError, match="not allowed to create 'Currency'"):
        client.create("res.currency", [{"name": "XXX", "symbol": "X"}])
    check = lambda model, op: client.call(model, "check_access_rights", args=[op],  # noqa: E731
                                          kwargs={"raise_exception": False})
    assert (check("res.partner", "create"), check("res.partner.bank", "write"), check("res.country", "read"),
            check("res.company", "write")) == (True, True, True, False)
    assert client.call("res.partner", "has_access", ids=[], kwargs={"operation": "write"}) is True
    assert client.call("res.company", "has_access", ids=[], kwargs={"operation": "write"}) is False


def test_small_methods(setup) -> None:
    _, client = setup
    context = client.call("res.users", "context_get")
    assert context == {"lang": "en_US", "tz": "Europe/Brussels", "uid": INTEGRATION_UID}
    assert client.call("res.currency", "name_search", kwargs={"name": "eu"}) == [[1, "EUR"]]
    assert client.search_count("res.currency", [("active", "=", True)]) == 7
    assert client.search_count("res.currency", [("active", "in", [True, False])]) == 8
    terms = client.search_read("account.payment.term", [], ["name"])
    assert [t["name"] for t in terms] == ["Immediate Payment", "15 Days", "21 Days", "30 Days", "45 Days",
                                          "End of Following Month", "10 Days after End of Next Month",
                                          "30% Now, Balance 60 Days", "2/7 Net 30", "90 days, on the 10th"]
    assert client.call("res.partner", "default_get", kwargs={"fields_list": ["active", "type", "vat"]}) == \
        {"active": True, "type": "contact"}
    ids = client.call("res.partner", "create", args=[[{"name": "Ctx"}]], kwargs={"context": {"default_ref": "R1"}})
    assert client.read("res.partner", ids, ["ref"])[0]["ref"] == "R1"
    company = client.read("res.company", [1], ["name", "currency_id", "country_id", "partner_id"])[0]
    assert company == {"id": 1, "name": "Sandbox Company", "currency_id": [1, "EUR"], "country_id": [57, "Germany"],
                       "partner_id": [1, "Sandbox Company"]}


def test_jsonrpc_specifics_on_the_wire() -> None:
    """create({...}) answers one id; a method returning None sends no `result`; ids are positional."""
    with http(OdooSandbox()) as client:
        single = execute_kw(client, "res.partner", "create", [{"name": "One"}]).json()
        assert isinstance(single["result"], int)
        none = execute_kw(client, "res.partner", "check_access", [[]], {"operation": "read"}).json()
        assert "result" not in none and "error" not in none
        no_ids = execute_kw(client, "res.partner", "has_access", [], {"operation": "read"}).json()
        assert no_ids["error"]["data"]["name"] == "builtins.IndexError"  # Odoo's call_kw takes args[0] as ids
        extra = execute_kw(client, "res.partner", "read", [[1]], {"fieldz": ["name"]}).json()
        assert extra["error"]["data"]["message"] == "BaseModel.read() got an unexpected keyword argument 'fieldz'"
        missing = json2(client, "res.partner", "write", {"ids": [1]})
        assert (missing.status_code, missing.json()["message"]) == (422, "missing a required argument: 'vals'")
        wrong_db = execute_kw(client, "res.partner", "search", [[]], db="nosuchdb").json()
        assert wrong_db["error"]["data"]["name"] == "psycopg2.OperationalError"
        admin = execute_kw(client, "res.company", "write", [[1], {"email": "x@y.example"}], uid=2, password="admin")
        assert admin.json()["result"] is True
        assert execute_kw(client, "res.partner", "search", [[]], uid=2, password=KEY).json()["error"]["data"][
            "name"] == "odoo.exceptions.AccessDenied"  # the key is the integration user's, not the admin's


def test_many2many_commands_and_users_get_a_partner() -> None:
    sandbox = OdooSandbox()
    [company2] = sandbox.create("res.company", [{"name": "Second Co", "currency_id": 2}])
    [uid] = sandbox.create("res.users", [{"name": "Clerk", "login": "clerk", "company_ids": [(6, 0, [1])]}])
    user = sandbox.records("res.users", [["id", "=", uid]], ["company_ids", "partner_id", "company_id"])[0]
    assert user["company_ids"] == [1] and user["company_id"] == [1, "Sandbox Company"]
    assert user["partner_id"][1] == "Clerk"
    env = sandbox.env
    env.write("res.users", [uid], {"company_ids": [(4, company2), (4, company2)]})
    assert env["res.users"].rows[uid]["company_ids"] == [1, company2]
    env.write("res.users", [uid], {"company_ids": [(3, 1)]})
    assert env["res.users"].rows[uid]["company_ids"] == [company2]
    env.write("res.users", [uid], {"company_ids": [(5,)]})
    assert env["res.users"].rows[uid]["company_ids"] == []


ODD_CALLS = [
    ("res.partner", "search", {"domain": [], "limit": "ten"}),
    ("res.partner", "search", {"domain": {"name": "x"}}),
    ("res.partner", "create", {"vals_list": [1, 2]}),
    ("res.partner", "write", {"ids": [1], "vals": ["name", "x"]}),
    ("res.partner", "read", {"ids": [1], "fields": "name", "load": None}),
    ("res.partner.bank", "create", {"vals_list": [{"acc_number": "X1", "partner_id": "one"}]}),
    ("res.partner", "create", {"vals_list": [{"name": "x", "bank_ids": [(9, 9)]}]}),
]


@pytest.mark.parametrize(("model", "method", "body"), ODD_CALLS, ids=[str(c[2]) for c in ODD_CALLS])
def test_odd_arguments_are_answered_as_errors_and_change_nothing(model: str, method: str, body: dict) -> None:
    body = dict(body)
    sandbox = OdooSandbox()
    before = {m: len(t) for m, t in sandbox.db.tables.items()}
    with http(sandbox) as client:
        as_json2 = json2(client, model, method, body)
        ids = body.pop("ids", None)
        args = [ids] if ids is not None else []
        as_rpc = execute_kw(client, model, method, args, body).json()
    if as_json2.status_code == 200:  # read with fields="name" is legal: one field
        assert "result" in as_rpc
        return
    assert as_json2.status_code in (422, 500) and as_json2.json()["name"].startswith(("builtins.", "werkzeug."))
    assert as_rpc["error"]["data"]["name"].startswith("builtins.")
    assert {m: len(t) for m, t in sandbox.db.tables.items()} == before
