"""Vendor bills into Odoo, exactly once: matched ones posted, exceptions held as drafts with a note.

Every write goes through the outbox first (`account.move:create|message_post|action_post:<record>`);
a create whose answer was lost is looked up by its anchor (partner + ref + move type) before
anything is created again, and a re-run settles what a killed run left `sent` (match_odoo.py), so
each source document has one bill in Odoo whatever happened. Bill lines carry `purchase_line_id`;
a matched line takes product, taxes and analytic distribution from its order line, an exception's
line keeps the tax the supplier billed so the person deciding sees the bill as it came.
Duplicates are never created: they wait in quarantine, naming the bill they repeat.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import VendorBill, content_hash
from ofm.tasks.match.decide import Decided, Decision
from ofm.tasks.match.odoo import MOVE, Snapshot, create_key, post_key
from ofm.tasks.match.results import BillResult, reject
from ofm.tasks.p2p.odoo import many2one_id
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.ownership import ELSEWHERE, claim, done_meanwhile, elsewhere, elsewhere_reason, mark_sent, mine
from ofm.tasks.shared.resources import Resources, resources, use_thread_resources
from ofm.tasks.shared.runinfo import RunInfo

NET_DAYS = re.compile(r"^\s*NET\s*(\d{1,3})\s*$", re.IGNORECASE)


def note_key(ref: str, marker: str) -> str:
    return f"{MOVE}:message_post:{ref}:{marker}"


def _tax_ids(taxes: tuple, snap: Snapshot, company: int | None) -> tuple[int, ...] | None:
    """The Odoo purchase taxes of what the supplier billed (by tax code, else by rate); None if unknown.
    Only the bill's company's: tax names repeat per company, and Odoo refuses a bill with another company's tax."""
    purchase = sorted((t for t in snap.taxes.values() if t.get("type_tax_use") == "purchase"
                       and (company is None or many2one_id(t.get("company_id")) in (company, None))),
                      key=lambda t: t["id"])
    out = []
    for tax in taxes:
        name = snap.tax_names.get(tax.code)
        hit = next((t for t in purchase if name and t["name"] == name), None) or next(
            (t for t in purchase if tax.percent is not None and Decimal(str(t["amount"])) == tax.percent), None)
        if hit is None:
            return None
        out.append(hit["id"])
    return tuple(out)


def _line_vals(bill: VendorBill, k: int, snap: Snapshot, matched: bool) -> dict[str, Any]:
    line = bill.lines[k]
    price = line.unit_price.amount if line.unit_price else (
        line.net_amount.amount / line.quantity if line.quantity else Decimal(0))
    vals: dict[str, Any] = {"name": line.description, "quantity": float(abs(line.quantity)),
                            "price_unit": float(abs(price))}
    ref = line.order_line
    order_line = snap.order_lines.get((ref.order_number or "", ref.line_ref)) if ref else None
    billed = _tax_ids(line.taxes, snap, snap.companies.get(bill.legal_entity or ""))
    product = snap.products.get(line.product_code or "")
    taxes = billed
    if order_line is not None:
        vals["purchase_line_id"] = order_line.id
        product = order_line.product_id or product
        taxes = order_line.tax_ids if matched or billed is None else billed
        if order_line.analytic:
            vals["analytic_distribution"] = order_line.analytic
    if product:
        vals["product_id"] = product
    if taxes is not None:
        vals["tax_ids"] = [[6, 0, list(taxes)]]
    return vals


def _due(bill: VendorBill) -> str | None:
    if bill.due_date:
        return bill.due_date.isoformat()
    terms = NET_DAYS.match(bill.payment_terms or "")
    return (bill.invoice_date + timedelta(days=int(terms.group(1)))).isoformat() if terms else None


def move_vals(d: Decision, snap: Snapshot) -> dict[str, Any]:
    """The account.move of one bill (draft), lines linked to their order lines where known."""
    bill = d.item.bill
    orders = sorted({ol.order_name for line in bill.lines if line.order_line and
                     (ol := snap.order_lines.get((line.order_line.order_number or "", line.order_line.line_ref)))})
    vals: dict[str, Any] = {
        "move_type": "in_refund" if bill.kind.value == "credit_note" else "in_invoice", "partner_id": d.partner_id,
        "ref": bill.bill_number, "invoice_date": bill.invoice_date.isoformat(),
        "date": (bill.accounting_date or bill.invoice_date).isoformat(), "currency_id": snap.currencies[bill.currency],
        "invoice_line_ids": [[0, 0, _line_vals(bill, k, snap, d.outcome == "matched")]
                             for k in range(len(bill.lines))]}
    if due := _due(bill):
        vals["invoice_date_due"] = due
    if orders:
        vals["invoice_origin"] = ", ".join(orders)
    if bill.legal_entity in snap.companies:
        vals["company_id"] = snap.companies[bill.legal_entity]
    return vals


