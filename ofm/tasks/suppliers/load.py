"""Load decisions into Odoo through the outbox: batched creates, grouped writes, held records.

Order for every write: outbox intent (unique key, owned by this run) -> mark sent -> Odoo call -> mark done.
A crash anywhere leaves a `sent` row; the next run takes it over and resolves it by anchor lookup
(`create_idempotent`), so a partner is never created twice. A record whose key another live run
owns is left to that run (`in progress elsewhere`). A batch rejected by Odoo for a
business reason is split in halves until the guilty records are isolated and quarantined.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ofm.rules.supplier_decision import Action, Decision, bank_vals, mask_iban
from ofm.tasks.shared.artifacts import Progress
from ofm.tasks.shared.audit import audit_rows, quarantine_records
from ofm.tasks.shared.bisect import write_bisecting
from ofm.tasks.shared.outcome import Outcome, Received, RecordResult
from ofm.tasks.shared.ownership import claim, done_meanwhile, elsewhere, elsewhere_reason, mark_sent, mine
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo
from ofm.tasks.suppliers.partners import BANK, PARTNER, payload_hash

Pair = tuple[Decision, Received]
ELSEWHERE_LOST = "in progress elsewhere: this run's lease ran out before it sent the record"


def _claim(pairs: Sequence[Pair], keys: list[str], model: str, operation: str, run: RunInfo,
           payloads: list[dict[str, Any]], redo_done: bool = False):
    from ofm.store import OutboxIntent

    return claim([
        OutboxIntent(idempotency_key=key, object_type="supplier", record_ref=d.record_ref,
                     target_model=model, operation=operation, payload_hash=payload_hash(p),
                     correlation_id=item.lineage.correlation_id, flow_run_id=run.flow_run_id)
        for (d, item), key, p in zip(pairs, keys, payloads, strict=True)
    ], run, redo_done)


def _left(pairs: Sequence[Pair], rows: dict[str, Any], keys: dict[str, str], run: RunInfo) -> list[RecordResult]:
    """Records another live run owns: not written here, reported, not acknowledged (that run does both)."""
    return [RecordResult(item, Outcome.ELSEWHERE, reasons=(elsewhere_reason(rows[keys[d.record_ref]]),))
            for d, item in pairs]


def _finish(results: list[tuple[Pair, int | Exception]], keys: dict[str, str], outcome: Outcome,
            run: RunInfo, step: str) -> list[RecordResult]:
    """Mark outbox rows done or failed, quarantine failures, audit, return outcomes."""
    from ofm.connectors.odoo import OdooPermanentError
    from ofm.store import NotOwnerError

    store = resources().store
    done = {keys[d.record_ref]: oid for (d, _), oid in results if isinstance(oid, int)}
    if done:
        store.mark_done(done)
    lost = [RecordResult(item, Outcome.ELSEWHERE, reasons=(f"{ELSEWHERE_LOST}: {err}",))
            for (d, item), err in results if isinstance(err, NotOwnerError)]
    results = [(pair, r) for pair, r in results if not isinstance(r, NotOwnerError)]
    failed = [(pair, err) for pair, err in results if isinstance(err, Exception)]
    for (d, _), err in failed:
        store.mark_failed(keys[d.record_ref], str(err), permanent=isinstance(err, OdooPermanentError))
    audit_rows(run, step, [(d.record_ref, item.lineage.correlation_id,
                            {"odoo_model": PARTNER, "odoo_id": oid, "outbox_key": keys[d.record_ref],
                             "fields": list(d.changed_fields)})
                           for (d, item), oid in results if isinstance(oid, int)])
    out = [RecordResult(item, outcome, odoo_id=oid, changed_fields=d.changed_fields)
           for (d, item), oid in results if isinstance(oid, int)]
    out += quarantine_records(run, step, [
        (item, "business" if isinstance(err, OdooPermanentError) else "technical",
         f"Odoo refused {d.action.value}: {err}", getattr(err, "server_name", None) or None,
         "vendor-master" if isinstance(err, OdooPermanentError) else "integration")
        for (d, item), err in failed])
    return out + lost


def _claim_creates(pairs: list[Pair], keys: dict[str, str], run: RunInfo) -> tuple[list[RecordResult], list[Pair]]:
    """Claim one chunk's create intents: the outcomes of the records not to send (another live run's, created by a
    concurrent run, done but gone from Odoo, created by a run that died), and the records to create."""
    from ofm.tasks.suppliers.intake import mapping_spec

    rows = _claim(pairs, [keys[d.record_ref] for d, _ in pairs], PARTNER, "create", run, [d.vals for d, _ in pairs])
    row = {d.record_ref: rows[keys[d.record_ref]] for d, _ in pairs}
    results = _left([p for p in pairs if elsewhere(row[p[0].record_ref], run)], rows, keys, run)
    # created by a run that overlapped this one: Odoo has it now, this run's read was just earlier
    results += [RecordResult(item, Outcome.UNCHANGED, odoo_id=row[d.record_ref].odoo_id,
                             reasons=("created by a concurrent run",))
                for d, item in pairs if done_meanwhile(row[d.record_ref], run)]
    conflicts = [(d, item) for d, item in pairs
                 if row[d.record_ref].state == "done" and not done_meanwhile(row[d.record_ref], run)]
    results += quarantine_records(run, "load", [
        (item, "technical", f"the outbox records it as created (Odoo id {row[d.record_ref].odoo_id}) "
         "but Odoo has no partner with its VAT or vendor code: archived by hand, merged or deleted?",
         "outbox", "integration") for d, item in conflicts])
    todo = [(d, item) for d, item in pairs if mine(row[d.record_ref], run)]
    anchors = {m: list(mapping_spec(m).anchors) for m in dict.fromkeys(item.mapping for _, item in todo)}
    landed, todo = _landed(todo, row, anchors, keys, run)
    return results + landed, todo


class Creator:
    """Creates new partners (with their bank accounts) chunk by chunk, each exactly once; one create in flight.

    While Odoo creates one chunk (in a sending thread), the main thread prepares the next (keeps, maps, checks,
    decides), claims it in the outbox (a key a dead run left `sent` looked up by anchor first) and marks it sent,
    and records the chunk before (outbox done, `loaded` audit rows); the next chunk goes out the moment the one
    in flight is back. Only the Odoo call runs in the sending thread: a chunk Odoo refuses is bisected in the main
    thread, with `write` (mark sent, create) per part, before the next chunk goes out. A chunk that raises (Odoo
    refused the credentials, the process is killed) stops the run before the next one is sent; the chunk marked
    sent but not sent is settled by anchor look-up on the next run, like any `sent` key."""

    def __init__(self, run: RunInfo, progress: LoadProgress) -> None:
        self.run, self.res, self.progress = run, resources(), progress
        self.results: list[RecordResult] = []
        self.keys: dict[str, str] = {}
        self.anchors: dict[str, list[str]] = {}
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ofm-suppliers-send")
        self.pending: tuple[list[Pair], Future[list[int]]] | None = None

    def __enter__(self) -> Creator:
        return self

    def send(self, pairs: list[Pair]) -> None:
        """Claim this chunk's creates and send them (one batch per mapping: one anchor list per batch)."""
        from ofm.tasks.suppliers.intake import mapping_spec

        if not pairs:
            return
        keys = {d.record_ref: f"{PARTNER}:create:{d.record_ref}" for d, _ in pairs}
        self.keys.update(keys)
        for mapping in dict.fromkeys(item.mapping for _, item in pairs):
            if mapping not in self.anchors:
                self.anchors[mapping] = list(mapping_spec(mapping).anchors)
        settled, todo = _claim_creates(pairs, keys, self.run)
        self.results += settled
        for mapping in dict.fromkeys(item.mapping for _, item in todo):
            self._send([p for p in todo if p[1].mapping == mapping])

    def _create(self, batch: list[Pair]) -> list[int]:  # in the sending thread: nothing but the Odoo call
        return self.res.odoo.create_idempotent(PARTNER, [d.vals for d, _ in batch], self.anchors[batch[0][1].mapping],
                                               ["id"])

    def _write(self, batch: list[Pair]) -> list[int]:
        mark_sent([self.keys[d.record_ref] for d, _ in batch], self.run)
        return self._create(batch)

    def _send(self, batch: list[Pair]) -> None:
        """Mark this batch sent, wait for the one in flight, send this one, record the one before."""
        from ofm.store import NotOwnerError

        lost: NotOwnerError | None = None
        try:  # here, not in the sending thread: the store is written by one thread, off the path between writes
            mark_sent([self.keys[d.record_ref] for d, _ in batch], self.run)
        except NotOwnerError as exc:  # the lease ran out and another run took the keys: not sent
            lost = exc
        landed = self._landed() if self.pending else None  # raises: the run stops here
        self.pending = (batch, self.sender.submit(self._create, batch)) if lost is None else None
        if landed is not None:
            self._record(*landed)
        if lost is not None:
            self._record(batch, [(p, lost) for p in batch])

    def _landed(self) -> tuple[list[Pair], list[tuple[Pair, int | Exception]]]:
        """The batch in flight, once Odoo answered: each record with its id or its error (a refused one bisected)."""
        assert self.pending is not None
        chunk, sent = self.pending
        self.pending = None

        def answered(batch: list[Pair]) -> list[int]:
            return sent.result() if batch is chunk else self._write(batch)

        return chunk, write_bisecting(chunk, answered)

    def _record(self, chunk: list[Pair], landed: list[tuple[Pair, int | Exception]]) -> None:
        self.results += _finish(landed, self.keys, Outcome.CREATED, self.run, "loaded")
        self.progress.advance(len(chunk))

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if self.pending is not None and error is None:
                self._record(*self._landed())
        finally:
            self.sender.shutdown(wait=True)  # a failing run still waits for the chunk in flight to answer


