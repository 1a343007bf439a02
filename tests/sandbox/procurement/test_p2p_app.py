"""The P2P endpoints of the procurement sandbox: same auth, paging, faults and ack checks as the
supplier API; acks kept per kind; export files equal to what the API shows."""

from __future__ import annotations

import json

import httpx
import pytest

from ofm.sandbox.procurement import CASES, InProcessTransport, create_app, write_export

TOKEN = "sandbox-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KINDS = ("purchase-orders", "receipts", "invoices")


def client_for(app) -> httpx.Client:
    return httpx.Client(transport=InProcessTransport(app), base_url="http://sandbox.test")


@pytest.fixture(scope="module")
def http():
    return client_for(create_app(40, 7, TOKEN))


def ack(ident: str, status: str, **extra) -> dict:
    return {"external_id": ident, "revision": 1, "status": status, "odoo_id": 7, "reasons": [],
            "correlation_id": "c", **extra}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_token_required(http, kind, headers):
    assert http.get(f"/api/v1/{kind}", headers=headers).status_code == 401
    assert http.post(f"/api/v1/{kind}/acknowledgements", headers=headers, json={}).status_code == 401


@pytest.mark.parametrize("kind", KINDS)
def test_both_paging_styles_read_the_same_sorted_feed(http, kind):
    by_page, page = [], 1
    while True:
        body = http.get(f"/api/v1/{kind}", params={"page": page, "page_size": 4}, headers=AUTH).json()
        by_page += body["items"]
        if page >= body["pages"]:
            break
        page += 1
    by_cursor, cursor = [], None
    while True:
        body = http.get(f"/api/v1/{kind}", params={"limit": 3} | ({"cursor": cursor} if cursor else {}),
                        headers=AUTH).json()
        by_cursor += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert by_page == by_cursor and len(by_page) == body.get("total", len(by_page)) > 0
    keys = [(r["updated_at"], r["id"]) for r in by_page]
    assert keys == sorted(keys) and len({r["id"] for r in by_page}) == len(by_page)


def test_updated_since_is_inclusive_and_validated(http):
    items = http.get("/api/v1/invoices", params={"limit": 1000}, headers=AUTH).json()["items"]
    since = items[3]["updated_at"]
    later = http.get("/api/v1/invoices", params={"updated_since": since}, headers=AUTH).json()["items"]
    assert [r["id"] for r in later] == [r["id"] for r in items[3:]]
    bad = http.get("/api/v1/receipts", params={"updated_since": "soon"}, headers=AUTH)
    assert bad.status_code == 422 and bad.json() == {"detail": "'soon' is not an ISO 8601 timestamp"}


def test_day_two_replaces_revisions_and_adds_documents():
    http = client_for(create_app(40, 7, TOKEN))
    day1 = http.get("/api/v1/purchase-orders", params={"limit": 1000}, headers=AUTH).json()["items"]
    watermark = max(r["updated_at"] for r in day1)
    http.post("/admin/advance", headers=AUTH).raise_for_status()
    changed = http.get("/api/v1/purchase-orders", params={"updated_since": watermark, "limit": 1000},
                       headers=AUTH).json()["items"]
    revised = {r["id"]: r["revision"] for r in changed if r["updated_at"] > watermark}
    assert revised == {CASES[c].orders[0]: 2 for c in ("amended_before_receipt", "amended_after_receipt",
                                                       "cancelled", "cancelled_after_receipt")}
    everything = http.get("/api/v1/purchase-orders", params={"limit": 1000}, headers=AUTH).json()["items"]
    assert len(everything) == len(day1)
    invoices = http.get("/api/v1/invoices", params={"limit": 1000}, headers=AUTH).json()["items"]
    assert CASES["duplicate_bill"].invoices[0] in {r["id"] for r in invoices}


def test_faults_apply_to_p2p_endpoints_too():
    http = client_for(create_app(20, 7, TOKEN))
    http.post("/admin/faults", json={"fail_next": 1, "status": 503, "retry_after": 1}, headers=AUTH)
    assert http.get("/api/v1/receipts", headers=AUTH).status_code == 503
    assert http.get("/api/v1/receipts", headers=AUTH).status_code == 200


@pytest.mark.parametrize("kind, good, bad", [
    ("purchase-orders", ["created", "updated", "unchanged", "waiting", "ignored", "rejected", "held"], "applied"),
    ("receipts", ["applied", "unchanged", "rejected", "held"], "created"),
    ("invoices", ["posted", "draft", "held", "rejected", "unchanged"], "applied"),
])
def test_ack_statuses_per_kind(kind, good, bad):
    http = client_for(create_app(40, 7, TOKEN))
    ident = {"purchase-orders": "PO-2026-0001", "receipts": "GR-2026-0001", "invoices": "INV-000001"}[kind]
    answer = http.post(f"/api/v1/{kind}/acknowledgements", headers=AUTH, json={"acknowledgements": [
        ack(ident, status, odoo_ref="P00012") for status in good] + [ack("NOPE-1", good[0], odoo_ref=None)]})
    assert answer.json() == {"accepted": len(good) + 1, "unknown": ["NOPE-1"]}
    stored = http.get("/admin/acknowledgements", params={"kind": kind}, headers=AUTH).json()
    assert stored["total"] == 2
    mine = next(a for a in stored["items"] if a["external_id"] == ident)
    assert (mine["status"], mine["odoo_ref"]) == (good[-1], "P00012")
    refused = http.post(f"/api/v1/{kind}/acknowledgements", headers=AUTH, json={"acknowledgements": [ack(ident, bad)]})
    assert refused.status_code == 422
    assert refused.json()["detail"] == f"acknowledgements[0].status: {bad!r} is not one of {', '.join(good)}"
    # the supplier list is untouched (admin default stays the supplier acks)
    assert http.get("/admin/acknowledgements", headers=AUTH).json() == {"items": [], "total": 0}


@pytest.mark.parametrize("extra, detail", [
    ({"odoo_ref": 12}, "acknowledgements[0].odoo_ref: expected str or null"),
    ({"odoo_name": "P1"}, "acknowledgements[0]: missing [], unexpected ['odoo_name']"),
])
def test_bad_odoo_ref_is_422(http, extra, detail):
    response = http.post("/api/v1/invoices/acknowledgements", headers=AUTH,
                         json={"acknowledgements": [ack("INV-000001", "posted", **extra)]})
    assert response.status_code == 422 and response.json() == {"detail": detail}


def test_admin_acknowledgements_refuses_an_unknown_kind(http):
    response = http.get("/admin/acknowledgements", params={"kind": "payments"}, headers=AUTH)
    assert response.status_code == 422 and "kind must be one of" in response.json()["detail"]


@pytest.mark.parametrize("kind", KINDS)
def test_write_export_equals_what_the_api_shows_that_day(tmp_path, kind):
    http = client_for(create_app(40, 7, TOKEN))
    http.post("/admin/advance", headers=AUTH).raise_for_status()
    shown = http.get(f"/api/v1/{kind}", params={"limit": 1000}, headers=AUTH).json()["items"]
    path = write_export(kind, 2, tmp_path / f"{kind}.json", n=40, seed=7)
    assert json.loads(path.read_text(encoding="utf-8")) == {"items": shown}
    changed = json.loads(write_export(kind, 2, tmp_path / "c.json", n=40, changed_only=True).read_text())["items"]
    assert changed and all(r["updated_at"].startswith("2026-11-02") for r in changed)
    with pytest.raises(ValueError, match="day must be 1 or later"):
        write_export(kind, 0, tmp_path / "x.json")
