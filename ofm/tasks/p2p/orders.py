"""Purchase-order sync tasks: map, check dependencies, decide per order, write to Odoo exactly once.

Write order for every Odoo change: outbox intent (unique key) -> mark sent -> Odoo call -> mark done.
Creates are anchored by `origin` (the procurement number): an interrupted run is resolved by
reading Odoo before deciding, so an order is never created twice; a created order left unconfirmed
is confirmed by the next run (its state says so). Amendments are diffs against Odoo and so
idempotent; their outbox key carries the revision and the diff's hash.

One task, chunk by chunk (`odoo_batch_size`): each chunk is kept in the inbox, mapped, checked (its
reference and order reads sent together; a reference asked once per run), decided (audited) and
claimed while the chunk before is being created and confirmed in Odoo by a sender thread: one write
in flight, as ledger-batch posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import PurchaseOrder, content_hash
from ofm.mappings.p2p_policy import P2PPolicy
from ofm.memory import paused_gc
from ofm.rules.p2p.orders import OdooOrder, OrderAction, OrderDecision, decide_order
from ofm.tasks.p2p.common import DEPENDENCY, ORDERS, DocResult, hold, keep
from ofm.tasks.p2p.odoo import PO, ReferenceCache, read_references_and_orders
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.ownership import ELSEWHERE, claim, done_meanwhile, elsewhere, elsewhere_reason, mark_sent, mine
from ofm.tasks.shared.resources import Resources, resources, use_thread_resources
from ofm.tasks.shared.runinfo import RunInfo

REVISION_CURSOR = "procurement.purchase_order.revision:"


@dataclass(frozen=True)
class Planned:
    order: PurchaseOrder
    item: Received
    decision: OrderDecision
    existing: OdooOrder | None


def _map(items: list[Received], run: RunInfo) -> tuple[list[tuple[PurchaseOrder, Received]], list[DocResult]]:
    """Raw orders -> canonical; one that does not map is refused with the record and field named."""
    from ofm.mappings.purchase_docs import DocumentError, map_purchase_order

    mapped, refused = [], []
    with paused_gc():  # thousands of acyclic orders: no full collection walking them again and again
        for item in items:
            try:
                mapped.append((map_purchase_order(item.raw, item.lineage), item))
            except DocumentError as exc:
                refused.append((item, "business", str(exc), exc.field, "procurement"))
    audit_rows(run, "mapped", [(o.record_ref, i.lineage.correlation_id,
                                {"mapping": i.mapping, "revision": o.revision, "status": o.approval_status.value,
                                 "lines": len(o.lines)})
                               for o, i in mapped])
    return mapped, hold(run, refused, ORDERS.object_type, "rejected")


def _superseded(order: PurchaseOrder, applied: dict[str, str]) -> int | None:
    """The revision already applied when it is newer than this one (an old revision arriving late)."""
    done = applied.get(REVISION_CURSOR + order.number)
    if done is not None and order.revision is not None and int(done) > order.revision:
        return int(done)
    return None


def _plan(mapped: list[tuple[PurchaseOrder, Received]], policy: P2PPolicy, cache: ReferenceCache, run: RunInfo
          ) -> tuple[list[Planned], list[DocResult]]:
    """Check every dependency in Odoo (a few batched reads, only what no earlier chunk asked) and decide per order."""
    results: list[DocResult] = []
    current = []
    applied = resources().store.get_cursors([REVISION_CURSOR + o.number for o, _ in mapped])
    for order, item in mapped:
        newer = _superseded(order, applied)
        if newer is None:
            current.append((order, item))
        else:
            results.append(DocResult(item, "unchanged", reasons=(f"superseded: revision {newer} is already applied",)))
    refs, existing = read_references_and_orders([o for o, _ in current], policy, cache)
    plans = []
    for order, item in current:
        status = str(item.raw.get("status") or "")
        action = policy.status.get(status)
        if action is None:
            results += hold(run, [(item, "business", f"{order.number} status: {status!r} is not in the status map "
                                   f"of {policy.source}", "status", "procurement")], ORDERS.object_type, "rejected")
            continue
        found = existing.get(order.number)
        decision = decide_order(order, action, refs[order.number], found)
        plans.append(Planned(order, item, decision, found))
    audit_rows(run, "decided", [(p.order.record_ref, p.item.lineage.correlation_id,
                                 {"action": p.decision.action.value, "reasons": list(p.decision.reasons),
                                  "field": p.decision.field, "odoo_id": p.existing.id if p.existing else None})
                                for p in plans])
    return plans, results


def _claim(plans: list[Planned], keys: list[str], operation: str, payloads: list, run: RunInfo
           ) -> tuple[list[Planned], list[DocResult], list[Planned]]:
    """Claim the intents; the plans this run holds, the outcomes of the others: owned by another live run
    (left to it), or done by a concurrent run since this run read Odoo; and the held ones left `sent` by a
    run that died. An intent done before this run started is taken again: Odoo no longer shows what it did."""
    from ofm.store import OutboxIntent

    rows = claim([
        OutboxIntent(idempotency_key=key, object_type=ORDERS.object_type, record_ref=p.order.record_ref,
                     target_model=PO, operation=operation, payload_hash=content_hash(payload),
                     correlation_id=p.item.lineage.correlation_id, flow_run_id=run.flow_run_id)
        for p, key, payload in zip(plans, keys, payloads, strict=True)], run, redo_done=True)
    held = [p for p, key in zip(plans, keys, strict=True) if mine(rows[key], run)]
    others = [DocResult(p.item, ELSEWHERE, reasons=(elsewhere_reason(rows[key]),))
              for p, key in zip(plans, keys, strict=True) if elsewhere(rows[key], run)]
    others += [DocResult(p.item, "unchanged", rows[key].odoo_id, reasons=(f"{operation} done by a concurrent run",))
               for p, key in zip(plans, keys, strict=True) if done_meanwhile(rows[key], run)]
    sent = [p for p, key in zip(plans, keys, strict=True) if mine(rows[key], run) and rows[key].state == "sent"]
    return held, others, sent


def _odoo_refused(failed: Failed, run: RunInfo) -> list[DocResult]:
    """Orders Odoo itself refused (or could not be reached for): quarantined with Odoo's own words."""
    from ofm.connectors.odoo import OdooPermanentError

    return hold(run, [(p.item, "business" if isinstance(err, OdooPermanentError) else "technical",
                       f"Odoo refused {p.decision.action.value}: {err}", getattr(err, "server_name", None) or None,
                       "procurement" if isinstance(err, OdooPermanentError) else "integration")
                      for p, err in failed], ORDERS.object_type, "rejected")