class LoadProgress:
    """The run's progress artifact, made at the first write (a run with nothing to write shows "nothing to
    write"), over the records received: advanced as writes land (at most every `EVERY` seconds: each update is a
    call to the Prefect API on the path between two writes), full at the end."""

    EVERY = 2.0

    def __init__(self, total: int) -> None:
        self.total, self.done, self.shown_at = total, 0, 0.0
        self.progress: Progress | None = None

    def advance(self, n: int) -> None:
        import time

        self.done += n
        if self.progress is None:
            self.progress = Progress("supplier-load-progress", self.total, "Suppliers written to Odoo")
        if time.monotonic() - self.shown_at >= self.EVERY:
            self._show()

    def _show(self) -> None:
        import time

        assert self.progress is not None
        self.progress.advance(self.done - self.progress.done)
        self.shown_at = time.monotonic()

    def close(self) -> None:
        if self.progress is None:
            Progress("supplier-load-progress", 0, "Suppliers written to Odoo")
        else:
            self.done = max(self.done, self.total)
            self._show()


def _landed(todo: list[Pair], row: dict[str, Any], anchors: dict[str, list[str]], keys: dict[str, str],
            run: RunInfo) -> tuple[list[RecordResult], list[Pair]]:
    """Creates taken over `sent` from a run that died since this run read Odoo: looked up by anchor first."""
    res = resources()
    sent = [(d, item) for d, item in todo if row[d.record_ref].state == "sent"]
    found: dict[str, int] = {}
    for mapping in {item.mapping for _, item in sent}:
        same = [(d, item) for d, item in sent if item.mapping == mapping]
        hits = res.odoo.find_by_anchors(PARTNER, anchors[mapping], [d.vals for d, _ in same], ["id"],
                                        ["|", ("active", "=", True), ("active", "=", False)])
        found |= {d.record_ref: int(hit["id"]) for (d, _), hit in zip(same, hits, strict=True) if hit}
    if found:
        res.store.settle({keys[ref]: oid for ref, oid in found.items()})
    out = [RecordResult(item, Outcome.CREATED, odoo_id=found[d.record_ref], reasons=("created by an interrupted run",))
           for d, item in sent if d.record_ref in found]
    return out, [(d, item) for d, item in todo if d.record_ref not in found]


