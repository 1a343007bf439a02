"""Volume: a 5,000-supplier run (inbox + ~8 audit rows each) is batched, not one statement per row.

Time is not asserted (machines are noisy; performance is measured in bench/): the test counts what one
round trip or one commit per row would multiply by hundreds instead: the transactions on both databases,
and the statements sent over the network to PostgreSQL (SQLite is in-process; its driver inserts the
quarantine's rows one statement at a time inside one transaction). Run with `-s` to see the timings.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from ofm.store import AuditEntry, InboxItem, OutboxIntent, QuarantineEntry

N = 5000
STEPS = ("received", "mapped", "checked", "decided", "loaded", "acknowledged", "published", "closed")
STATEMENT_BOUND = N // 5  # statements for ~60,000 rows written or read: batched, never one per row
TRANSACTION_BOUND = 50  # one per store call: 16 calls here

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
    sent: list[str] = []
    commits: list[int] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    sa.event.listen(store.engine, "commit", lambda conn: commits.append(1))

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
    print(f"\n[{backend}] " + "; ".join(f"{k}: {v:.2f} s" for k, v in timings.items())
          + f"; total {total:.2f} s; {len(sent)} SQL statements, {len(commits)} commits")
    assert verdict.ok is True and verdict.rows_checked == N * len(STEPS)
    assert all(r.duplicate for r in again)
    assert 0 < len(commits) < TRANSACTION_BOUND, (len(commits), timings)
    if backend == "postgresql":
        assert len(sent) < STATEMENT_BOUND, (len(sent), timings)