def _refused(plans: list[Planned], run: RunInfo, why: dict[str, str] | None = None) -> list[DocResult]:
    return hold(run, [(p.item, p.decision.category, (why or {}).get(p.order.number) or "; ".join(p.decision.reasons),
                       p.decision.field, p.decision.owner) for p in plans], ORDERS.object_type, "rejected")


@task(name="sync-purchase-orders", cache_policy=NO_CACHE)
def sync_orders(unkept: list[tuple[str, dict[str, Any]]], waiting: list[Received], policy: P2PPolicy,
                run: RunInfo) -> tuple[list[DocResult], list[str]]:
    """Keep, map, check, decide and write the orders, chunk by chunk; every order ends with one outcome.
    `unkept`: new (ref, raw) documents, each chunk kept in the inbox before it is mapped; `waiting`: documents
    taken up again. Also returns the legal entities of the orders that mapped.

    New orders go to Odoo while the next chunk is being kept, mapped, checked and decided (one write in flight:
    `_Creator`); amendments, confirmations of drafts and cancellations follow once every create is done."""
    size = resources().settings.odoo_batch_size
    cache = ReferenceCache()
    results: list[DocResult] = []
    later: list[Planned] = []
    entities: set[str] = set()
    chunks = [*((unkept[i:i + size], []) for i in range(0, len(unkept), size)),
              *(([], waiting[i:i + size]) for i in range(0, len(waiting), size))]
    with _Creator(run) as creator:
        for new, taken_up in chunks:
            mapped, refused = _map(keep(new, ORDERS, run) + taken_up, run)
            results += refused
            entities.update(o.legal_entity for o, _ in mapped)
            plans, settled = _plan(mapped, policy, cache, run)
            results += settled
            creator.send([p for p in plans if p.decision.action is OrderAction.CREATE])
            later += [p for p in plans if p.decision.action is not OrderAction.CREATE]
    results += _load(later, creator, run)
    return results, sorted(entities)