def load_updates(pairs: list[Pair], run: RunInfo, progress: LoadProgress) -> list[RecordResult]:
    """Write changed owned fields; partners with identical changes share one write call."""
    if not pairs:
        return []
    res = resources()
    keys = {d.record_ref: f"{PARTNER}:write:{d.odoo_id}:{payload_hash(d.vals)}" for d, _ in pairs}
    rows = _claim(pairs, [keys[d.record_ref] for d, _ in pairs], PARTNER, "write", run, [d.vals for d, _ in pairs],
                  redo_done=True)
    row = {d.record_ref: rows[keys[d.record_ref]] for d, _ in pairs}
    results = _left([p for p in pairs if elsewhere(row[p[0].record_ref], run)], rows, keys, run)
    results += [RecordResult(item, Outcome.UNCHANGED, odoo_id=d.odoo_id, reasons=("written by a concurrent run",))
                for d, item in pairs if done_meanwhile(row[d.record_ref], run)]
    groups: dict[str, list[Pair]] = {}
    for pair in (p for p in pairs if mine(row[p[0].record_ref], run)):
        groups.setdefault(json.dumps(pair[0].vals, sort_keys=True, default=str), []).append(pair)

    def write(batch: list[Pair]) -> list[int]:
        mark_sent([keys[d.record_ref] for d, _ in batch], run)
        ids = [d.odoo_id for d, _ in batch]
        res.odoo.write(PARTNER, ids, batch[0][0].vals)
        return ids

    for group in groups.values():
        results += _finish(write_bisecting(group, write), keys, Outcome.UPDATED, run, "loaded")
        progress.advance(len(group))
    return results


