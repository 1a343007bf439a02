"""The ledger-source client against the sandbox API: deliveries listed after a cursor in a stable order and
page by page, downloaded byte for byte as the sender wrote them; transient failures (429 with Retry-After,
503, an answer lost on the way, a download that does not match its listing) retried, a refused token or a
rejected request not; the token never in an error, a log line or a repr."""

from __future__ import annotations

import logging
import traceback
from datetime import date

import httpx
import pytest
from ledger_api_testkit import TOKEN, admin, make_client, sandbox, scripted

from ofm.connectors.ledger import LedgerApiAuthError, LedgerApiError, LedgerApiTransientError
from ofm.sandbox.ledger import write_samples


def deliveries(n: int) -> list[tuple[str, str, str]]:
    return [("payroll", f"payroll-{i}.csv", f"record_type;batch\nT;B{i}\n") for i in range(1, n + 1)]


def test_the_listing_pages_in_a_stable_order_and_resumes_after_any_delivery():
    _, transport = sandbox(deliveries(7))
    client, _ = make_client(transport, page_size=3)
    listed = list(client.iter_deliveries())
    assert [d.file_name for d in listed] == [f"payroll-{i}.csv" for i in range(1, 8)]
    assert [d.id for d in client.iter_deliveries(listed[3].cursor)] == [d.id for d in listed[4:]]
    last = client.list_page(listed[-1].cursor)
    assert last.deliveries == [] and not last.has_more and last.next_cursor == listed[-1].cursor


def test_a_delivery_added_later_is_listed_after_the_cursor_of_the_last_run():
    app, transport = sandbox(deliveries(2))
    client, _ = make_client(transport)
    cursor = client.list_page().next_cursor
    admin(transport, "/admin/deliveries", {"source": "sales", "file_name": "sales-1.csv", "content": "kind\n"})
    admin(transport, "/admin/deliveries", {"source": "payroll", "file_name": "payroll-1.csv",  # the same again
                                           "content": "record_type;batch\nT;B1\n"})
    assert [(d.id, d.source) for d in client.iter_deliveries(cursor)] == [("DLV-000003", "sales")]


def test_downloads_are_the_files_as_the_senders_wrote_them(tmp_path):
    files = write_samples(tmp_path, "2026-11", date(2026, 11, 30))
    _, transport = sandbox([(source, path.name, path.read_bytes()) for source, path in files.items()])
    client, _ = make_client(transport)
    listed = list(client.iter_deliveries())
    assert [(d.source, d.file_name) for d in listed] == [(s, p.name) for s, p in files.items()]
    for delivery, path in zip(listed, files.values(), strict=True):
        assert client.download(delivery) == path.read_bytes()


@pytest.mark.parametrize("only", ["list", "download"])
def test_429_waits_as_long_as_retry_after_says_and_503_backs_off(only):
    _, transport = sandbox(deliveries(1))
    client, sleeps = make_client(transport)
    [delivery] = client.iter_deliveries()
    admin(transport, "/admin/faults", {"fail_next": 1, "status": 429, "retry_after": 7, "only": only})
    assert client.download(delivery) if only == "download" else list(client.iter_deliveries())
    admin(transport, "/admin/faults", {"fail_next": 2, "status": 503, "only": only})
    assert client.download(delivery) if only == "download" else list(client.iter_deliveries())
    assert sleeps == [7.0, 0.5, 1.0]


def test_an_answer_lost_on_the_way_is_asked_for_again():
    _, transport = sandbox(deliveries(2))
    client, sleeps = make_client(transport)
    admin(transport, "/admin/faults", {"drop_next": 2})
    listed = list(client.iter_deliveries())
    assert len(listed) == 2 and sleeps == [0.5, 1.0]
    admin(transport, "/admin/faults", {"drop_next": 1, "only": "download"})
    assert client.download(listed[1]) == b"record_type;batch\nT;B2\n"


def test_gives_up_after_max_attempts_with_one_clear_line():
    _, transport = sandbox(deliveries(1))
    client, sleeps = make_client(transport, max_attempts=3)
    admin(transport, "/admin/faults", {"fail_next": 5, "status": 503})
    with pytest.raises(LedgerApiTransientError) as caught:
        list(client.iter_deliveries())
    assert str(caught.value) == "ledger API unavailable: GET /deliveries answered HTTP 503 (gave up after 3 attempts)"
    assert len(sleeps) == 2 and caught.value.status == 503


