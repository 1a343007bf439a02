"""Every error the contract shows for the served models, through the real client, over BOTH protocols.

The client must raise the same class, with the server's exception name and message as captured
(from the capture of that protocol, or of the other one when only one was captured: the
payload is the same on both, only the transport differs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from odoo_sandbox_testkit import PROTOCOLS, make_client, require_contract

from ofm.connectors.odoo import (
    OdooAccessError,
    OdooAuthError,
    OdooClient,
    OdooError,
    OdooMissingError,
    OdooRequestError,
    OdooValidationError,
)
from ofm.sandbox.odoo import INTEGRATION_UID, OdooSandbox

Call = Callable[[OdooClient], Any]
# case: (the call, JSON-RPC capture, JSON-2 capture or None, error class)
CASES: dict[str, tuple[Call, str, str | None, type[OdooError]]] = {
    "unknown field in create": (lambda c: c.create("res.partner", [{"name": "x", "no_such_field": 1}]),
                                "unknown_field_in_create.json", "err_unknown_field.json", OdooRequestError),
    "unknown field in domain": (lambda c: c.search("res.partner", [["no_such_field", "=", 1]]),
                                "unknown_field_in_domain.json", None, OdooRequestError),
    "bad selection": (lambda c: c.create("res.partner", [{"name": "Bad sel", "type": "bogus"}]),
                      "bad_selection_value.json", "err_bad_selection.json", OdooRequestError),
    "bad many2one": (lambda c: c.create("res.partner", [{"name": "bad fk", "country_id": 999999}]),
                     "bad_many2one_id.json", None, OdooValidationError),
    "write missing record": (lambda c: c.write("res.partner", [999999], {"name": "x"}),
                             "browse_write_nonexistent_id.json", "err_write_nonexistent_missingerror.json",
                             OdooMissingError),
    "recursive parent": (lambda c: c.write("res.partner", [1], {"parent_id": 1}),
                         "validationerror_recursive_parent.json", "err_validation_recursive_parent.json",
                         OdooValidationError),
    "private method": (lambda c: c.call("res.partner", "_compute_display_name", ids=[1]),
                       "private_method.json", "err_private_method.json", OdooRequestError),
    "unknown method": (lambda c: c.call("res.partner", "no_such_method", args=[[]]),
                       "unknown_method.json", "err_unknown_method.json", OdooRequestError),
    "unknown model": (lambda c: c.search_read("no.such.model", [], ["name"]),
                      "unknown_model.json", "err_unknown_model.json", OdooRequestError),
    "no right to modify": (lambda c: c.write("res.company", [1], {"name": "hacked"}),
                           "accesserror_lowpriv_write_company.json", "err_accesserror_lowpriv_write_company.json",
                           OdooAccessError),
    "unexpected argument": (lambda c: c.call("res.partner", "search_read", kwargs={"bogus_kw": 1}),
                            "", "err_bad_kwargs.json", OdooRequestError),
}


def _captured(protocol: str, jsonrpc_file: str, json2_file: str | None) -> tuple[dict[str, Any], int | None]:
    """(error payload, JSON-2 status or None) of the capture to compare with."""
    root = require_contract()
    if protocol == "json2" and json2_file or not jsonrpc_file:
        capture = json.loads((root / "json2" / (json2_file or "")).read_text())
        return json.loads(capture["raw_body"]), capture["http_status"]
    capture = json.loads((root / "errors_jsonrpc" / jsonrpc_file).read_text())
    return json.loads(capture["raw_body"])["error"]["data"], None


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_error_class_name_and_message_match_the_contract(protocol: str, case: str) -> None:
    call, jsonrpc_file, json2_file, cls = CASES[case]
    data, status = _captured(protocol, jsonrpc_file, json2_file)
    sandbox = OdooSandbox()
    client = make_client(sandbox, protocol, max_attempts=1)
    with pytest.raises(cls) as caught:
        call(client)
    error = caught.value
    name = data["name"]
    if protocol == "json2" and name == "builtins.AttributeError":
        name = "werkzeug.exceptions.NotFound"  # JSON-2 answers an unknown method with 404 NotFound
    if protocol == "jsonrpc" and name == "werkzeug.exceptions.NotFound":
        name = "builtins.AttributeError"
    assert error.server_name == name
    assert error.server_message == data["message"].replace("User: 2)", f"User: {INTEGRATION_UID})")
    uncaptured = {OdooValidationError: 422, OdooRequestError: 500}  # JSON-2 status of the exception class
    assert error.http_status == (200 if protocol == "jsonrpc" else status or uncaptured[cls])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_wrong_api_key_stops_the_run(protocol: str) -> None:
    client = make_client(OdooSandbox(), protocol, api_key="not-the-key")
    with pytest.raises(OdooAuthError) as caught:
        client.search_count("res.partner", [])
    assert caught.value.credential == ("api_key" if protocol == "json2" else "login")
    assert "not-the-key" not in str(caught.value)