def load_bank_accounts(pairs: list[Pair], run: RunInfo) -> None:
    """Add approved bank accounts to existing partners (one batched create)."""
    if not pairs:
        return
    res = resources()
    vals = [{"partner_id": d.odoo_id, **bank_vals(acc)} for d, _ in pairs for acc in d.held_bank_accounts]
    res.odoo.create_idempotent(BANK, vals, ["acc_number"], ["id"])
    audit_rows(run, "bank-account-added", [
        (d.record_ref, item.lineage.correlation_id,
         {"odoo_id": d.odoo_id, "accounts": [mask_iban(a.iban) for a in d.held_bank_accounts],
          "approved_by": run.actor}) for d, item in pairs])


def load_rest(decisions: list[Pair], run: RunInfo, progress: LoadProgress) -> list[RecordResult]:
    """Apply the decisions other than creates to Odoo (after the creates); hold what needs a person; one outcome
    per record."""
    writes = [p for p in decisions if p[0].action in (Action.UPDATE, Action.HOLD) and p[0].vals]
    written = {r.received.record_ref: r for r in load_updates(writes, run, progress)}
    results: list[RecordResult] = []
    banks: list[Pair] = []
    holds: list[Pair] = []
    for d, item in decisions:
        failed = written.get(d.record_ref)
        if d.action is Action.CREATE:
            continue
        if failed is not None and (failed.outcome in (Outcome.QUARANTINED, Outcome.ELSEWHERE)
                                   or d.action is Action.UPDATE and failed.outcome is Outcome.UNCHANGED):
            results.append(failed)  # refused, left to the run that owns it, or written by a concurrent run
        elif d.action is Action.UPDATE:
            banks += [(d, item)] if d.held_bank_accounts else []
            results.append(RecordResult(item, Outcome.UPDATED, odoo_id=d.odoo_id,
                                        changed_fields=d.changed_fields))
        elif d.action is Action.UNCHANGED:
            results.append(RecordResult(item, Outcome.UNCHANGED, odoo_id=d.odoo_id, reasons=d.reasons))
        else:
            holds.append((d, item))
    load_bank_accounts(banks, run)
    # A partner found in Odoo settles a create an interrupted run left `sent` (it did land).
    resources().store.settle({f"{PARTNER}:create:{d.record_ref}": d.odoo_id for d, _ in decisions
                              if d.action is not Action.CREATE and d.odoo_id})
    return results + _hold(holds, run)


def _being_created(holds: list[Pair], run: RunInfo) -> tuple[list[Pair], list[RecordResult]]:
    """A lookalike this run would hold may be the very supplier an overlapping run is creating (its read saw
    the first batches only): its create intent says so. Those are left to that run, not held for a person."""
    new = [(d, i) for d, i in holds if d.odoo_id is None and not d.held_bank_accounts]
    rows = resources().store.outbox_rows([f"{PARTNER}:create:{d.record_ref}" for d, _ in new]) if new else {}
    out: list[RecordResult] = []
    left: set[str] = set()
    for d, item in new:
        row = rows.get(f"{PARTNER}:create:{d.record_ref}")
        if row is not None and done_meanwhile(row, run):
            out.append(RecordResult(item, Outcome.UNCHANGED, odoo_id=row.odoo_id,
                                    reasons=("created by a concurrent run",)))
        elif row is not None and row.owner and row.owner != run.owner and row.state != "done":
            out.append(RecordResult(item, Outcome.ELSEWHERE, reasons=(elsewhere_reason(row),)))
        else:
            continue
        left.add(d.record_ref)
    return [(d, i) for d, i in holds if d.record_ref not in left], out


def _hold(holds: list[Pair], run: RunInfo) -> list[RecordResult]:
    """Bank changes and lookalikes go to quarantine (approval); pending-at-source is just held."""
    holds, concurrent = _being_created(holds, run)
    needs_person = [(d, i) for d, i in holds if d.held_bank_accounts or d.odoo_id is None and
                    any(r.startswith("possible duplicate") for r in d.reasons)]
    pending = [(d, i) for d, i in holds if (d, i) not in needs_person]
    out = [RecordResult(item, Outcome.HELD, odoo_id=d.odoo_id, reasons=d.reasons) for d, item in pending]
    stored = quarantine_records(run, "decide", [
        (item, "approval", "; ".join(d.reasons),
         "bank_accounts" if d.held_bank_accounts else "legal_name",
         "treasury" if d.held_bank_accounts else "vendor-master") for d, item in needs_person])
    return concurrent + out + [RecordResult(r.received, r.outcome, odoo_id=d.odoo_id, reasons=r.reasons)
                               for r, (d, _) in zip(stored, needs_person, strict=True)]
