"""Goods-receipt tasks: apply procurement receipt confirmations to the receipts Odoo made for the order.

Per receipt, in receipt-date order (each one changes what is open): the open moves of its order are
read, the decision taken in the order line's and the move's units (rules/p2p/receipts.py), then, as
captured in flow_trace.json, traces a1/a2 and real-captures/backorder_wizard.json (receipt_odoo.py):
mark the picking with the receipt's reference (the anchor, in its `note`), write `quantity` + `picked`
on the moves, `button_validate`; a partial receipt answers Odoo's backorder wizard per the policy
(`process` = keep a backorder, `process_cancel_backorder` = close short) with the wizard action's
context. A receipt is `applied` only when Odoo, read back, shows the picking done and the moves done
at the written quantities; otherwise it is validated once more, then quarantined (`technical`, owner
integration) with what Odoo shows and left pending in the outbox, so the next run applies it again.
Only Odoo's answer refusing a receipt (UserError, ValidationError...) quarantines it as refused (the
batch is bisected down to it, ofm.tasks.shared.bisect); a call Odoo did not answer (retries ran out,
or the answer was lost after Odoo may have applied it: a 502, a read timeout) leaves the receipt
`waiting` ("left for the next run: Odoo did not answer") with its outbox key `sent`, settled by the
next run as after a crash.
Odoo calls: the orders, their open moves and the units are read once for the whole batch (five
reads); a batch of full receipts then costs five calls (notes, quantities, validate, two reads back; on
Odoo 18 the quantities take one write per distinct quantity), a partial one two more (wizard, answer); an
order with several receipts in one run is read again between them.
Exactly once: outbox intent `stock.picking:receive:<receipt>` before the first write; a re-run that
finds it `sent` looks for a done picking carrying the receipt's mark: found = it landed (settled),
not found = Odoo never validated it, so it is applied again on the moves still open (quantities are
absolute on those moves; an earlier receipt's done moves are not touched, so receipts add up).
Receipts of one order change the same moves, so a run claims all of an order's receipts at once
(once the order is confirmed in Odoo) before deciding any: an order whose receipts another live run
holds is left to that run whole.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import GoodsReceipt, content_hash
from ofm.mappings.p2p_policy import P2PPolicy
from ofm.rules.p2p import OdooMove, OdooOrder
from ofm.rules.p2p.receipts import ReceiptAction, ReceiptDecision, decide_receipt
from ofm.tasks.p2p.common import DEPENDENCY, RECEIPTS, DocResult, hold
from ofm.tasks.p2p.odoo import PICKING, read_open_moves, read_orders
from ofm.tasks.p2p.receipt_odoo import Delivery, Landing, carries_mark, land_all, mark, read_units
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.ownership import ELSEWHERE, claim, elsewhere, elsewhere_reason, mark_sent
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

TECHNICAL = "technical"
UNANSWERED = "left for the next run: Odoo did not answer"
Landable = tuple[GoodsReceipt, Received, ReceiptDecision, list[OdooMove]]  # a receipt decided, to land


@task(name="map-goods-receipts", cache_policy=NO_CACHE)
def map_receipts(items: list[Received], run: RunInfo) -> tuple[list[tuple[GoodsReceipt, Received]], list[DocResult]]:
    """Raw receipts -> canonical; one that does not map is refused with the record and field named."""
    from ofm.mappings.purchase_docs import DocumentError, map_goods_receipt

    mapped, refused = [], []
    for item in items:
        try:
            mapped.append((map_goods_receipt(item.raw, item.lineage), item))
        except DocumentError as exc:
            refused.append((item, "business", str(exc), exc.field, "warehouse"))
    audit_rows(run, "mapped", [(g.record_ref, i.lineage.correlation_id,
                                {"mapping": i.mapping, "order": g.order_number, "lines": len(g.lines)})
                               for g, i in mapped])
    return mapped, hold(run, refused, RECEIPTS.object_type, "rejected")


def _landed(receipt_ref: str) -> dict[str, Any] | None:
    rows = resources().odoo.search_read(PICKING, [["note", "ilike", mark(receipt_ref)], ["state", "=", "done"]],
                                        ["name", "note"], order="id")
    return next((r for r in rows if carries_mark(r.get("note"), receipt_ref)), None)


@task(name="apply-goods-receipts", cache_policy=NO_CACHE)
def apply_receipts(mapped: list[tuple[GoodsReceipt, Received]], policy: P2PPolicy, run: RunInfo) -> list[DocResult]:
    """Apply each receipt once, oldest first; every receipt ends with one outcome."""
    if not mapped:
        return []
    res = resources()
    keys = {g.receipt_ref: f"{PICKING}:receive:{g.receipt_ref}" for g, _ in mapped}
    state = res.store.outbox_rows(list(keys.values()))  # claimed only when applied: a waiting receipt has none
    results: list[DocResult] = []
    todo = []
    for g, item in mapped:
        row = state.get(keys[g.receipt_ref])
        if row is not None and row.state == "done":
            results.append(DocResult(item, "unchanged", row.odoo_id, reasons=("applied in an earlier run",)))
            continue
        todo.append((g, item))  # a `sent` one is settled once this run holds it (_claim_order)
    orders = read_orders(g.order_number for g, _ in todo)
    open_moves = read_open_moves(orders.values())  # one read for every order; again only after a receipt
    units = read_units(orders.values(), open_moves.values(), policy) if orders else None
    by_order: dict[str, list[tuple[GoodsReceipt, Received]]] = defaultdict(list)
    for g, item in sorted(todo, key=lambda p: (p[0].receipt_date, p[0].receipt_ref)):
        by_order[g.order_number].append((g, item))
    confirmed = {n: r for n, r in by_order.items()
                 if orders.get(n) is not None and orders[n].state in ("purchase", "done")}  # the others wait
    claimed, left = _claim_orders(confirmed, keys, run)
    for number, (mine_, others) in claimed.items():
        results += others
        if others and mine_:  # a concurrent or killed run applied some since the read: see what it changed
            _reread([number], orders, open_moves)
        by_order[number] = mine_
    results += left
    stuck: dict[str, str] = {}  # order -> its receipt that was written but did not land
    while by_order:  # rounds: the next receipt of every order, landed together; the order read again after
        batch: list[Landable] = []
        decided: list[tuple[str, str, dict[str, Any]]] = []
        for number in list(by_order):
            results += _decide_next(number, by_order, orders, open_moves, units, policy, stuck, batch, decided, run)
        audit_rows(run, "decided", decided)
        size = max(1, res.settings.odoo_batch_size)
        for start in range(0, len(batch), size):
            results += _land_batch(batch[start:start + size], policy, keys, stuck, run)
        _reread([n for n in by_order if n not in stuck], orders, open_moves)
    return results


def _reread(numbers: list[str], orders: dict[str, OdooOrder], open_moves: dict[int, list[OdooMove]]) -> None:
    """Orders whose receipts changed their moves, read again (two reads for all of them)."""
    if not numbers:
        return
    fresh = read_orders(numbers)
    orders.update(fresh)
    moves = read_open_moves(fresh.values())
    open_moves.update({o.id: moves.get(o.id, []) for o in fresh.values()})


def _decide_next(number: str, by_order: dict[str, list[tuple[GoodsReceipt, Received]]],
                 orders: dict[str, OdooOrder], open_moves: dict[int, list[OdooMove]], units, policy: P2PPolicy,
                 stuck: dict[str, str], batch: list[Landable], decided: list[tuple[str, str, dict[str, Any]]],
                 run: RunInfo) -> list[DocResult]:
    """Decide this order's receipts in date order until one is to be applied (it joins the batch)."""
    results: list[DocResult] = []
    queue = by_order[number]
    while queue:
        g, item = queue.pop(0)
        if number in stuck:  # its quantities may still be on the open moves: the next ones wait for it to land
            results += hold(run, [(item, DEPENDENCY, f"waits for receipt {stuck[number]} of the same order to land "
                                   "in Odoo", None, "integration")], RECEIPTS.object_type, "waiting")
            continue
        order = orders.get(number)
        moves = open_moves.get(order.id, []) if order else []
        decision = decide_receipt(g, order, moves, policy.over_receipt_percent, units)
        decided.append((g.record_ref, item.lineage.correlation_id,
                        {"action": decision.action.value, "reasons": list(decision.reasons),
                         "field": decision.field, "partial": decision.partial}))
        if decision.action is ReceiptAction.WAIT:
            results += hold(run, [(item, DEPENDENCY, "; ".join(decision.reasons), decision.field,
                                   decision.owner)], RECEIPTS.object_type, "waiting")
        elif decision.action is ReceiptAction.REFUSE:
            results += hold(run, [(item, decision.category, "; ".join(decision.reasons), decision.field,
                                   decision.owner)], RECEIPTS.object_type, "rejected")
        else:
            batch.append((g, item, decision, moves))
            break
    if not queue:
        del by_order[number]
    return results