def _load(plans: list[Planned], creator: _Creator, run: RunInfo) -> list[DocResult]:
    """Apply the other decisions to Odoo and report every order, the created ones included."""
    by = {a: [p for p in plans if p.decision.action is a] for a in OrderAction}
    results: list[DocResult] = []
    results += [DocResult(p.item, "ignored", reasons=p.decision.reasons) for p in by[OrderAction.IGNORE]]
    results += hold(run, [(p.item, DEPENDENCY, "; ".join(p.decision.reasons), p.decision.field, p.decision.owner)
                          for p in by[OrderAction.WAIT]], ORDERS.object_type, "waiting")
    results += _refused(by[OrderAction.REFUSE], run)
    created, failed, left = creator.out, creator.failed, creator.left
    updated, failed_updates, left_updates = _update(by[OrderAction.UPDATE], run)
    failed += failed_updates
    results += left + left_updates
    confirms = [(p, oid) for p, oid in [*updated, *[(p, p.existing.id) for p in by[OrderAction.CONFIRM]
                                                     if p.existing]] if p.decision.confirm]
    failed += _confirm(confirms, run)
    results += _odoo_refused(failed, run)
    gone = {p.order.number for p, _ in failed}
    created = [(p, oid) for p, oid in created if p.order.number not in gone]
    updated = [(p, oid) for p, oid in updated if p.order.number not in gone]
    by[OrderAction.CONFIRM] = [p for p in by[OrderAction.CONFIRM] if p.order.number not in gone]
    cancelled, refused = _cancel(by[OrderAction.CANCEL], run)
    results += _refused(refused, run, {p.order.number: "cancellation refused by Odoo: the order stays "
                                       "confirmed (a posted bill, or locked)" for p in refused})
    names = _names([oid for _, oid in [*created, *updated, *cancelled]]
                   + [p.existing.id for p in [*by[OrderAction.UNCHANGED], *by[OrderAction.CONFIRM]] if p.existing])
    results += [DocResult(p.item, "created", oid, names.get(oid)) for p, oid in created]
    results += [DocResult(p.item, "updated", oid, names.get(oid),
                          reasons=(f"lines changed: {', '.join(p.decision.changed_lines)}",)) for p, oid in updated]
    results += [DocResult(p.item, "cancelled", oid, names.get(oid)) for p, oid in cancelled]
    results += [DocResult(p.item, "updated" if p.decision.confirm else "unchanged", p.existing.id,
                          names.get(p.existing.id), reasons=p.decision.reasons)
                for p in [*by[OrderAction.UNCHANGED], *by[OrderAction.CONFIRM]] if p.existing]
    results += [DocResult(p.item, "unchanged", reasons=p.decision.reasons)
                for p in by[OrderAction.UNCHANGED] if not p.existing]
    store = resources().store
    # An order found in Odoo settles a create an interrupted run left `sent` (it did land).
    store.settle({f"{PO}:create:{p.order.number}": p.existing.id for p in plans if p.existing})
    store.set_cursors({REVISION_CURSOR + r.received.lineage.external_id: str(r.received.lineage.revision)
                       for r in results if r.status in ("created", "updated", "cancelled", "unchanged", "ignored")
                       and r.received.lineage.revision})
    return results


Failed = list[tuple["Planned", Exception]]


class _Creator:
    """Creates new orders chunk by chunk (anchor `origin`), each exactly once, and confirms each chunk as it
    lands; a chunk Odoo refuses is split until the refused orders stand alone. Orders another run holds are
    left to it.

    One write in flight at a time, as ledger-batch posts: while Odoo creates and confirms one chunk (in a
    sender thread), the main thread maps, checks and decides the next chunk, claims it in the outbox (and
    looks up, by anchor, any order a dead run left `sent`) and records the one before (outbox done, audit
    rows); the next chunk goes out the moment the one before is back. A chunk that raises stops the run
    before the next one is sent."""

    def __init__(self, run: RunInfo) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.run, self.res = run, resources()
        self.out: list[tuple[Planned, int]] = []
        self.failed: Failed = []
        self.left: list[DocResult] = []
        self.key: dict[str, str] = {}
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ofm-po-send")
        self.pending: Future | None = None

    def __enter__(self) -> _Creator:
        return self

    def send(self, plans: list[Planned]) -> None:
        """Claim this chunk, wait for the one in flight, send this one, record the one before."""
        from ofm.store import NotOwnerError

        if not plans:
            return
        self.key.update({p.order.number: f"{PO}:create:{p.order.number}" for p in plans})
        todo, landed = _claim_chunk(plans, self.key, self.left, self.run)
        try:  # here, not in the sending thread: the store is written by one thread, off the path between writes
            mark_sent([self.key[p.order.number] for p in todo], self.run)
        except NotOwnerError as err:  # the lease ran out and another run took one: the chunk is not sent
            self.left += [DocResult(p.item, ELSEWHERE, reasons=(str(err),)) for p in todo]
            todo = []
        done = self.pending.result() if self.pending else None  # raises: the run stops, this chunk is not sent
        self.pending = self.sender.submit(_send, self.res, todo, landed) if todo or landed else None
        if done is not None:
            _record(done, self.key, self.out, self.failed, self.run)

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if self.pending is not None and error is None:
                _record(self.pending.result(), self.key, self.out, self.failed, self.run)
        finally:
            self.sender.shutdown(wait=True)  # a failing run still waits for the chunk in flight to answer