def test_a_download_that_does_not_match_its_listing_is_read_again_then_refused():
    _, transport = sandbox(deliveries(1))
    client, _ = make_client(transport)
    [delivery] = client.iter_deliveries()
    seen, broken = scripted(httpx.Response(200, content=b"record_type;batch\nT;B"))  # truncated by a proxy
    client, sleeps = make_client(broken, max_attempts=2)
    with pytest.raises(LedgerApiTransientError, match="do not match the listed size .* and sha256"):
        client.download(delivery)
    assert len(seen) == 2 and sleeps == [0.5]


def test_a_delivery_larger_than_allowed_is_not_downloaded():
    _, transport = sandbox(deliveries(1))
    client, _ = make_client(transport, max_bytes=10)
    [delivery] = client.iter_deliveries()
    with pytest.raises(LedgerApiError, match="more than the 10 a delivery may have"):
        client.download(delivery)


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("file_name", "../../etc/passwd", "'file_name' '../../etc/passwd' is not a plain file name"),
    ("sha256", "abc", "'sha256' is not a hex SHA-256"),
    ("size", "12", "'size' is not a number of bytes"),
])
def test_a_listing_the_client_cannot_trust_is_refused_naming_the_field(field, value, reason):
    item = {"id": "D1", "source": "payroll", "file_name": "p.csv", "created_at": "2026-11-30T00:00:00Z",
            "size": 1, "sha256": "0" * 64, "cursor": "c1", field: value}
    _, transport = scripted(httpx.Response(200, json={"items": [item], "next_cursor": "c1", "has_more": False}))
    client, _ = make_client(transport)
    with pytest.raises(LedgerApiError) as caught:
        list(client.iter_deliveries())
    assert str(caught.value) == f"ledger API: unexpected answer to GET /deliveries: {reason}"


def test_a_cursor_that_does_not_advance_stops_the_listing():
    _, transport = scripted(httpx.Response(200, json={"items": [], "next_cursor": "same", "has_more": True}))
    client, _ = make_client(transport)
    with pytest.raises(LedgerApiError, match="cursor that does not advance"):
        list(client.iter_deliveries("same"))


def test_a_refused_token_fails_at_once_and_names_the_credential_not_its_value():
    _, transport = sandbox(deliveries(1))
    client, sleeps = make_client(transport, token="wrong-" + TOKEN)
    with pytest.raises(LedgerApiAuthError) as caught:
        list(client.iter_deliveries())
    assert str(caught.value) == "ledger API token refused (HTTP 401); check OFM_LEDGER_API_TOKEN"
    assert sleeps == [] and TOKEN not in repr(client.config)


def test_the_token_never_reaches_a_log_line_an_error_or_a_traceback(caplog):
    caplog.set_level(logging.DEBUG)
    failures = []
    steps = [httpx.Response(503), httpx.ConnectError(f"cannot reach http://u:{TOKEN}@ledger.test"),
             httpx.Response(429, headers={"Retry-After": "1"}),
             httpx.Response(400, json={"detail": f"Bearer {TOKEN} may not list deliveries"})]
    seen, transport = scripted(*steps)
    client, _ = make_client(transport)
    with pytest.raises(LedgerApiError) as caught:
        list(client.iter_deliveries())
    failures.append(caught.value)
    _, failing = sandbox(deliveries(1))
    admin(failing, "/admin/faults", {"drop_next": 9})
    client, _ = make_client(failing, max_attempts=2)
    with pytest.raises(LedgerApiTransientError) as caught:
        list(client.iter_deliveries())
    failures.append(caught.value)
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"  # it was sent, only where it belongs
    assert str(failures[0]) == "ledger API refused GET /deliveries (HTTP 400): Bearer *** may not list deliveries"
    text = caplog.text + "".join("".join(traceback.format_exception(f)) + repr(f) for f in failures)
    assert "retrying in" in caplog.text and TOKEN not in text
