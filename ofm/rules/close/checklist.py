"""The month-end close checklist: what Odoo and the middleware show for a period, and whether it is ready to lock.

Each item is a fact with a status: `ok`, `attention` (a controller should look, the period may still be
locked) or `blocking` (locking now would freeze something wrong). The verdict is ready to lock only
with no blocking item, and it says why not. Pure: the facts are read by ofm/tasks/close/odoo.py (Odoo)
and the store (quarantine, deferred entries); rendered as Markdown and CSV for the close binder.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    ATTENTION = "attention"
    BLOCKING = "blocking"


@dataclass(frozen=True)
class DraftBill:
    name: str
    partner: str
    amount: Decimal
    currency: str
    invoice_date: date | None
    created: date

    def age_days(self, on: date) -> int:
        return (on - self.created).days


@dataclass(frozen=True)
class OpenStatementLines:
    journal: str
    count: int
    amount: Decimal          # sum of the lines' signed amounts
    oldest: date | None


@dataclass(frozen=True)
class CloseFacts:
    """Everything the checklist judges, for one company and period."""

    company: str
    period: str                                   # YYYY-MM
    period_start: date
    period_end: date
    today: date
    lock_dates: dict[str, date | None]            # fiscalyear_lock_date, tax_lock_date, ... as Odoo holds them
    movement: dict[str, tuple[Decimal, Decimal]]  # account code -> (debit, credit) posted in the period
    draft_bills: tuple[DraftBill, ...] = ()
    open_statement_lines: tuple[OpenStatementLines, ...] = ()
    posted_by_source: dict[str, int] = field(default_factory=dict)   # ledger source -> entries posted
    accrued: Decimal | None = None                # the period's accrual total, None when not run
    accruals_reversed: bool | None = None         # last period's accruals reversed on this period's first day
    recurring: tuple[int, int] | None = None      # (posted, due) recurring entries; None: no schedule read
    deferred: int = 0                             # entries waiting for the period to open or an approval
    quarantine: dict[str, int] = field(default_factory=dict)         # owner team -> open records


@dataclass(frozen=True)
class Item:
    key: str
    status: Status
    summary: str


@dataclass(frozen=True)
class Checklist:
    facts: CloseFacts
    items: tuple[Item, ...]

    @property
    def ready(self) -> bool:
        return all(i.status != Status.BLOCKING for i in self.items)

    @property
    def reasons(self) -> list[str]:
        return [i.summary for i in self.items if i.status == Status.BLOCKING]

    @property
    def verdict(self) -> str:
        if self.ready:
            return f"ready to lock {self.facts.period}"
        return f"not ready to lock {self.facts.period}: " + "; ".join(self.reasons)

    def markdown(self) -> str:
        f = self.facts
        rows = [f"# Close checklist: {f.company}, {f.period} ({f.period_start} to {f.period_end})", "",
                f"**Verdict: {self.verdict}**", "", "| item | status | what it shows |", "|---|---|---|"]
        rows += [f"| {i.key} | {i.status.value} | {i.summary} |" for i in self.items]
        if f.movement:
            rows += ["", "## Movement of the period per account (posted)", "", "| account | debit | credit |",
                     "|---|---:|---:|"]
            rows += [f"| {code} | {d:,.2f} | {c:,.2f} |" for code, (d, c) in sorted(f.movement.items())]
        if f.draft_bills:
            rows += ["", "## Draft vendor bills", "", "| bill | partner | amount | age (days) |", "|---|---|---:|---:|"]
            rows += [f"| {b.name} | {b.partner} | {b.amount:,.2f} {b.currency} | {b.age_days(f.today)} |"
                     for b in f.draft_bills]
        return "\n".join(rows) + "\n"

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["company", "period", "item", "status", "summary"])
        for i in self.items:
            writer.writerow([self.facts.company, self.facts.period, i.key, i.status.value, i.summary])
        writer.writerow([self.facts.company, self.facts.period, "verdict", "ok" if self.ready else "blocking",
                         self.verdict])
        return out.getvalue()


def checklist(facts: CloseFacts, stale_draft_days: int = 30) -> Checklist:
    """Judge the facts: each item's status and summary, in the order a controller reads them."""
    f = facts
    items: list[Item] = []
    posted = sum(f.posted_by_source.values())
    items.append(Item("batches posted", Status.OK,
                      f"{posted} entries: " + (", ".join(f"{s} {n}" for s, n in sorted(f.posted_by_source.items()))
                                               or "no sub-ledger batch posted")))
    debit = sum((d for d, _ in f.movement.values()), Decimal(0))
    credit = sum((c for _, c in f.movement.values()), Decimal(0))
    items.append(Item("trial balance movement", Status.OK if debit == credit else Status.BLOCKING,
                      f"{len(f.movement)} accounts moved, debit {debit:,.2f} = credit {credit:,.2f}"
                      if debit == credit else f"debit {debit:,.2f} ≠ credit {credit:,.2f}"))
    if f.accrued is None:
        items.append(Item("accruals", Status.BLOCKING, "goods received not invoiced not accrued for the period"))
    else:
        items.append(Item("accruals", Status.OK, f"goods received not invoiced accrued: {f.accrued:,.2f}"))
    if f.accruals_reversed is False:
        items.append(Item("accrual reversal", Status.BLOCKING,
                          f"last period's accruals not reversed on {f.period_start}"))
    elif f.accruals_reversed:
        items.append(Item("accrual reversal", Status.OK, f"last period's accruals reversed on {f.period_start}"))
    if f.recurring is not None:
        posted_n, due = f.recurring
        items.append(Item("recurring entries", Status.OK if posted_n >= due else Status.BLOCKING,
                          f"{posted_n} of {due} due posted (prepaid expenses released, depreciation)"))
    items.append(Item("deferred entries", Status.ATTENTION if f.deferred else Status.OK,
                      f"{f.deferred} entries wait for the period to open or an approval"))
    stale = [b for b in f.draft_bills if b.age_days(f.today) > stale_draft_days]
    in_period = [b for b in f.draft_bills if b.invoice_date and f.period_start <= b.invoice_date <= f.period_end]
    status = Status.BLOCKING if in_period else Status.ATTENTION if f.draft_bills else Status.OK
    items.append(Item("draft vendor bills", status,
                      f"{len(f.draft_bills)} drafts, {len(in_period)} dated in the period, "
                      f"{len(stale)} older than {stale_draft_days} days"))
    open_count = sum(s.count for s in f.open_statement_lines)
    items.append(Item("unreconciled bank lines", Status.BLOCKING if open_count else Status.OK,
                      "; ".join(f"{s.journal}: {s.count} lines, {s.amount:,.2f}" for s in f.open_statement_lines)
                      or "every statement line of the period reconciled"))
    backlog = sum(f.quarantine.values())
    items.append(Item("quarantine", Status.ATTENTION if backlog else Status.OK,
                      ", ".join(f"{team} {n}" for team, n in sorted(f.quarantine.items())) or "empty"))
    locked = f.lock_dates.get("fiscalyear_lock_date")
    items.append(Item("lock dates", Status.OK,
                      f"period locked (fiscal year lock {locked})" if locked and locked >= f.period_end else
                      ", ".join(f"{k} {v}" for k, v in sorted(f.lock_dates.items()) if v) or "no lock date set"))
    return Checklist(facts, tuple(items))