def _claim_chunk(plans: list[Planned], key: dict[str, str], left: list[DocResult], run: RunInfo
                 ) -> tuple[list[Planned], list[tuple[Planned, int]]]:
    """Claim one chunk's create intents; (the plans to create, the ones a dead run's `sent` create landed)."""
    plans, others, sent = _claim(plans, [key[p.order.number] for p in plans], "create",
                                 [p.decision.vals for p in plans], run)
    left += others
    landed: list[tuple[Planned, int]] = []
    if sent:  # taken over `sent` from a run that died since this run read Odoo: look them up first
        hits = resources().odoo.find_by_anchors(PO, ["origin"], [p.decision.vals for p in sent], ["id"])
        landed = [(p, int(hit["id"])) for p, hit in zip(sent, hits, strict=True) if hit]  # landed: confirmed below
        plans = [p for p in plans if p.order.number not in {q.order.number for q, _ in landed}]
    return plans, landed


# (orders a dead run's create had landed, each plan's create outcome, the orders confirmed, those Odoo refused)
_Sent = tuple[list[tuple[Planned, int]], list[tuple[Planned, "int | Exception"]], list[tuple[Planned, int]], Failed]


def _send(res: Resources, plans: list[Planned], landed: list[tuple[Planned, int]]) -> _Sent:
    """The Odoo side of one chunk (in the sending thread): create, then confirm what landed.

    No store bookkeeping happens here: the main thread marks the chunk sent before and records it after."""
    from ofm.tasks.shared.bisect import write_bisecting

    with use_thread_resources(res):
        def write(batch: list[Planned]) -> list[int]:  # the keys were marked sent before the chunk was handed over
            return res.odoo.create_idempotent(PO, [p.decision.vals for p in batch], ["origin"], ["id"])

        created = write_bisecting(plans, write) if plans else []
        confirms = [(p, oid) for p, oid in [*landed, *((p, r) for p, r in created if not isinstance(r, Exception))]
                    if p.decision.confirm]
        return landed, created, confirms, _confirm_batch(confirms)


def _record(sent: _Sent, key: dict[str, str], out: list[tuple[Planned, int]], failed: Failed,
            run: RunInfo) -> None:
    """What one chunk left in Odoo (main thread): outbox done or failed, audit rows of the creates and confirms."""
    landed, created, confirms, refused = sent
    ok: list[tuple[Planned, int]] = []
    bad: Failed = []
    for plan, result in created:
        (bad if isinstance(result, Exception) else ok).append((plan, result))
    ok = landed + ok
    resources().store.mark_done({key[p.order.number]: oid for p, oid in ok})
    _failed(bad, key)
    audit_rows(run, "created", [(p.order.record_ref, p.item.lineage.correlation_id,
                                 {"odoo_model": PO, "odoo_id": oid, "revision": p.order.revision,
                                  "lines": len(p.order.lines)}) for p, oid in ok])
    _audit_confirmed(confirms, refused, run)
    out += ok
    failed += bad + refused


def _failed(failed: Failed, key: dict[str, str]) -> None:
    from ofm.connectors.odoo import OdooPermanentError

    for p, err in failed:
        resources().store.mark_failed(key[p.order.number], str(err), permanent=isinstance(err, OdooPermanentError))


