"""The procurement sandbox API: auth, both pagination styles, validation, acknowledgements,
and "day 2" (moved addresses, replaced bank accounts, a new supplier), the same every run."""

from __future__ import annotations

import warnings

import httpx
import pytest
from schwifty import IBAN

from ofm.sandbox.procurement import InProcessTransport, create_app, dirty_cases

TOKEN = "sandbox-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def client_for(app) -> httpx.Client:
    return httpx.Client(transport=InProcessTransport(app), base_url="http://sandbox.test")


@pytest.fixture(scope="module")
def http():
    return client_for(create_app(45, 7, TOKEN))


def test_health_needs_no_token_and_tells_the_day():
    http = client_for(create_app(30, 7, TOKEN))
    assert http.get("/health").json() == {"status": "ok", "day": 1}
    http.post("/admin/advance", headers=AUTH).raise_for_status()
    assert http.get("/health").json()["day"] == 2


@pytest.mark.parametrize("path", ["/api/v1/suppliers", "/admin/acknowledgements", "/admin/dirty"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_everything_else_needs_the_bearer_token(http, path, headers):
    response = http.get(path, headers=headers)
    assert response.status_code == 401 and response.json() == {"detail": "missing or invalid bearer token"}
    assert TOKEN not in response.text


def test_page_style(http):
    body = http.get("/api/v1/suppliers", params={"page": 3, "page_size": 20}, headers=AUTH).json()
    assert (body["page"], body["pages"], body["total"], len(body["items"])) == (3, 3, 45, 5)
    assert body["items"][0]["id"] == "SUP-000041"


def test_cursor_style_and_sort_order(http):
    ids, cursor = [], None
    while True:
        params = {"limit": 16} | ({"cursor": cursor} if cursor else {})
        body = http.get("/api/v1/suppliers", params=params, headers=AUTH).json()
        ids += [(r["updated_at"], r["id"]) for r in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(ids) == 45 and ids == sorted(ids)


def test_updated_since_is_inclusive(http):
    body = http.get("/api/v1/suppliers", params={"updated_since": "2026-11-01T08:00:40Z"}, headers=AUTH).json()
    assert [r["id"] for r in body["items"]] == [f"SUP-0000{i}" for i in range(41, 46)]


@pytest.mark.parametrize("params, detail", [
    ({"page": 0}, "page must be between 1 and 1000000000"),
    ({"limit": "abc"}, "limit must be an integer"),
    ({"page_size": 5000}, "page_size must be between 1 and 1000"),
    ({"updated_since": "yesterday"}, "'yesterday' is not an ISO 8601 timestamp"),
    ({"cursor": "!!"}, "cursor is not one this API issued"),
    ({"page": 1, "limit": 5}, "use either page/page_size or limit/cursor, not both"),
])
def test_bad_parameters_are_422(http, params, detail):
    response = http.get("/api/v1/suppliers", params=params, headers=AUTH)
    assert response.status_code == 422 and response.json() == {"detail": detail}


@pytest.mark.parametrize("body, detail", [
    ([], "body must be an object with an 'acknowledgements' list"),
    ({"acknowledgements": [{"external_id": "SUP-000001"}]},
     "acknowledgements[0]: missing ['correlation_id', 'odoo_id', 'reasons', 'revision', 'status'], unexpected []"),
    ({"acknowledgements": [{"external_id": "SUP-000001", "revision": 1, "status": "done", "odoo_id": None,
                            "reasons": [], "correlation_id": None}]},
     "acknowledgements[0].status: 'done' is not one of created, updated, unchanged, held, rejected"),
    ({"acknowledgements": [{"external_id": "SUP-000001", "revision": True, "status": "held", "odoo_id": None,
                            "reasons": [], "correlation_id": None}]},
     "acknowledgements[0].revision: expected int or null"),
])
def test_bad_acknowledgements_are_422(http, body, detail):
    response = http.post("/api/v1/suppliers/acknowledgements", json=body, headers=AUTH)
    assert response.status_code == 422 and response.json() == {"detail": detail}


def test_acknowledgements_are_kept_latest_per_record():
    http = client_for(create_app(5, 7, TOKEN))
    ack = {"external_id": "SUP-000002", "revision": 1, "status": "created", "odoo_id": 9, "reasons": [],
           "correlation_id": "x"}
    answer = http.post("/api/v1/suppliers/acknowledgements", headers=AUTH, json={"acknowledgements": [
        ack, ack | {"external_id": "NOPE-1"}, ack | {"status": "unchanged"}]}).json()
    assert answer == {"accepted": 3, "unknown": ["NOPE-1"]}
    items = http.get("/admin/acknowledgements", headers=AUTH).json()["items"]
    assert [(a["external_id"], a["status"]) for a in items] == [("NOPE-1", "created"), ("SUP-000002", "unchanged")]


def test_admin_dirty_lists_the_generators_cases(http):
    assert http.get("/admin/dirty", headers=AUTH).json()["cases"] == dirty_cases(45)


def test_day_two_is_deterministic_and_changes_what_it_says():
    first, second = client_for(create_app(60, 7, TOKEN)), client_for(create_app(60, 7, TOKEN))
    before = {r["id"]: r for r in first.get("/api/v1/suppliers", params={"limit": 1000}, headers=AUTH).json()["items"]}
    day2 = first.post("/admin/advance", headers=AUTH).json()
    assert second.post("/admin/advance", headers=AUTH).json() == day2
    assert day2["day"] == 2 and len(day2["address_changed"]) == 3 and len(day2["bank_changed"]) == 2
    assert sorted(day2["address_changed"] + day2["bank_changed"]) == day2["changed"]
    assert day2["new"] == ["SUP-000061"]
    dirty = dirty_cases(60)
    assert not set(day2["changed"]) & set(dirty)
    after = {r["id"]: r for r in first.get("/api/v1/suppliers", params={"limit": 1000}, headers=AUTH).json()["items"]}
    assert len(after) == 61
    for ident in day2["changed"]:
        old, new = before[ident], after[ident]
        assert old["status"] == "approved" and new["revision"] == old["revision"] + 1
        assert new["updated_at"] >= "2026-11-02T08:00:00Z"
    for ident in day2["address_changed"]:
        old, new = before[ident]["addresses"][0], after[ident]["addresses"][0]
        assert (new["line1"], new["city"]) != (old["line1"], old["city"]) and new["country"] == old["country"]
        assert after[ident]["bank_accounts"] == before[ident]["bank_accounts"]
    for ident in day2["bank_changed"]:
        (old,), (new,) = before[ident]["bank_accounts"], after[ident]["bank_accounts"]
        assert new["iban"] != old["iban"] and new["holder"] == old["holder"] and new["currency"] == old["currency"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            IBAN(new["iban"], validate_bban=True)
        assert after[ident]["addresses"] == before[ident]["addresses"]
    untouched = set(before) - set(day2["changed"])
    assert all(after[i] == before[i] for i in untouched)
    new = after["SUP-000061"]
    assert new["status"] == "approved" and new["updated_at"] > max(after[i]["updated_at"] for i in day2["changed"])
    since = first.get("/api/v1/suppliers", params={"updated_since": "2026-11-02T00:00:00Z"}, headers=AUTH).json()
    assert sorted(r["id"] for r in since["items"]) == sorted(day2["changed"] + day2["new"])
    day3 = first.post("/admin/advance", headers=AUTH).json()
    assert day3["day"] == 3 and day3["new"] == ["SUP-000062"]
    assert not set(day3["changed"]) & set(day2["changed"])
    assert first.post("/admin/advance").status_code == 401


def test_armed_faults_fail_the_next_calls_only():
    http = client_for(create_app(3, 7, TOKEN))
    http.post("/admin/faults", json={"fail_next": 1, "status": 429, "retry_after": 2}, headers=AUTH)
    failed = http.get("/api/v1/suppliers", headers=AUTH)
    assert failed.status_code == 429 and failed.headers["Retry-After"] == "2"
    assert http.get("/api/v1/suppliers", headers=AUTH).status_code == 200
