"""Every capture of the real Odoo 19 server, replayed through the client.

Each file in `errors_jsonrpc/` and `json2/` must have an expectation here: the error class the
client raises (with the captured status and exception name kept) or the result it returns. The
client's outgoing request is compared with the captured one, so the wire shapes are checked too.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from odoo_client_testkit import API_KEY, contract_dir, make_client, require_contract, rpc_result

from ofm.connectors.odoo import (
    OdooAccessError,
    OdooAuthError,
    OdooError,
    OdooMissingError,
    OdooRequestError,
    OdooUserError,
    OdooValidationError,
)


class Ok:
    """The call succeeds; `value` is the expected result (default: the captured one)."""

    def __init__(self, *value: Any) -> None:
        self.value = value


def auth(credential: str) -> tuple[type[OdooAuthError], str]:
    return OdooAuthError, credential


JSONRPC: dict[str, Any] = {
    "accesserror_lowpriv_create_journal.json": OdooAccessError,
    "accesserror_lowpriv_read_account_move.json": OdooAccessError,
    "accesserror_lowpriv_write_company.json": OdooAccessError,
    "apikey_as_password_ok.json": Ok(7),
    "authenticate_unknown_db.json": auth("database"),
    "authenticate_wrong_password.json": auth("login"),
    "b4_cancel_received_billed_po.json": OdooUserError,
    "b5_cancel_locked_po.json": OdooUserError,
    "bad_args_type.json": OdooRequestError,
    "bad_many2one_id.json": OdooValidationError,
    "bad_selection_value.json": OdooRequestError,
    "browse_write_nonexistent_id.json": OdooMissingError,
    "execute_kw_wrong_password.json": auth("api_key"),
    "f_unbalanced_entry_create.json": OdooUserError,
    "g_button_draft_in_locked_period.json": OdooUserError,
    "g_write_date_into_locked_period.json": OdooUserError,
    "k_accountant_create_xmlid.json": OdooAccessError,
    "k_accountant_search_read_xmlid.json": OdooAccessError,
    "k_admin_create_duplicate_xmlid.json": OdooValidationError,
    "k_check_object_reference_unknown.json": OdooRequestError,
    "k_xmlid_lookup_private.json": OdooRequestError,
    "k_xmlid_to_res_id_private.json": OdooRequestError,
    "malformed_json.json": OdooRequestError,
    "missing_required_field.json": OdooValidationError,
    "post_bill_without_invoice_date.json": OdooUserError,
    "private_method.json": OdooRequestError,
    "read_nonexistent_id.json": Ok([]),
    "search_read_nonexistent_id.json": Ok([]),
    "unknown_field_in_create.json": OdooRequestError,
    "unknown_field_in_domain.json": OdooRequestError,
    "unknown_method.json": OdooRequestError,
    "unknown_model.json": OdooRequestError,
    "unknown_service.json": OdooRequestError,
    "usererror_post_bill_without_lines.json": OdooUserError,
    "validationerror_recursive_parent.json": OdooValidationError,
}

JSON2: dict[str, Any] = {
    "e_message_post_json2.json": Ok([7103]),
    "err_accesserror_lowpriv_search_read_account_move.json": OdooAccessError,
    "err_accesserror_lowpriv_write_company.json": OdooAccessError,
    "err_bad_api_key.json": auth("api_key"),
    "err_bad_kwargs.json": OdooRequestError,
    "err_bad_selection.json": OdooRequestError,
    "err_get_instead_of_post.json": OdooRequestError,
    "err_ids_on_model_method.json": OdooRequestError,
    "err_malformed_json.json": OdooRequestError,
    "err_missing_required.json": OdooValidationError,
    "err_no_auth_header.json": auth("api_key"),
    "err_private_method.json": OdooRequestError,
    "err_read_nonexistent.json": Ok([]),
    "err_unknown_db_header.json": auth("database"),
    "err_unknown_field.json": OdooRequestError,
    "err_unknown_method.json": OdooRequestError,
    "err_unknown_model.json": OdooRequestError,
    "err_usererror_post_empty_bill.json": OdooUserError,
    "err_validation_recursive_parent.json": OdooValidationError,
    "err_write_nonexistent_missingerror.json": OdooMissingError,
    "l_action_post_already_posted.json": OdooUserError,
    "l_action_post_bill_without_date.json": OdooUserError,
    "l_action_post_draft_bill.json": Ok(False),
    "l_button_confirm_again_confirmed_po.json": Ok(True),
    "l_button_confirm_draft_po.json": Ok(True),
    "ok_context.json": Ok([{"id": 1, "name": "My Company"}]),
    "ok_create.json": Ok([12]),
    "ok_method_returning_none.json": Ok(None),
    "ok_read_ids.json": Ok([{"id": 1, "name": "My Company"}]),
    "ok_search_read.json": Ok(),
    "ok_with_db_header.json": Ok(7),
    "ok_write.json": Ok(True),
}
FOLDERS = {"errors_jsonrpc": JSONRPC, "json2": JSON2}


def _captures() -> list[tuple[str, str]]:
    root = contract_dir()
    if root is None:
        return []
    return [(folder, p.name) for folder in FOLDERS for p in sorted((root / folder).glob("*.json"))]


def test_contract_is_present() -> None:
    require_contract()


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_every_capture_has_an_expectation(folder: str) -> None:
    files = {p.name for p in (require_contract() / folder).glob("*.json")}
    assert files, f"no captures in {folder}"
    assert sorted(files - FOLDERS[folder].keys()) == [], "new captures without an expectation"
    assert sorted(FOLDERS[folder].keys() - files) == [], "expectations for captures that are gone"


def _replay(capture: dict[str, Any], protocol: str) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering the captured call with the captured status and raw body."""
    sent: list[httpx.Request] = []
    request = capture.get("request") or {}
    replays_auth = request.get("service") == "common"
    headers = capture.get("response_headers") or {"content-type": "application/json"}

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/json/version":  # the server is the captured Odoo 19 (its dialect: no translation)
            return httpx.Response(200, json={"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"})
        if protocol == "jsonrpc" and not replays_auth and json.loads(req.content)["params"]["service"] == "common":
            return rpc_result(2)  # authenticate, which this capture is not about
        sent.append(req)
        return httpx.Response(capture["http_status"], content=capture["raw_body"].encode(), headers=headers)

    return httpx.MockTransport(handler), sent