@dataclass
class Loaded:
    """What the load did: record ref -> Odoo bill id, created and posted now, what Odoo refused and why."""

    ids: dict[str, int] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    posted: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # refused to post
    refused: dict[str, str] = field(default_factory=dict)  # refused to create
    elsewhere: dict[str, str] = field(default_factory=dict)  # left to the live run that owns its intents, why


def _find(vals_list: list[dict[str, Any]], exclude: set[int]) -> list[int | None]:
    """Bills created by a request whose answer was lost, found by partner + ref + move type."""
    rows = resources().odoo.search_read(MOVE, [("ref", "in", sorted({v["ref"] for v in vals_list})),
                                               ("partner_id", "in", sorted({v["partner_id"] for v in vals_list})),
                                               ("move_type", "in", sorted({v["move_type"] for v in vals_list}))],
                                        ["partner_id", "ref", "move_type"])
    free = {(r["partner_id"][0], r["ref"], r["move_type"]): r["id"] for r in reversed(rows) if r["id"] not in exclude}
    return [free.pop((v["partner_id"], v["ref"], v["move_type"]), None) for v in vals_list]


def _create(vals_list: list[dict[str, Any]], exclude: set[int]) -> list[int]:
    """Create the bills in one request; after an ambiguous failure create only those Odoo does not have."""
    from ofm.connectors.odoo import OdooAmbiguousError
    from ofm.connectors.odoo.retry import sleep_time_seconds

    odoo = resources().odoo
    ids: list[int | None] = [None] * len(vals_list)
    todo = list(range(len(vals_list)))
    for attempt in range(1, odoo.config.retry.max_attempts + 1):
        try:
            for i, new in zip(todo, odoo.create(MOVE, [vals_list[i] for i in todo]), strict=True):
                ids[i] = new
            break
        except OdooAmbiguousError as err:
            if attempt >= odoo.config.retry.max_attempts:
                raise
            time.sleep(sleep_time_seconds(attempt, odoo.config.retry, err.retry_after, lambda: 0.0))
            for i, hit in zip(todo, _find([vals_list[i] for i in todo], exclude), strict=True):
                ids[i] = hit
            todo = [i for i in todo if ids[i] is None]
            if not todo:
                break
    return [int(i) for i in ids if i is not None]


Sender = Callable[..., "Future[Any]"]


def pipelined(refs: list[str], size: int, before: Callable[[list[str]], None],
              write: Callable[[list[str]], tuple[Any, ...]],
              after: Callable[[list[str], Future[Any], Sender], None]) -> None:
    """Send `refs` to Odoo chunk by chunk with one write in flight, from a sending thread: while Odoo works on
    one chunk, this thread marks the next one sent (`before`, so it goes out the moment the first is done) and
    records the one before (`after`: settle the outbox, audit). `write(chunk)` is `(function, *args)`, called in
    the sending thread with the run's resources; `after` may send more (one by one after a refused chunk)
    through the sender it is given: those wait behind what is queued. Nothing is sent before `before` of its
    chunk returned; an error stops the queue (what was not sent yet stays `sent` in the outbox: the next run
    looks it up by its anchor before sending again, as after a crash)."""
    chunks = [refs[i:i + size] for i in range(0, len(refs), size)]
    if not chunks:
        return
    res: Resources = resources()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ofm-match-send")

    def send(fn: Callable[..., Any], *args: Any) -> Future[Any]:
        def call() -> Any:
            with use_thread_resources(res):
                return fn(*args)
        return pool.submit(call)

    failed = True
    try:
        waiting: list[tuple[list[str], Future[Any]]] = []
        for chunk in chunks:
            before(chunk)
            waiting.append((chunk, send(*write(chunk))))
            if len(waiting) > 1:
                after(*waiting.pop(0), send)
        for chunk, answer in waiting:
            after(chunk, answer, send)
        failed = False
    finally:
        pool.shutdown(wait=True, cancel_futures=failed)


