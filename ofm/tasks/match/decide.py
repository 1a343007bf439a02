"""Decide every bill of the batch: matched, exception, duplicate, or already done in Odoo.

The deciding is the vectorised engine's (`ofm.rules.match3.match_bills`) over the whole batch at
once; this task only sorts out what cannot reach it (supplier not in Odoo, legal entity not
routed, currency not active), what needs nothing more (its bill is already posted), and names the
Odoo bill a duplicate duplicates. One audit row per decision names the reason codes, the policy
file and the currency's tolerances that decided.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.tasks.match.frames import bill_frames, order_frame, previous_frame, to_minor
from ofm.tasks.match.intake import Mapped
from ofm.tasks.match.odoo import Snapshot
from ofm.tasks.match.results import BillResult, reject
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.runinfo import RunInfo

DUPLICATES = ("duplicate_number", "duplicate_amount")


@dataclass(frozen=True)
class Decision:
    """One bill's decision; `reasons` are the engine's Reason values (code, owner, text, bill line)."""

    item: Mapped
    partner_id: int
    outcome: str  # matched | exception | duplicate | done
    reasons: tuple[Any, ...] = ()
    duplicate_of: str | None = None  # the Odoo bill (or the bill of this run) a duplicate repeats
    duplicate_ref: str | None = None  # the record ref of that bill when it is one of this run

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.code for r in self.reasons))

    @property
    def owner(self) -> str:
        """The team of the first reason: line problems come before the bill-level ones they cause."""
        return self.reasons[0].owner if self.reasons else "accounts-payable"


@dataclass(frozen=True)
class Decided:
    """The batch's decisions, what could not be decided (rejected), and the engine's statistics."""

    decisions: list[Decision]
    rejected: list[BillResult]
    stats: dict[str, Any]
    policy: str


def _unfit(m: Mapped, snap: Snapshot) -> tuple[str, str, str] | None:
    """Why a bill cannot go to Odoo at all: (reason, field, owner team), or None."""
    party = m.bill.supplier
    if m.ref not in snap.partners:
        who = ", ".join(f"{k} {v}" for k, v in (("vendor code", party.source_ref), ("VAT", party.vat),
                                                 ("name", party.name)) if v)
        return f"supplier ({who}) is not an active vendor in Odoo: onboard it, then replay", "supplier", "vendor-master"
    if m.ref in snap.unrouted:
        return snap.unrouted[m.ref], "legal_entity", "accounts-payable"
    if m.bill.currency not in snap.currencies:
        return f"currency {m.bill.currency} is not active in Odoo", "currency", "accounts-payable"
    return None


def _normalised(number: str | None) -> str:
    return "".join((number or "").split()).upper()


def _duplicate_of(m: Mapped, code: str, snap: Snapshot, batch: list[Mapped],
                  window: int) -> tuple[str, str | None]:
    """The Odoo bill (else the earlier bill of this run, with its record ref) that `m` repeats."""
    pid, b = snap.partners[m.ref], m.bill
    total = to_minor(b.total.amount, b.currency)
    for prev in sorted(snap.previous, key=lambda p: p.id):
        if prev.partner_id != pid:
            continue
        if code == "duplicate_number" and _normalised(prev.ref) == _normalised(b.bill_number):
            return prev.label, None
        sign = -1 if prev.move_type == "in_refund" else 1
        if code == "duplicate_amount" and prev.invoice_date and sign * to_minor(prev.amount_total, prev.currency) \
                == total and abs((date.fromisoformat(prev.invoice_date) - b.invoice_date).days) <= window:
            return prev.label, None
    for other in batch:
        if other.ref != m.ref and snap.partners.get(other.ref) == pid and (
                _normalised(other.bill.bill_number) == _normalised(b.bill_number) if code == "duplicate_number"
                else to_minor(other.bill.total.amount, other.bill.currency) == total):
            return f"bill {other.bill.bill_number} ({other.ref}) of this run", other.ref
    return "an earlier bill", None


def _by_bill(result: Any) -> dict[Any, Any]:
    """Every bill's BillDecision, as `result.decision(bill_id)` gives it, in one pass over the result's frames
    (asking the result bill by bill filters both frames once per bill: quadratic in the batch)."""
    import pandas as pd

    from ofm.rules.match3.engine import BillDecision, Reason

    reasons: dict[Any, list[Reason]] = {}
    frame = result.reasons
    for bill_id, code, owner, text, line in zip(frame.bill_id, frame.code, frame.owner, frame.text,
                                                frame.bill_line_id, strict=True):
        reasons.setdefault(bill_id, []).append(Reason(code, owner, text, None if pd.isna(line) else line))
    out: dict[Any, BillDecision] = {}
    bills = result.bills
    for bill_id, outcome, action in zip(bills.bill_id, bills.outcome, bills.action, strict=True):
        if bill_id not in out:  # the first row of a bill, as `decision` takes it
            out[bill_id] = BillDecision(bill_id, outcome, action, tuple(reasons.get(bill_id, ())))
    return out


@task(name="three-way-match", cache_policy=NO_CACHE)
def decide(mapped: list[Mapped], snap: Snapshot, run: RunInfo) -> Decided:
    """Match the batch's bills against their order lines and receipts (one engine call for all)."""
    from ofm.rules.match3 import load_policy, match_bills

    policy = load_policy()
    unfit = [(m, why) for m in mapped if (why := _unfit(m, snap))]
    rejected = reject(run, "check", [(m.received, "business", reason, fld, owner) for m, (reason, fld, owner) in unfit])
    fit = [m for m in mapped if m.ref not in {u.ref for u, _ in unfit}]
    done = [m for m in fit if m.ref in snap.own and snap.own[m.ref].state == "posted"]
    done_refs = {m.ref for m in done}
    todo = [(i, m) for i, m in enumerate(fit) if m.ref not in done_refs]
    decisions = [Decision(m, snap.partners[m.ref], "done") for m in done]
    stats: dict[str, Any] = {"bills": 0, "matched": 0, "exceptions": 0, "match_rate": 0.0}
    if todo:
        lines, heads = bill_frames(todo, snap)
        result = match_bills(lines, heads, order_frame(snap), previous_frame(snap), policy)
        stats = result.stats
        decided = _by_bill(result)
        for _, m in todo:
            decision = decided[m.ref]
            codes = {r.code for r in decision.reasons}
            duplicate = next((c for c in DUPLICATES if c in codes), None)
            if duplicate and m.ref not in snap.own:
                label, other = _duplicate_of(m, duplicate, snap, [x for _, x in todo], policy.duplicate_window_days)
                decisions.append(Decision(m, snap.partners[m.ref], "duplicate", decision.reasons, label, other))
            else:
                decisions.append(Decision(m, snap.partners[m.ref], decision.outcome, decision.reasons))
    audit_rows(run, "matched", [(d.item.ref, d.item.received.lineage.correlation_id, {
        "outcome": d.outcome, "codes": list(d.codes), "reasons": [f"{r.code}: {r.text}" for r in d.reasons],
        "owners": sorted({r.owner for r in d.reasons}), "duplicate_of": d.duplicate_of,
        "policy": policy.source, "duplicate_window_days": policy.duplicate_window_days,
        "tolerance": {"currency": d.item.bill.currency, **asdict(policy.tolerance(d.item.bill.currency))}})
        for d in decisions])
    return Decided(decisions, rejected, stats, policy.source)
