"""The month-end close's own steps: the accrual written as a ledger delivery, last period's accrual reversed,
the checklist read and judged, the period locked on request.

The accrual (goods received not invoiced, ofm/rules/close/accruals.py) becomes a JSON delivery file in
`<OFM_CLOSE_DIR>/<period>/accruals-<period>-<entity>.json`, read by the bundled `accruals` ledger mapping
and posted by the ledger-batch flow like any sub-ledger's batch: kept in the inbox, checked, dated against
the lock dates, posted once under its anchor (`ofm:accruals:grni-<period>-<entity>:1`). Once the period's
accrual has landed, a later close run of the same period does not compute a new one: it reports what
today's computation would be beside what was posted.
"""

from __future__ import annotations

import hashlib
import json
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import Lineage
from ofm.mappings.close_policy import ClosePolicy
from ofm.rules.close import goods_received_not_invoiced
from ofm.rules.close.checklist import Checklist, CloseFacts, checklist
from ofm.rules.ledger import parse_anchor
from ofm.tasks.close.odoo import currencies_and_rates, read_close_facts, read_received_lines, reverse_entries
from ofm.tasks.ledger.odoo import read_landed
from ofm.tasks.shared.audit import audit_rows, quarantine_records
from ofm.tasks.shared.lost_answers import send_settled
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

SOURCE = "accruals"
CENT = Decimal("0.01")


def bounds(period: str) -> tuple[date, date]:
    """First and last day of a 'YYYY-MM' period."""
    try:
        year, month = (int(p) for p in period.split("-"))
        return date(year, month, 1), date(year, month, monthrange(year, month)[1])
    except ValueError:
        raise ValueError(f"period {period!r}: expected YYYY-MM, e.g. 2026-11") from None


def previous(period: str) -> str:
    start, _ = bounds(period)
    return f"{start.year - 1}-12" if start.month == 1 else f"{start.year}-{start.month - 1:02d}"


def batch_id(period: str, entity: str) -> str:
    return f"grni-{period}-{entity}"


@dataclass
class Accrued:
    """The accrual of one legal entity for the period: what was posted and what today's reading computes."""

    entity: str
    company_id: int
    computed: Decimal
    lines: int                                   # order lines accrued
    file: str | None = None                      # the delivery written this run (None: nothing new to post)
    posted: Decimal | None = None                # the accrual Odoo holds for the period (None: none yet)
    move: str | None = None
    refused: list[str] = field(default_factory=list)


def companies_of(entities: dict[str, str]) -> dict[str, int]:
    """legal entity -> Odoo company id (by the company's name); an entity whose company is missing is left out."""
    rows = resources().odoo.search_read("res.company", [["name", "in", sorted(set(entities.values()))]], ["name"])
    by_name = {r["name"]: r["id"] for r in rows}
    return {e: by_name[n] for e, n in entities.items() if n in by_name}


def landed_total(entity: str, period: str, company_id: int) -> tuple[Decimal | None, str | None, list[int]]:
    landed = [m for m in read_landed(SOURCE, batch_id(period, entity), company_id).values() if m.state == "posted"]
    if not landed:
        return None, None, []
    ids = [m.move_id for m in landed]
    rows = resources().odoo.read("account.move", ids, ["amount_total"])
    total = sum((Decimal(str(r["amount_total"])) for r in rows), Decimal(0)).quantize(CENT)
    return total, ", ".join(m.name for m in landed), ids


@task(name="write-accrual-deliveries", cache_policy=NO_CACHE)
def write_accruals(period: str, entities: dict[str, int], policy: ClosePolicy, folder: Path,
                   run: RunInfo) -> list[Accrued]:
    """Goods received not invoiced per legal entity, as delivery files for the ledger pipeline."""
    odoo = resources().odoo
    start, end = bounds(period)
    lines = read_received_lines(odoo, sorted(entities.values()))
    home, rates = currencies_and_rates(odoo, lines, end)
    result = goods_received_not_invoiced(lines, home, rates, policy.accruals.default_expense_account)
    analytic_ids = sorted({int(k) for a in result.lines for k, _ in a.analytic if k.isdigit()})
    codes = {str(r["id"]): r.get("code") or r["name"] for r in
             (odoo.read("account.analytic.account", analytic_ids, ["code", "name"]) if analytic_ids else [])}
    now = datetime.now(UTC)
    refusals = [r for r in result.refused]
    out: list[Accrued] = []
    for entity, company_id in sorted(entities.items()):
        mine = [a for a in result.lines if a.company_id == company_id]
        acc = Accrued(entity, company_id, sum((a.amount for a in mine), Decimal(0)),
                      sum(len(a.order_lines) for a in mine))
        acc.posted, acc.move, _ = landed_total(entity, period, company_id)
        bad = [a for a in mine if any(k not in codes for k, _ in a.analytic)]
        for a in bad:
            acc.refused.append(f"{', '.join(a.orders)}: analytic distribution {dict(a.analytic)} names no single "
                               "Odoo analytic account")
        mine = [a for a in mine if a not in bad]
        if acc.posted is None and mine:
            acc.file = str(_write(folder, period, entity, start, end, mine, codes, policy, home[company_id]))
        out.append(acc)
    rows = [(_received(r.order, r.line_id, period, run, now), "business",
             f"accrual of purchase.order.line {r.line_id} ({r.order}): {r.reason}", "account_code", "accounting")
            for r in refusals]
    quarantine_records(run, "accrue", rows, object_type="accrual-line")
    audit_rows(run, "accrued", [(f"{SOURCE}:{batch_id(period, a.entity)}", run.correlation_id(a.entity),
                                 {"computed": str(a.computed), "order_lines": a.lines, "file": a.file,
                                  "posted": None if a.posted is None else str(a.posted), "move": a.move})
                                for a in out])
    return out