def _land_batch(batch: list[Landable], policy: P2PPolicy, keys: dict[str, str], stuck: dict[str, str], run: RunInfo
                ) -> list[DocResult]:
    """Mark the batch sent, land it in Odoo (receipt_odoo.land_all), then one outcome per receipt."""
    from ofm.connectors.odoo import OdooPermanentError, OdooTransientError
    from ofm.store import NotOwnerError

    results: list[DocResult] = []
    try:
        mark_sent([keys[g.receipt_ref] for g, *_ in batch], run)
    except NotOwnerError as err:  # some leases ran out and another run took them: nothing was sent for those
        lost = set(err.keys)
        results += [DocResult(item, ELSEWHERE, reasons=(str(err),)) for g, item, *_ in batch
                    if keys[g.receipt_ref] in lost]
        batch = [b for b in batch if keys[b[0].receipt_ref] not in lost]
        mark_sent([keys[g.receipt_ref] for g, *_ in batch], run)
    deliveries = [Delivery(d.picking_id, g.receipt_ref, dict(d.move_quantities)) for g, _, d, _ in batch]
    try:
        landed: dict[str, Landing | Exception] = land_all(deliveries, policy)
    except (OdooPermanentError, OdooTransientError) as err:  # reading back failed: not known to have landed
        landed = {d.receipt_ref: err for d in deliveries}
    done: dict[str, int] = {}
    received: list[tuple[str, str, dict[str, Any]]] = []
    for g, item, decision, moves in batch:
        outcome = landed[g.receipt_ref]
        if isinstance(outcome, OdooPermanentError):  # Odoo answered no (UserError...): this receipt only
            resources().store.mark_failed(keys[g.receipt_ref], str(outcome), permanent=True)
            one = hold(run, [(item, "business", f"Odoo refused the receipt: {outcome}",
                              getattr(outcome, "server_name", None), "warehouse")], RECEIPTS.object_type, "rejected")
        elif isinstance(outcome, Exception):  # no answer: retries ran out, or lost after Odoo may have applied it
            # the key stays `sent`: the next run looks for the picking's mark, then settles it or applies it again
            one = hold(run, [(item, DEPENDENCY, f"{UNANSWERED}: {outcome}", None, "integration")],
                       RECEIPTS.object_type, "waiting")
        else:
            one = _outcome(g, item, decision, moves, outcome, policy, keys[g.receipt_ref], run, done, received)
        if one[0].status != "applied":
            stuck[g.order_number] = g.receipt_ref
        results += one
    resources().store.mark_done(done)
    audit_rows(run, "received", received)
    return results