def _intents(refs: list[str], keys: dict[str, str], operation: str, run: RunInfo,
             hashes: dict[str, str], loaded: Loaded) -> dict[str, Any]:
    """Claim the intents; the refs this run holds (not done yet), with their outbox rows. A bill whose intent
    another live run holds, or which a concurrent run created since this run read Odoo, is left to that run."""
    from ofm.store import OutboxIntent

    rows = claim([OutboxIntent(
        idempotency_key=keys[ref], object_type="vendor-bill", record_ref=ref, target_model=MOVE, operation=operation,
        payload_hash=hashes.get(ref, "")[:16] or "-", correlation_id=run.correlation_id(ref),
        flow_run_id=run.flow_run_id) for ref in refs], run)
    for ref in refs:
        row = rows[keys[ref]]
        if elsewhere(row, run):
            loaded.elsewhere[ref] = f"{operation}: {elsewhere_reason(row)}"
        elif operation == "create" and done_meanwhile(row, run):
            loaded.elsewhere[ref] = f"{ELSEWHERE}: created by a concurrent run (Odoo id {row.odoo_id}), which " \
                                    "notes, posts and acknowledges it"
    return {ref: rows[keys[ref]] for ref in refs if mine(rows[keys[ref]], run)}


def create_bills(decisions: list[Decision], snap: Snapshot, loaded: Loaded, run: RunInfo, retry_refused: bool) -> None:
    """Draft bills for what has none in Odoo yet, in batches, each behind its outbox intent. A bill Odoo
    refused before is not sent again unchanged (a permanent error), unless a person replays it."""
    from ofm.connectors.odoo import OdooPermanentError

    res = resources()
    wanted = [d for d in decisions if d.item.ref not in snap.own]
    vals = {d.item.ref: move_vals(d, snap) for d in wanted}
    keys = {ref: create_key(ref) for ref in vals}
    hashes = {ref: content_hash(v)[:16] for ref, v in vals.items()}
    todo = _intents(list(vals), keys, "create", run, hashes, loaded)
    for ref, row in list(todo.items()):
        if row.state == "failed" and row.payload_hash == hashes[ref] and not retry_refused:
            loaded.refused[ref] = row.last_error or "refused by Odoo"
            del todo[ref]
    exclude = {b.id for b in snap.previous} | {b.id for b in snap.own.values()}
    sent = [ref for ref, row in todo.items() if row.state == "sent"]
    if sent:  # taken over from a run that died since the snapshot was read: its bills may be in Odoo
        landed = {ref: hit for ref, hit in zip(sent, _find([vals[r] for r in sent], exclude), strict=True) if hit}
        res.store.settle({keys[ref]: mid for ref, mid in landed.items()})
        loaded.ids.update(landed)
        loaded.created.update(landed)
        todo = {ref: row for ref, row in todo.items() if ref not in landed}
    refs = [d.item.ref for d in wanted if d.item.ref in todo]

    def created(chunk: list[str], answer: Future[list[int]], send: Sender) -> None:
        try:
            made = dict(zip(chunk, answer.result(), strict=True))
        except OdooPermanentError as exc:  # one bill Odoo refuses must not keep the others out: one by one
            made = {}
            if len(chunk) == 1:
                res.store.mark_failed(keys[chunk[0]], str(exc), permanent=True)
                loaded.refused[chunk[0]] = str(exc)
            for ref in chunk if len(chunk) > 1 else []:
                try:
                    made[ref] = send(_create, [vals[ref]], exclude).result()[0]
                except OdooPermanentError as exc:
                    res.store.mark_failed(keys[ref], str(exc), permanent=True)
                    loaded.refused[ref] = str(exc)
        res.store.mark_done({keys[r]: i for r, i in made.items()})
        loaded.ids.update(made)
        loaded.created.update(made)
        audit_rows(run, "bill-created", [(ref, run.correlation_id(ref), {"odoo_id": made[ref], "ref": vals[ref]["ref"],
                                                                          "move_type": vals[ref]["move_type"]})
                                         for ref in chunk if ref in made])

    pipelined(refs, res.settings.odoo_batch_size, lambda chunk: mark_sent([keys[r] for r in chunk], run),
              lambda chunk: (_create, [vals[r] for r in chunk], exclude), created)


def _note(d: Decision) -> tuple[str, str]:
    """The chatter note of an exception, and the marker that identifies it (the hash of its reasons)."""
    reasons = [f"- [{r.code}] {r.text} (owner: {r.owner})" for r in d.reasons]
    marker = content_hash(reasons)[:12]
    body = "\n".join([f"Three-way match exception, held for {d.owner}:", *reasons, f"(ofm note {marker})"])
    return body, marker