def _received(order: str, line_id: int, period: str, run: RunInfo, now: datetime) -> Received:
    raw = {"order": order, "purchase_order_line": line_id, "period": period}
    sha = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    ref = f"{period}:purchase.order.line:{line_id}"
    return Received(raw=raw, lineage=Lineage(source_system=SOURCE, external_id=ref, content_hash=sha, received_at=now,
                                             correlation_id=run.correlation_id(f"{SOURCE}:{ref}")),
                    mapping="close/accruals")


def _write(folder: Path, period: str, entity: str, start: date, end: date, accruals: list, codes: dict[str, str],
           policy: ClosePolicy, currency: str) -> Path:
    total = sum((a.amount for a in accruals), Decimal(0))
    lines = [{"account": a.account_code, "debit": str(a.amount), "credit": "0", "currency": currency,
              "analytic": {codes[k]: str(p) for k, p in a.analytic},
              "text": f"Goods received not invoiced: {', '.join(a.orders)}"[:250]} for a in accruals]
    lines.append({"account": policy.accruals.account, "debit": "0", "credit": str(total), "currency": currency,
                  "text": f"Goods received not invoiced {period}"})
    doc = {"batch": {"id": batch_id(period, entity), "entity": entity, "period": period},
           "entries": [{"number": "1", "date": end.isoformat(), "ref": f"GRNI {period}", "lines": lines}],
           "control": {"debit": str(total), "credit": str(total), "lines": len(lines), "entries": 1}}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"accruals-{period}-{entity}.json"
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return path


RECURRING = "recurring"


@dataclass
class Recurring:
    """The recurring entries of one legal entity for the period: due by the schedules, and landed in Odoo."""

    entity: str
    due: list[str]                  # entry numbers due (prepaid-<id>, dep-<asset>)
    file: str | None = None         # the delivery written this run (None: nothing new to post)


def recurring_batch_id(period: str, entity: str) -> str:
    return f"recurring-{period}-{entity}"


@task(name="write-recurring-deliveries", cache_policy=NO_CACHE)
def write_recurring(period: str, entities: dict[str, int], schedules: tuple[list, list], folder: Path,
                    run: RunInfo) -> list[Recurring]:
    """The period's prepaid releases and depreciation per legal entity, as delivery files (only what has not
    landed: an entry already in Odoo under its anchor is not written again)."""
    from ofm.rules.close.recurring import recurring_entries

    _, end = bounds(period)
    prepaid, schedule = schedules
    out = []
    for entity, company_id in sorted(entities.items()):
        entries = recurring_entries(prepaid, schedule, period, entity)
        rec = Recurring(entity, [e.number for e in entries])
        landed = read_landed(RECURRING, recurring_batch_id(period, entity), company_id)
        todo = [e for e in entries if e.number not in landed]
        if todo:
            doc = {"batch": {"id": recurring_batch_id(period, entity), "entity": entity, "period": period},
                   "entries": [{"number": e.number, "date": end.isoformat(), "ref": e.label, "lines": [
                       {"account": e.debit_account, "debit": str(e.amount), "credit": "0", "currency": e.currency,
                        "text": e.label},
                       {"account": e.credit_account, "debit": "0", "credit": str(e.amount), "currency": e.currency,
                        "text": e.label}]} for e in todo]}
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"recurring-{period}-{entity}.json"
            path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
            rec.file = str(path)
        out.append(rec)
    audit_rows(run, "recurring", [(f"{RECURRING}:{recurring_batch_id(period, r.entity)}", run.correlation_id(r.entity),
                                   {"due": r.due, "file": r.file}) for r in out])
    return out


def recurring_landed(period: str, entity: str, company_id: int) -> int:
    """How many of the period's recurring entries Odoo holds posted."""
    return sum(1 for m in read_landed(RECURRING, recurring_batch_id(period, entity), company_id).values()
               if m.state == "posted")