def _claim_orders(by_order: dict[str, list[tuple[GoodsReceipt, Received]]], keys: dict[str, str], run: RunInfo
                  ) -> tuple[dict[str, tuple[list[tuple[GoodsReceipt, Received]], list[DocResult]]], list[DocResult]]:
    """Claim every receipt of these orders in one go; per order the ones to apply and the others' outcomes
    (none to apply when another live run holds any of an order's receipts)."""
    from ofm.store import OutboxIntent

    rows = claim([OutboxIntent(idempotency_key=keys[g.receipt_ref], object_type=RECEIPTS.object_type,
                               record_ref=g.record_ref, target_model=PICKING, operation="receive",
                               payload_hash=content_hash(item.raw), correlation_id=item.lineage.correlation_id,
                               flow_run_id=run.flow_run_id) for receipts in by_order.values() for g, item in receipts],
                 run) if by_order else {}
    out: dict[str, tuple[list[tuple[GoodsReceipt, Received]], list[DocResult]]] = {}
    elsewhere_results: list[DocResult] = []
    for number, receipts in by_order.items():
        busy = next((rows[keys[g.receipt_ref]] for g, _ in receipts if elsewhere(rows[keys[g.receipt_ref]], run)),
                    None)
        if busy is not None:  # its receipts change the same moves: one run applies them all, in order
            elsewhere_results += [DocResult(item, ELSEWHERE, reasons=(elsewhere_reason(busy),)) for _, item in receipts]
            out[number] = ([], [])
            continue
        out[number] = _settle_order(receipts, rows, keys, run)
    return out, elsewhere_results


