"""Reading suppliers: both pagination styles read every record exactly once, oldest first,
and each page carries the largest updated_at seen so far (inclusive on the server)."""

from __future__ import annotations

import httpx
import pytest
from procurement_testkit import admin, make_client, ok_page, sandbox, scripted

from ofm.connectors.procurement import ProcurementError, latest_updated_at


@pytest.fixture(scope="module")
def feed():
    app, transport = sandbox(n=137)
    return app.state.platform, transport


@pytest.mark.parametrize("pagination", ["page", "cursor"])
def test_every_record_is_read_exactly_once(feed, pagination):
    platform, transport = feed
    client, _ = make_client(transport, pagination=pagination, page_size=20)
    pages = list(client.iter_supplier_pages(None))
    ids = [r["id"] for page in pages for r in page.records]
    assert len(pages) == 7  # 137 records, 20 per page
    assert sorted(ids) == sorted(platform.records) and len(ids) == len(set(ids)) == 137
    stamps = [r["updated_at"] for page in pages for r in page.records]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize("pagination", ["page", "cursor"])
def test_watermark_is_the_largest_updated_at_so_far(feed, pagination):
    _, transport = feed
    client, _ = make_client(transport, pagination=pagination, page_size=40)
    pages = list(client.iter_supplier_pages(None))
    for page in pages:
        assert page.next_watermark == max(r["updated_at"] for r in page.records)
    assert pages[-1].next_watermark == "2026-11-01T08:02:16Z"  # record 137, one second apart from 08:00:00


@pytest.mark.parametrize("pagination", ["page", "cursor"])
def test_since_the_watermark_after_day_two_reads_only_what_changed(pagination):
    _, transport = sandbox(n=60)
    client, _ = make_client(transport, pagination=pagination, page_size=4)
    watermark = list(client.iter_supplier_pages(None))[-1].next_watermark
    day2 = admin(transport, "POST", "/admin/advance").json()
    pages = list(client.iter_supplier_pages(watermark))
    ids = [r["id"] for page in pages for r in page.records]
    # Inclusive: the record stamped exactly at the watermark comes again (the inbox drops it).
    assert sorted(ids) == sorted({*day2["changed"], *day2["new"], "SUP-000060"})
    assert len(day2["changed"]) == 5 and len(day2["bank_changed"]) == 2 and len(day2["new"]) == 1
    assert pages[-1].next_watermark > watermark


def test_nothing_new_keeps_the_watermark():
    _, transport = sandbox(n=10)
    client, _ = make_client(transport, pagination="page")
    pages = list(client.iter_supplier_pages("2030-01-01T00:00:00Z"))
    assert [p.records for p in pages] == [[]]
    assert pages[-1].next_watermark == "2030-01-01T00:00:00Z"


def test_query_parameters_follow_the_configured_style():
    seen, transport = scripted(httpx.Response(200, json={"items": [], "page": 1, "pages": 0, "total": 0}))
    client, _ = make_client(transport, pagination="page", page_size=33)
    list(client.iter_supplier_pages("2026-11-01T08:00:00Z"))
    assert seen[0].url.path == "/api/v1/suppliers"
    assert dict(seen[0].url.params) == {"page": "1", "page_size": "33", "updated_since": "2026-11-01T08:00:00Z"}
    assert seen[0].headers["Authorization"].startswith("Bearer ")
    seen, transport = scripted(ok_page([{"id": "a", "updated_at": "2026-11-01T08:00:00Z"}], "c1"), ok_page())
    client, _ = make_client(transport, pagination="cursor", page_size=5)
    list(client.iter_supplier_pages(None))
    assert [dict(r.url.params) for r in seen] == [{"limit": "5"}, {"limit": "5", "cursor": "c1"}]


def test_a_cursor_that_does_not_advance_is_an_error_not_a_loop():
    _, transport = scripted(ok_page([{"id": "a"}], "same"), ok_page([{"id": "a"}], "same"))
    client, _ = make_client(transport)
    with pytest.raises(ProcurementError, match="cursor that does not advance"):
        list(client.iter_supplier_pages(None))


@pytest.mark.parametrize("body", [{"records": []}, {"items": "x"}, {"items": [1, 2]}, [1]])
def test_an_unexpected_answer_is_a_clear_error(body):
    _, transport = scripted(httpx.Response(200, json=body))
    client, _ = make_client(transport)
    with pytest.raises(ProcurementError, match="unexpected answer|not a JSON object"):
        list(client.iter_supplier_pages(None))


def test_latest_updated_at_compares_instants_not_strings():
    records = [{"updated_at": "2026-11-01T09:00:00+01:00"}, {"updated_at": "2026-11-01T08:30:00Z"},
               {"updated_at": None}, {}]
    assert latest_updated_at("2026-11-01T08:10:00Z", records) == "2026-11-01T08:30:00Z"
    assert latest_updated_at(None, []) is None