@task(name="reverse-previous-accruals", cache_policy=NO_CACHE)
def reverse_previous(period: str, entities: dict[str, int], run: RunInfo) -> dict[str, bool | None]:
    """Last period's posted accrual of each entity reversed through Odoo's wizard on this period's first day.

    entity -> True (reversed, now or before), None (last period had no accrual). Idempotent."""
    start, _ = bounds(period)
    prev = previous(period)
    out: dict[str, bool | None] = {}
    for entity, company_id in sorted(entities.items()):
        _, _, ids = landed_total(entity, prev, company_id)
        if not ids:
            out[entity] = None
            continue
        done = reverse_entries(resources().odoo, ids, start, f"GRNI {prev} reversed by the {period} close")
        out[entity] = True
        audit_rows(run, "reversed", [(f"{SOURCE}:{batch_id(prev, entity)}", run.correlation_id(entity),
                                      {"reversals": {str(k): v for k, v in done.items()}, "date": str(start)})])
    return out


def posted_by_source(company_id: int, start: date, end: date) -> dict[str, int]:
    """Entries the middleware posted in the period, per ledger source (from their `ref` anchors)."""
    rows = resources().odoo.search_read("account.move", [["ref", "=like", "ofm:%"], ["company_id", "=", company_id],
                                                         ["state", "=", "posted"], ["date", ">=", start.isoformat()],
                                                         ["date", "<=", end.isoformat()]], ["ref"], page_size=5000)
    out: dict[str, int] = {}
    for r in rows:
        if (parsed := parse_anchor(r.get("ref") or "")) is not None:
            out[parsed[0]] = out.get(parsed[0], 0) + 1
    return out


@task(name="close-checklist", cache_policy=NO_CACHE)
def build_checklist(period: str, entity: str, company_id: int, accrued: Decimal | None, reversed_: bool | None,
                    policy: ClosePolicy, today: date | None = None,
                    recurring: tuple[int, int] | None = None) -> Checklist:
    """The checklist of one entity's period, from Odoo and the store; nothing is written."""
    start, end = bounds(period)
    facts: dict[str, Any] = read_close_facts(resources().odoo, company_id, start, end)
    backlog = resources().store.quarantine_backlog()
    quarantine: dict[str, int] = {}
    for (owner, category), n in backlog.items():
        if category != "deferred":
            quarantine[owner] = quarantine.get(owner, 0) + n
    deferred = sum(n for (_, category), n in backlog.items() if category == "deferred")
    return checklist(CloseFacts(period=period, period_start=start, period_end=end, today=today or date.today(),
                                posted_by_source=posted_by_source(company_id, start, end), accrued=accrued,
                                accruals_reversed=reversed_, deferred=deferred, quarantine=quarantine,
                                recurring=recurring, **facts),
                     policy.checklist.stale_draft_days)


def write_binder(folder: Path, entity: str, sheet: Checklist) -> list[str]:
    """The checklist as Markdown and CSV for the close binder; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    md, csv_path = folder / f"checklist-{entity}.md", folder / f"checklist-{entity}.csv"
    md.write_text(sheet.markdown(), encoding="utf-8")
    csv_path.write_text(sheet.csv(), encoding="utf-8")
    return [str(md), str(csv_path)]


@task(name="lock-period", cache_policy=NO_CACHE)
def lock_period(company_id: int, period: str, run: RunInfo) -> str:
    """Set the company's global lock date to the period's last day, and read it back (Odoo may refuse)."""
    _, end = bounds(period)
    odoo = resources().odoo
    [before] = odoo.read("res.company", [company_id], ["fiscalyear_lock_date"])
    if before.get("fiscalyear_lock_date") and str(before["fiscalyear_lock_date"]) >= end.isoformat():
        return f"already locked up to {before['fiscalyear_lock_date']}"

    def unlocked(ids: list[int]) -> list[int]:
        return [c["id"] for c in odoo.read("res.company", ids, ["fiscalyear_lock_date"])
                if str(c.get("fiscalyear_lock_date") or "") < end.isoformat()]

    # the same lock date written again changes nothing; an answer lost, Odoo is read first
    send_settled(f"lock of {period}", lambda ids: odoo.write("res.company", ids, {"fiscalyear_lock_date":
                                                                                   end.isoformat()}),
                 [company_id], unlocked)
    [after] = odoo.read("res.company", [company_id], ["fiscalyear_lock_date"])
    if str(after.get("fiscalyear_lock_date")) != end.isoformat():
        raise RuntimeError(f"Odoo answered the lock of {period} but shows fiscalyear_lock_date "
                           f"{after.get('fiscalyear_lock_date')}")
    audit_rows(run, "locked", [(f"close:{period}:{company_id}", run.correlation_id(period),
                                {"fiscalyear_lock_date": end.isoformat(),
                                 "before": before.get("fiscalyear_lock_date") or None})])
    return f"locked up to {end}"
