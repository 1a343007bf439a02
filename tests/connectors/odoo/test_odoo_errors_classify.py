"""The classification and retry rules as tables: one failure in, one error class out."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from ofm.connectors.odoo import (
    CallContext,
    OdooAccessError,
    OdooAmbiguousError,
    OdooAuthError,
    OdooError,
    OdooMissingError,
    OdooPermanentError,
    OdooRequestError,
    OdooTransientError,
    OdooUserError,
    OdooValidationError,
    RetryPolicy,
    classify,
    should_retry,
    sleep_time_seconds,
)
from ofm.connectors.odoo.retry import parse_retry_after

CTX = CallContext(model="res.partner", method="create", protocol="json2", url="http://o", db="acme",
                  login="bot@acme", secret=SecretStr("sk-very-secret-key"))
REQ = httpx.Request("POST", "http://o/json/2/res.partner/create")


@pytest.mark.parametrize(("exc", "cls"), [
    (httpx.ConnectError("refused", request=REQ), OdooTransientError),
    (httpx.ConnectTimeout("slow", request=REQ), OdooTransientError),
    (httpx.PoolTimeout("pool", request=REQ), OdooTransientError),
    (httpx.ReadTimeout("timed out", request=REQ), OdooAmbiguousError),
    (httpx.WriteTimeout("timed out", request=REQ), OdooAmbiguousError),
    (httpx.RemoteProtocolError("Server disconnected without sending a response.", request=REQ),
     OdooAmbiguousError),
    (httpx.ReadError("reset", request=REQ), OdooAmbiguousError),
    (httpx.UnsupportedProtocol("ftp", request=REQ), OdooRequestError),
])
def test_transport_errors(exc: httpx.RequestError, cls: type[OdooError]) -> None:
    err = classify(CTX, exc=exc)
    assert type(err) is cls
    assert type(exc).__name__ in str(err)


@pytest.mark.parametrize(("status", "cls"), [
    (429, OdooTransientError), (503, OdooTransientError), (502, OdooAmbiguousError),
    (504, OdooAmbiguousError), (403, OdooAccessError), (404, OdooRequestError), (400, OdooRequestError),
    (422, OdooRequestError), (500, OdooRequestError), (401, OdooAuthError), (501, OdooPermanentError),
])
def test_status_without_exception_name(status: int, cls: type[OdooError]) -> None:
    assert type(classify(CTX, http_status=status, server_message="x")) is cls


@pytest.mark.parametrize(("name", "message", "cls"), [
    ("odoo.exceptions.ValidationError", "bad", OdooValidationError),
    ("odoo.exceptions.UserError", "Even magicians can't post nothing!", OdooUserError),
    ("odoo.exceptions.RedirectWarning", "configure a journal", OdooUserError),
    ("odoo.exceptions.MissingError", "Record does not exist", OdooMissingError),
    ("odoo.exceptions.AccessError", "You are not allowed", OdooAccessError),
    ("odoo.exceptions.AccessError", "Private methods (such as 'x._y') cannot be called remotely.",
     OdooRequestError),
    ("odoo.exceptions.UserError", "Object no.such.model doesn't exist", OdooRequestError),
    ("odoo.exceptions.AccessDenied", "Access Denied", OdooAuthError),
    ("builtins.ValueError", "Invalid field", OdooRequestError),
    ("builtins.KeyError", "nosuchservice", OdooRequestError),
    ("builtins.AttributeError", "The method 'a.b' does not exist", OdooRequestError),
    ("psycopg2.errors.InvalidTextRepresentation", "invalid input syntax", OdooRequestError),
    ("psycopg2.errors.SerializationFailure", "could not serialize access", OdooTransientError),
    ("psycopg2.errors.DeadlockDetected", "deadlock detected", OdooTransientError),
    ("odoo.exceptions.UserError", "could not serialize access due to concurrent update", OdooTransientError),
    ("psycopg2.OperationalError", 'FATAL:  database "nosuchdb" does not exist', OdooAuthError),
    ("psycopg2.OperationalError", "connection to server failed: Connection refused", OdooTransientError),
    ("odoo.exceptions.SomethingNew", "?", OdooPermanentError),
])
def test_server_exception_names(name: str, message: str, cls: type[OdooError]) -> None:
    err = classify(CTX, http_status=200, server_name=name, server_message=message)
    assert type(err) is cls
    assert (err.server_name, err.server_message, err.model, err.method) == (name, message, "res.partner", "create")


def test_auth_errors_name_the_credential_not_its_value() -> None:
    denied = classify(CTX, http_status=401, server_name="werkzeug.exceptions.Unauthorized",
                      server_message="Invalid apikey")
    nodb = classify(CTX, http_status=404, server_message="No database is selected")
    assert isinstance(denied, OdooAuthError) and denied.credential == "api_key"
    assert "API key of login 'bot@acme'" in str(denied) and "http://o" in str(denied)
    assert isinstance(nodb, OdooAuthError) and nodb.credential == "database" and "'acme'" in str(nodb)


def test_429_carries_retry_after() -> None:
    err = classify(CTX, http_status=429, retry_after=7.0)
    assert isinstance(err, OdooTransientError) and err.retry_after == 7.0


def test_str_is_one_line_with_model_method_and_message() -> None:
    err = classify(CTX, http_status=422, server_name="odoo.exceptions.ValidationError",
                   server_message="The operation cannot be completed:\nMissing required value\n")
    assert str(err) == ("res.partner.create: The operation cannot be completed: Missing required value "
                        "[ValidationError, HTTP 422, json2]")


def test_server_message_echoing_the_key_is_redacted() -> None:
    err = classify(CTX, http_status=500, server_name="builtins.ValueError",
                   server_message="bad value sk-very-secret-key")
    assert "sk-very-secret-key" not in str(err) + repr(err) + err.server_message


def test_errors_pickle_with_their_facts() -> None:
    err = classify(CTX, http_status=429, retry_after=3.0)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is OdooTransientError and str(back) == str(err) and back.retry_after == 3.0
    auth = pickle.loads(pickle.dumps(classify(CTX, http_status=401)))
    assert auth.credential == "api_key" and str(auth) == str(classify(CTX, http_status=401))


@pytest.mark.parametrize(("err", "method", "retry", "expected"), [
    (OdooTransientError("x"), "create", None, True),
    (OdooAmbiguousError("x"), "create", None, False),
    (OdooAmbiguousError("x"), "action_post", None, False),
    (OdooAmbiguousError("x"), "search_read", None, True),
    (OdooAmbiguousError("x"), "create", True, True),
    (OdooTransientError("x"), "search", False, False),
    (OdooValidationError("x"), "search", True, False),
    (OdooAuthError("x"), "search", True, False),
])
def test_should_retry(err: OdooError, method: str, retry: bool | None, expected: bool) -> None:
    assert should_retry(err, method, retry) is expected


def test_sleep_time_backoff_jitter_and_retry_after() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, max_retry_after=60.0)
    assert [sleep_time_seconds(n, policy, jitter=lambda: 1.0) for n in (1, 2, 3, 4, 5, 9)] == [
        0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert sleep_time_seconds(3, policy, jitter=lambda: 0.5) == 1.0
    assert sleep_time_seconds(1, policy, jitter=lambda: 0.5) == 0.5  # never below base_delay
    assert sleep_time_seconds(1, policy, retry_after=7.0) == 7.0
    assert sleep_time_seconds(1, policy, retry_after=3600.0) == 60.0


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Sun, 22 Nov 2026 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 22 Nov 2026 09:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