def _confirm_batch(pairs: list[tuple[Planned, int]]) -> Failed:
    """button_confirm, one call per batch (a request stays bounded); the orders Odoo refused to confirm."""
    from ofm.tasks.shared.bisect import write_bisecting

    res = resources()

    def confirm(batch: list[tuple[Planned, int]]) -> list[int]:
        ids = [oid for _, oid in batch]
        res.odoo.call(PO, "button_confirm", ids=ids)
        return ids

    failed: Failed = []
    size = res.settings.odoo_batch_size
    for start in range(0, len(pairs), size):
        failed += [(pair[0], result) for pair, result in write_bisecting(pairs[start:start + size], confirm)
                   if isinstance(result, Exception)]
    return failed


def _audit_confirmed(pairs: list[tuple[Planned, int]], failed: Failed, run: RunInfo) -> None:
    bad = {p.order.number for p, _ in failed}
    audit_rows(run, "confirmed", [(p.order.record_ref, p.item.lineage.correlation_id, {"odoo_id": oid})
                                  for p, oid in pairs if p.order.number not in bad])


def _confirm(pairs: list[tuple[Planned, int]], run: RunInfo) -> Failed:
    """button_confirm per batch; an order Odoo refuses to confirm stays a draft there (the next run
    confirms it once the cause is fixed) and is reported with Odoo's reason."""
    failed = _confirm_batch(pairs)
    _audit_confirmed(pairs, failed, run)
    return failed


def _update(plans: list[Planned], run: RunInfo) -> tuple[list[tuple[Planned, int]], Failed, list[DocResult]]:
    """Write each amended order's line changes (one write per order: its commands differ)."""
    from ofm.connectors.odoo import OdooPermanentError, OdooTransientError
    from ofm.store import NotOwnerError

    if not plans:
        return [], [], []
    res = resources()
    payloads = {p.order.number: list(p.decision.line_commands) for p in plans}
    keys = {p.order.number: f"{PO}:amend:{p.order.number}:rev{p.order.revision}:{content_hash(c)[:16]}"
            for p, c in zip(plans, payloads.values(), strict=True)}
    plans, left, _ = _claim(plans, list(keys.values()), "write", list(payloads.values()), run)  # diffs: idempotent
    out: list[tuple[Planned, int]] = []
    failed: Failed = []
    for p in plans:
        key, commands = keys[p.order.number], payloads[p.order.number]
        assert p.existing is not None
        try:
            mark_sent([key], run)
        except NotOwnerError as err:  # the lease ran out and another run took it: not sent
            left.append(DocResult(p.item, ELSEWHERE, reasons=(str(err),)))
            continue
        try:
            res.odoo.write(PO, [p.existing.id], {"order_line": commands})
        except (OdooPermanentError, OdooTransientError) as err:
            res.store.mark_failed(key, str(err), permanent=isinstance(err, OdooPermanentError))
            failed.append((p, err))
            continue
        res.store.mark_done({key: p.existing.id})
        out.append((p, p.existing.id))
    audit_rows(run, "amended", [(p.order.record_ref, p.item.lineage.correlation_id,
                                 {"odoo_id": oid, "revision": p.order.revision,
                                  "lines": list(p.decision.changed_lines)}) for p, oid in out])
    return out, failed, left


def _cancel(plans: list[Planned], run: RunInfo) -> tuple[list[tuple[Planned, int]], list[Planned]]:
    """button_cancel, then read back: Odoo leaves an order with a posted bill confirmed without error."""
    if not plans:
        return [], []
    odoo = resources().odoo
    ids = [p.existing.id for p in plans if p.existing]
    odoo.call(PO, "button_cancel", ids=ids)
    states = {r["id"]: r["state"] for r in odoo.read(PO, ids, ["state"])}
    done = [(p, p.existing.id) for p in plans if p.existing and states.get(p.existing.id) == "cancel"]
    audit_rows(run, "cancelled", [(p.order.record_ref, p.item.lineage.correlation_id, {"odoo_id": oid})
                                  for p, oid in done])
    return done, [p for p in plans if p.existing and states.get(p.existing.id) != "cancel"]


def _names(ids: list[int]) -> dict[int, str]:
    ids, size = sorted(set(ids)), resources().settings.odoo_batch_size * 10
    return {r["id"]: r["name"] for start in range(0, len(ids), size)
            for r in resources().odoo.read(PO, ids[start:start + size], ["name"])}