def note_exceptions(decisions: list[Decision], loaded: Loaded, run: RunInfo) -> None:
    """One note per held bill listing each reason; the same reasons are never posted twice."""
    res = resources()
    notes = {d.item.ref: _note(d) for d in decisions if d.item.ref in loaded.ids}
    keys = {ref: note_key(ref, marker) for ref, (_, marker) in notes.items()}
    todo = _intents(list(notes), keys, "message_post", run, {ref: m for ref, (_, m) in notes.items()}, loaded)
    sent = {ref for ref, row in todo.items() if row.state == "sent"}
    landed: dict[str, int] = {}
    if sent:  # a killed run may have posted them: look for their markers in the chatter
        rows = res.odoo.search_read("mail.message", [("model", "=", MOVE), ("res_id", "in",
                                                                            [loaded.ids[r] for r in notes])],
                                    ["body", "res_id"])
        landed = {r: m["id"] for r in notes for m in rows if m["res_id"] == loaded.ids[r]
                  and f"ofm note {notes[r][1]}" in (m.get("body") or "")}
        res.store.settle({keys[r]: mid for r, mid in landed.items()})
    for ref in sorted(set(todo) - set(landed)):
        mark_sent([keys[ref]], run)
        answer = res.odoo.call(MOVE, "message_post", ids=[loaded.ids[ref]],
                               kwargs={"body": notes[ref][0], "message_type": "comment",
                                       "subtype_xmlid": "mail.mt_note"})
        res.store.mark_done({keys[ref]: int(answer[0] if isinstance(answer, list) else answer)})


def _post(ids: list[int]) -> None:
    """`action_post` on these bills. Its answer lost (a timeout after Odoo committed, a 502): the bills' state
    is read back and only those still drafts are posted again, so the run finishes what it started instead of
    leaving it to the next one; raises once the client's attempts are spent (the keys stay `sent`, and the next
    run settles them from Odoo's state)."""
    from ofm.connectors.odoo import OdooAmbiguousError
    from ofm.connectors.odoo.retry import sleep_time_seconds

    odoo = resources().odoo
    todo = list(ids)
    for attempt in range(1, odoo.config.retry.max_attempts + 1):
        try:
            odoo.call(MOVE, "action_post", ids=todo)
            return
        except OdooAmbiguousError as err:
            if attempt >= odoo.config.retry.max_attempts:
                raise
            time.sleep(sleep_time_seconds(attempt, odoo.config.retry, err.retry_after, lambda: 0.0))
            posted = {m["id"] for m in odoo.read(MOVE, todo, ["state"]) if m["state"] == "posted"}
            todo = [i for i in todo if i not in posted]
            if not todo:
                return


def post_bills(refs: list[str], loaded: Loaded, run: RunInfo) -> None:
    """action_post in batches; a batch Odoo refuses is posted bill by bill so one bad bill holds only itself."""
    from ofm.connectors.odoo import OdooPermanentError

    res = resources()
    keys = {ref: post_key(ref) for ref in refs}
    held = _intents(refs, keys, "action_post", run, {}, loaded)
    sent = [r for r in refs if r in held and held[r].state == "sent"]
    if sent:  # taken over from a run that died since the snapshot was read: posted already?
        posted = {m["id"] for m in res.odoo.read(MOVE, [loaded.ids[r] for r in sent], ["state"])
                  if m["state"] == "posted"}
        done = {r: loaded.ids[r] for r in sent if loaded.ids[r] in posted}
        res.store.settle({keys[r]: mid for r, mid in done.items()})
        loaded.posted.update(done)
        held = {r: row for r, row in held.items() if r not in done}
    todo = [r for r in refs if r in held]

    def posted(chunk: list[str], answer: Future[None], send: Sender) -> None:
        try:
            answer.result()
            ok = chunk
        except OdooPermanentError:
            ok = []
            for ref in chunk:
                try:
                    send(_post, [loaded.ids[ref]]).result()
                    ok.append(ref)
                except OdooPermanentError as exc:
                    res.store.mark_failed(keys[ref], str(exc), permanent=True)
                    loaded.failed[ref] = str(exc)
        res.store.mark_done({keys[r]: loaded.ids[r] for r in ok})
        loaded.posted.update(ok)
        audit_rows(run, "bill-posted", [(ref, run.correlation_id(ref), {"odoo_id": loaded.ids[ref]}) for ref in ok])

    pipelined(todo, res.settings.odoo_batch_size, lambda chunk: mark_sent([keys[r] for r in chunk], run),
              lambda chunk: (_post, [loaded.ids[r] for r in chunk]), posted)


def _exception_reason(d: Decision, bill_label: str) -> str:
    reasons = "; ".join(f"[{r.code}] {r.text} ({r.owner})" for r in d.reasons)
    return f"{bill_label} held as a draft: {reasons}"


