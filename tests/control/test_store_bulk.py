"""Volume: a 5,000-supplier run (inbox + ~8 audit rows each) costs seconds, not minutes.

Run with `-s` to see the timings. The bound is loose on purpose (slow CI machines); one round trip
or one commit per row would blow through it by an order of magnitude.
"""

from __future__ import annotations

import time

from ofm.control.store import AuditEntry, InboxItem, OutboxIntent, QuarantineEntry

N = 5000
STEPS = ("received", "mapped", "checked", "decided", "loaded", "acknowledged", "published", "closed")
BOUND_SECONDS = 30.0

OWNER = "run-1@another-host/1"


def supplier(i: int) -> dict:
    return {"id": f"SUP-{i:06d}", "revision": 1, "updated_at": "2026-11-01T08:00:00Z", "status": "approved",
            "legal_name": f"Müller Feinmechanik {i} GmbH", "tax_id": f"DE{i:09d}", "vendor_code": f"V-{i:05d}",
            "country": "DE", "currency": "EUR", "payment_terms": "NET30", "email": f"ap{i}@mueller.example",
            "addresses": [{"type": "remit_to", "line1": "Hauptstr. 5", "city": "Berlin", "postal_code": "10115",
                           "country": "DE"}],
            "bank_accounts": [{"iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "currency": "EUR"}]}


def test_five_thousand_records_take_seconds(store, backend):
    raws = [supplier(i) for i in range(N)]
    timings: dict[str, float] = {}

    start = time.perf_counter()
    rows = store.receive([InboxItem("procurement", "supplier", r["id"], 1, r, f"corr-{r['id']}", "run-1")
                          for r in raws])
    timings["receive 5,000"] = time.perf_counter() - start

    start = time.perf_counter()
    for step in STEPS:
        store.audit([AuditEntry(f"corr-{r['id']}", "run-1", "ofm", step, f"procurement:{r['id']}",
                                {"inbox_id": row.id, "sha256": row.sha256, "revision": 1, "seen_before": False})
                     for r, row in zip(raws, rows, strict=True)])
    timings["audit 40,000"] = time.perf_counter() - start

    start = time.perf_counter()
    verdict = store.verify_audit()
    timings["verify 40,000"] = time.perf_counter() - start

    start = time.perf_counter()
    again = store.receive([InboxItem("procurement", "supplier", r["id"], 1, r, "c", "run-2") for r in raws])
    keys = [f"res.partner:create:{r['id']}" for r in raws]
    store.claim([OutboxIntent(k, "supplier", k, "res.partner", "create", "h") for k in keys], OWNER)
    store.mark_sent(keys, OWNER)
    store.mark_done({k: i for i, k in enumerate(keys, 1)})
    store.quarantine([QuarantineEntry(f"procurement:{r['id']}", "procurement/supplier", "supplier", "business",
                                      "VAT is invalid", "tax_id", "vendor-master", r) for r in raws])
    timings["re-receive + claim/sent/done + quarantine 5,000"] = time.perf_counter() - start

    total = sum(timings.values())
    print(f"\n[{backend}] " + "; ".join(f"{k}: {v:.2f} s" for k, v in timings.items()) + f"; total {total:.2f} s")
    assert verdict.ok is True and verdict.rows_checked == N * len(STEPS)
    assert all(r.duplicate for r in again)
    assert total < BOUND_SECONDS, timings