def _settle_order(receipts: list[tuple[GoodsReceipt, Received]], rows: dict, keys: dict[str, str], run: RunInfo
                  ) -> tuple[list[tuple[GoodsReceipt, Received]], list[DocResult]]:
    """An order's claimed receipts: the ones to apply, and those a concurrent or interrupted run applied."""
    out: list[tuple[GoodsReceipt, Received]] = []
    results: list[DocResult] = []
    for g, item in receipts:
        row = rows[keys[g.receipt_ref]]
        landed = _landed(g.receipt_ref) if row.state == "sent" else None  # held now: its sender died
        if row.state == "done":  # applied by a concurrent run since this run read the outbox
            results.append(DocResult(item, "unchanged", row.odoo_id, reasons=("applied by a concurrent run",)))
        elif landed:  # an interrupted run validated it; its answer was lost
            resources().store.settle({keys[g.receipt_ref]: landed["id"]})
            audit_rows(run, "settled", [(g.record_ref, item.lineage.correlation_id, {"picking": landed["name"]})])
            results.append(DocResult(item, "applied", landed["id"], landed["name"],
                                     reasons=("validated by an interrupted run",)))
        else:
            out.append((g, item))
    return out, results


def _outcome(g: GoodsReceipt, item: Received, decision: ReceiptDecision, moves: list[OdooMove], landing: Landing,
             policy: P2PPolicy, key: str, run: RunInfo, done: dict[str, int],
             received: list[tuple[str, str, dict[str, Any]]]) -> list[DocResult]:
    """One landed receipt's outcome; a received one joins `done` and `received` (stored for the batch at once)."""
    res = resources()
    picking = decision.picking_id
    name = landing.picking_name or next((m.picking_name for m in moves if m.picking_id == picking), "") or None
    facts = {"picking": name, "partial": decision.partial, "backorder": landing.backorder, "policy": policy.backorder,
             "attempts": landing.attempts, "moves": {str(m): str(q) for m, q in decision.move_quantities}}
    if not landing.received:  # Odoo answered but did not carry it out: never reported done
        reason = f"receipt not validated in Odoo after {landing.attempts} attempt(s): {landing.shown}"
        res.store.mark_failed(key, reason, permanent=False)  # pending: the next run applies it again
        audit_rows(run, "not-received", [(g.record_ref, item.lineage.correlation_id,
                                          {**facts, "shown": landing.shown})])
        return hold(run, [(item, TECHNICAL, reason, None, "integration")], RECEIPTS.object_type, "rejected")
    done[key] = picking
    received.append((g.record_ref, item.lineage.correlation_id, facts))
    reasons = ((f"partial: rest open on {landing.backorder}" if landing.backorder
                else "partial: closed without backorder"),) if decision.partial else ()
    return [DocResult(item, "applied", picking, name, reasons=reasons)]