def _run(folder: str, capture: dict[str, Any]) -> tuple[Any, list[httpx.Request]]:
    """Make the client perform the captured call; returns (result or error, requests sent)."""
    protocol = "jsonrpc" if folder == "errors_jsonrpc" else "json2"
    transport, sent = _replay(capture, protocol)
    client = make_client(lambda r: transport.handle_request(r), protocol=protocol, max_attempts=1)
    request = capture.get("request") or {}
    try:
        if protocol == "jsonrpc" and request.get("service") == "common":
            return client.uid, sent
        if protocol == "jsonrpc" and request.get("service") == "object":
            _db, _uid, _key, model, method, args, *kwargs = request["args"]
            return client.call(model, method, args=args, kwargs=(kwargs or [{}])[0]), sent
        if protocol == "json2" and "path" in request:
            _, _, _, model, method = request["path"].split("/")
            body = dict(request.get("body") or {})
            return client.call(model, method, kwargs=body, ids=body.pop("ids", None)), sent
        return client.call("res.partner", "search_read", args=[[]], kwargs={"fields": ["name"]}), sent
    except OdooError as err:
        return err, sent


def _assert_same_request(folder: str, capture: dict[str, Any], sent: httpx.Request) -> None:
    request = capture.get("request") or {}
    body = json.loads(sent.content)
    if folder == "json2" and "path" in request:
        assert sent.url.path == request["path"]
        assert body == request.get("body", {})
        assert sent.headers["authorization"] == f"bearer {API_KEY}"
        assert sent.headers["x-odoo-database"] == "acme"
    elif request.get("service") == "object":
        args = body["params"]["args"]
        assert body["params"]["service"] == "object" and body["params"]["method"] == "execute_kw"
        assert args[3:6] == request["args"][3:6]
        assert args[6] == (request["args"][6] if len(request["args"]) > 6 else {})


@pytest.mark.parametrize(("folder", "name"), _captures())
def test_capture_replays_to_expected_outcome(folder: str, name: str) -> None:
    capture = json.loads((require_contract() / folder / name).read_text())
    expected = FOLDERS[folder][name]
    outcome, sent = _run(folder, capture)
    assert len(sent) == 1, "exactly one request for the captured call (no retry of a permanent error)"
    _assert_same_request(folder, capture, sent[0])
    if isinstance(expected, Ok):
        assert not isinstance(outcome, OdooError), outcome
        raw = json.loads(capture["raw_body"])
        captured = raw.get("result") if folder == "errors_jsonrpc" else raw
        assert outcome == (expected.value[0] if expected.value else captured)
        return
    cls, credential = expected if isinstance(expected, tuple) else (expected, None)
    assert type(outcome) is cls, f"{name}: got {outcome!r}"
    if credential is not None:
        assert outcome.credential == credential
    _assert_keeps_server_facts(capture, outcome)


def _assert_keeps_server_facts(capture: dict[str, Any], err: OdooError) -> None:
    try:
        raw = json.loads(capture["raw_body"])
    except ValueError:
        raw = None
    data = (raw.get("error") or {}).get("data", raw) if isinstance(raw, dict) and "jsonrpc" in raw else raw
    if isinstance(data, dict) and data.get("name"):
        assert err.server_name == data["name"]
        assert err.server_message == data["message"]
        assert "Traceback" not in str(err), "the server's debug traceback must never leak"
    if capture["http_status"] != 200:
        assert err.http_status == capture["http_status"]
    assert "\n" not in str(err)
    assert API_KEY not in str(err) and API_KEY not in repr(err)