def _duplicate_reason(d: Decision, loaded: Loaded) -> str:
    target = d.duplicate_of or "an earlier bill"
    if d.duplicate_ref and d.duplicate_ref in loaded.ids:
        target = f"Odoo bill id {loaded.ids[d.duplicate_ref]}, {target}"
    reasons = "; ".join(f"[{r.code}] {r.text}" for r in d.reasons)
    return f"not created: duplicates {target}: {reasons}"


@task(name="load-bills", cache_policy=NO_CACHE)
def load_bills(decided: Decided, snap: Snapshot, post_matched: bool, run: RunInfo,
               retry_refused: bool = False) -> list[BillResult]:
    """Create, note and post in Odoo; quarantine exceptions and duplicates; one result per decided bill."""
    res = resources()
    loaded = Loaded(ids={ref: bill.id for ref, bill in snap.own.items()})
    decisions = decided.decisions
    writable = [d for d in decisions if d.outcome in ("matched", "exception")]
    create_bills(writable, snap, loaded, run, retry_refused)
    exceptions = [d for d in decisions if d.outcome == "exception" and d.item.ref in loaded.ids]
    note_exceptions(exceptions, loaded, run)
    exceptions = [d for d in exceptions if d.item.ref not in loaded.elsewhere]
    matched = [d.item.ref for d in decisions if d.outcome == "matched" and d.item.ref in loaded.ids
               and d.item.ref not in loaded.elsewhere]
    if post_matched:
        post_bills(matched, loaded, run)
    names = {r["id"]: r.get("name") or None for r in res.odoo.read(MOVE, sorted(set(loaded.ids.values())),
                                                                    ["name"])} if loaded.ids else {}
    results = [BillResult(d.item.received, _status(d, snap, loaded, post_matched), loaded.ids.get(d.item.ref),
                          names.get(loaded.ids.get(d.item.ref, 0)))
               for d in decisions if d.outcome in ("done", "matched") and d.item.ref not in loaded.elsewhere
               and d.item.ref not in loaded.failed and d.item.ref not in loaded.refused]
    left = [BillResult(d.item.received, ELSEWHERE, reasons=(loaded.elsewhere[d.item.ref],))
            for d in decisions if d.item.ref in loaded.elsewhere]
    return results + left + _hold(decisions, exceptions, loaded, names, run)


def _status(d: Decision, snap: Snapshot, loaded: Loaded, post_matched: bool) -> str:
    """What a bill that went through is acknowledged as: posted now, left a draft, or already so."""
    ref = d.item.ref
    if ref in loaded.posted or (ref in snap.posted_now and (d.outcome == "done" or post_matched)):
        return "posted"
    return "draft" if d.outcome == "matched" and ref in loaded.created else "unchanged"


def _hold(decisions: list[Decision], exceptions: list[Decision], loaded: Loaded, names: dict[int, str | None],
          run: RunInfo) -> list[BillResult]:
    """Quarantine: exceptions and bills Odoo would not post (held, drafts in Odoo), bills Odoo refused and
    duplicates (rejected, nothing in Odoo)."""
    def ident(d: Decision) -> str:
        return f"Odoo bill id {loaded.ids[d.item.ref]}"

    unposted = [d for d in decisions if d.item.ref in loaded.failed]
    held = [(d.item.received, "match", _exception_reason(d, ident(d)), ",".join(d.codes), d.owner)
            for d in exceptions]
    held += [(d.item.received, "technical", f"{ident(d)} matched but not posted: {loaded.failed[d.item.ref]}",
              "state", "accounts-payable") for d in unposted]
    codes = {d.item.ref: d.codes for d in decisions}
    reasons = {d.item.ref: tuple(f"[{r.code}] {r.text}" for r in d.reasons) for d in exceptions}
    out = [replace(r, odoo_ref=names.get(r.odoo_id or 0), reasons=reasons.get(r.received.record_ref, r.reasons))
           for r in reject(run, "match", held, status="held", codes=codes, odoo_ids=loaded.ids)]
    refused = [(d.item.received, "technical", f"Odoo refused the bill: {loaded.refused[d.item.ref]}", "account.move",
                "accounts-payable") for d in decisions if d.item.ref in loaded.refused]
    duplicates = [(d.item.received, "match", _duplicate_reason(d, loaded), ",".join(d.codes), d.owner)
                  for d in decisions if d.outcome == "duplicate"]
    return out + reject(run, "load", refused) + reject(run, "match", duplicates, codes=codes)
