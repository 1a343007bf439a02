"""P2P documents through the real client: every kind pages like suppliers (both styles, inclusive
watermark), acks go to the kind's endpoint with odoo_ref, export files read or fail by name."""

from __future__ import annotations

import json

import httpx
import pytest
from procurement_testkit import admin, make_client, ok_page, sandbox, scripted

from ofm.connectors.procurement import Acknowledgement, FileFormatError, read_export_file
from ofm.sandbox.procurement import CASES, write_export

KINDS = ("purchase-orders", "receipts", "invoices")


@pytest.fixture(scope="module")
def feed():
    app, transport = sandbox(n=40)
    return app.state.platform, transport


@pytest.mark.parametrize("pagination", ["page", "cursor"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_read_exactly_once_oldest_first(feed, kind, pagination):
    platform, transport = feed
    client, _ = make_client(transport, pagination=pagination, page_size=4)
    pages = list(client.iter_pages(kind, None))
    records = [r for page in pages for r in page.records]
    assert sorted(r["id"] for r in records) == sorted(r["id"] for r in platform.documents(kind))
    assert len(pages) >= 2 and len({r["id"] for r in records}) == len(records)
    stamps = [r["updated_at"] for r in records]
    assert stamps == sorted(stamps)
    assert [p.next_watermark for p in pages] == [max(r["updated_at"] for r in p.records) for p in pages]


def test_requests_go_to_the_kinds_path():
    seen, transport = scripted(ok_page([{"id": "GR-1", "updated_at": "2026-11-01T10:00:00Z"}]))
    client, _ = make_client(transport, page_size=7)
    (page,) = client.iter_pages("receipts", "2026-11-01T09:00:00Z")
    assert seen[0].url.path == "/api/v1/receipts"
    assert dict(seen[0].url.params) == {"limit": "7", "updated_since": "2026-11-01T09:00:00Z"}
    assert page.next_watermark == "2026-11-01T10:00:00Z"


def test_an_unknown_kind_is_refused_before_any_request():
    seen, transport = scripted(ok_page())
    client, _ = make_client(transport)
    with pytest.raises(ValueError, match="unknown procurement record kind 'payments'"):
        list(client.iter_pages("payments"))
    assert seen == []


@pytest.mark.parametrize("pagination", ["page", "cursor"])
def test_since_the_day_one_watermark_reads_day_two_only(pagination):
    _, transport = sandbox(n=40)
    client, _ = make_client(transport, pagination=pagination, page_size=3)
    marks = {kind: list(client.iter_pages(kind, None))[-1].next_watermark for kind in KINDS}
    admin(transport, "POST", "/admin/advance")
    orders = [r for p in client.iter_pages("purchase-orders", marks["purchase-orders"]) for r in p.records]
    revised = {CASES[c].orders[0] for c in ("amended_before_receipt", "amended_after_receipt", "cancelled",
                                            "cancelled_after_receipt")}
    # inclusive: the order stamped exactly at the watermark comes again
    assert {r["id"] for r in orders if r["updated_at"] > marks["purchase-orders"]} == revised
    assert all(r["revision"] == 2 for r in orders if r["id"] in revised)
    invoices = [r for p in client.iter_pages("invoices", marks["invoices"]) for r in p.records]
    assert {"INV-000008", "INV-000015"} <= {r["id"] for r in invoices}


def test_supplier_pages_still_come_from_the_supplier_path():
    seen, transport = scripted(ok_page())
    client, _ = make_client(transport)
    list(client.iter_supplier_pages(None))
    assert seen[0].url.path == "/api/v1/suppliers"


# -- acknowledgements ----------------------------------------------------------------------
@pytest.mark.parametrize("kind, ident, status, ref", [
    ("purchase-orders", "PO-2026-0001", "created", "P00012"),
    ("purchase-orders", "PO-2026-0019", "waiting", None),
    ("receipts", "GR-2026-0001", "applied", "WH/IN/00003"),
    ("invoices", "INV-000001", "posted", "BILL/2026/11/0003"),
    ("invoices", "INV-000002", "draft", None),
])
def test_acks_per_kind_reach_the_platform_with_odoo_ref(kind, ident, status, ref):
    _, transport = sandbox(n=40)
    client, _ = make_client(transport)
    one = Acknowledgement(ident, 1, status, 42 if ref else None, [], "corr-1", odoo_ref=ref)
    assert client.acknowledge([one], kind=kind) == 1
    stored = admin(transport, "GET", "/admin/acknowledgements", params={"kind": kind}).json()["items"]
    assert stored == [{"external_id": ident, "revision": 1, "status": status, "odoo_id": 42 if ref else None,
                       "reasons": [], "correlation_id": "corr-1", "odoo_ref": ref, "sequence": 1}]
    assert admin(transport, "GET", "/admin/acknowledgements").json()["items"] == []


def test_ack_bodies_go_to_the_kinds_endpoint_supplier_acks_without_an_unset_odoo_ref():
    seen, transport = scripted(httpx.Response(200, json={"accepted": 1}))
    client, _ = make_client(transport)
    client.acknowledge([Acknowledgement("GR-1", None, "held", reasons=["order not in Odoo yet"])], kind="receipts")
    client.acknowledge([Acknowledgement("SUP-1", 1, "created", 5)])
    client.acknowledge([Acknowledgement("SUP-2", 1, "created", 6, odoo_ref="ACME")])
    assert [r.url.path for r in seen] == ["/api/v1/receipts/acknowledgements",
                                          "/api/v1/suppliers/acknowledgements",
                                          "/api/v1/suppliers/acknowledgements"]
    bodies = [json.loads(r.content)["acknowledgements"][0] for r in seen]
    assert bodies[0]["odoo_ref"] is None and "odoo_ref" not in bodies[1] and bodies[2]["odoo_ref"] == "ACME"


@pytest.mark.parametrize("kind, status", [("receipts", "created"), ("invoices", "applied"),
                                          ("suppliers", "posted"), ("purchase-orders", "draft")])
def test_a_status_the_kind_does_not_know_is_refused_before_sending(kind, status):
    seen, transport = scripted(httpx.Response(200, json={}))
    client, _ = make_client(transport)
    with pytest.raises(ValueError, match=f"{status!r} is not one of .* for {kind}"):
        client.acknowledge([Acknowledgement("X-1", 1, status)], kind=kind)
    assert seen == []


def test_an_unknown_status_is_refused_when_made():
    with pytest.raises(ValueError, match="'done' is not one of"):
        Acknowledgement("X-1", 1, "done")


# -- export files --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_sandbox_exports_read_back_whole(tmp_path, kind):
    path = write_export(kind, 2, tmp_path / f"{kind}.json", n=40)
    records = read_export_file(path)
    assert records == json.loads(path.read_text(encoding="utf-8"))["items"] and records


@pytest.mark.parametrize("payload", [[{"id": "PO-1"}], {"items": [{"id": "PO-1"}], "total": 1}])
def test_bare_list_or_items(tmp_path, payload):
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(payload))
    assert read_export_file(path) == [{"id": "PO-1"}]


@pytest.mark.parametrize("content, position, reason", [
    ('[\n {"id": "PO-1"}\n {"id": "PO-2"}]', "line 3 column 2", "Expecting ',' delimiter"),
    ('{"orders": []}', None, "expected a list of records or an object with a 'items' list"),
    ('"text"', None, "expected a list of records, found str"),
    ('[{"id": 1}, 7]', None, "record 2 is not an object but int"),
])
def test_broken_exports_name_the_file(tmp_path, content, position, reason):
    path = tmp_path / "drop.json"
    path.write_text(content)
    with pytest.raises(FileFormatError) as caught:
        read_export_file(path)
    assert (caught.value.file, caught.value.position, caught.value.reason) == ("drop.json", position, reason)
    assert str(caught.value).startswith("drop.json: ")


def test_unreadable_or_not_utf8_exports(tmp_path):
    with pytest.raises(FileFormatError, match="^gone.json: cannot read the file: No such file or directory$"):
        read_export_file(tmp_path / "gone.json")
    path = tmp_path / "latin1.json"
    path.write_bytes('[{"name": "M\u00fcller"}]'.encode("latin-1"))
    with pytest.raises(FileFormatError, match=r"^latin1.json: line 1: not UTF-8 \(byte 0xfc at offset 12\)$"):
        read_export_file(path)
