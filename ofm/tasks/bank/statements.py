"""One account.bank.statement per bank statement, so its balances reach Odoo with its lines.

Odoo groups statement lines under an `account.bank.statement` (name, starting and ending
balance); its journal and date follow from the lines, and Odoo computes `balance_end`,
`is_complete` (lines add up to the ending balance) and `is_valid` (the start continues the
previous statement). The statement is anchored by its `reference` ("ofm:<account>:<statement id>"),
the outbox records the intent before the create, and a re-run finds it instead of creating it.

A statement holds the lines of its entries that no other Odoo statement holds yet: a file that
repeats the end of an earlier one (an intraday report, then the day's statement) leaves the
repeated lines where they are, and its Odoo statement starts after them (bank opening + the
repeated entries), so that Odoo sees it complete and valid. Without a closing balance the ending
balance is the running one; without any balance no statement is made and the lines stay loose,
and a statement all of whose entries another statement already holds makes none either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ofm.canonical import BankStatement, EntryStatus
from ofm.rules.bank.amounts import compact
from ofm.tasks.bank.intake import BankFile
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

STATEMENT = "account.bank.statement"


@dataclass(frozen=True)
class Wanted:
    """What one bank statement should be in Odoo: its values and the entries whose lines it holds."""

    index: int
    reference: str
    vals: dict[str, Any]
    entry_ids: tuple[str, ...]


def statement_reference(statement: BankStatement, entry_ids: tuple[str, ...]) -> str:
    """The statement's anchor: account and the bank's statement id (else sequence, closing date, entries)."""
    key = statement.statement_id or statement.sequence or (
        statement.closing_date.isoformat() if statement.closing_date else None)
    if not key:
        key = hashlib.sha256("".join(entry_ids).encode()).hexdigest()[:16]
    return f"ofm:{compact(statement.account)}:{key.strip()}"


def _amount(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def wanted_statements(bank: BankFile, in_other: dict[str, int], found: dict[str, dict]) -> list[Wanted]:
    """Per statement: its values and the entries it holds (not those `in_other`, entry -> statement id)."""
    out = []
    for n, (statement, ids) in enumerate(zip(bank.statements, bank.ids, strict=True)):
        journal = bank.journals.get(statement.account or "")
        booked = [(eid, e) for eid, e in zip(ids, statement.entries, strict=True) if e.status is EntryStatus.BOOKED]
        reference = statement_reference(statement, ids)
        own_id = (found.get(reference) or {}).get("id")
        mine = [(eid, e) for eid, e in booked if in_other.get(eid) in (None, own_id)]
        if journal is None or not mine:
            continue
        before = sum((e.amount.rounded().amount for eid, e in booked if in_other.get(eid) not in (None, own_id)),
                     Decimal(0))
        held = sum((e.amount.rounded().amount for _, e in mine), Decimal(0))
        if statement.opening_balance is not None:
            start = statement.opening_balance.amount + before
        elif statement.closing_balance is not None:
            start = statement.closing_balance.amount - held
        else:
            continue
        end = statement.closing_balance.amount if statement.closing_balance is not None else start + held
        day = statement.closing_date or max(e.booking_date or e.value_date for _, e in mine)
        name = statement.statement_id or f"{journal.code} {statement.sequence or day.isoformat()}"
        out.append(Wanted(n, reference, {"name": name, "reference": reference, "date": day.isoformat(),
                                         "balance_start": _amount(start), "balance_end_real": _amount(end)},
                          tuple(eid for eid, _ in mine)))
    return out


def _cents(value: Any) -> int:
    return int((Decimal(str(value or 0)) * 100).quantize(Decimal(1)))


def _differs(row: dict, vals: dict) -> dict:
    """Both balances when Odoo holds others (compared in cents): written together, because Odoo
    recomputes the ending balance from a starting balance written alone."""
    keys = ("balance_start", "balance_end_real")
    return {k: vals[k] for k in keys} if any(_cents(row.get(k)) != _cents(vals[k]) for k in keys) else {}


def ensure_statements(bank: BankFile, in_other: dict[str, int], run: RunInfo) -> dict[str, int]:
    """Find or create (outbox first, anchored) each statement; entry id -> the Odoo statement to hold its line."""
    from ofm.store import OutboxIntent
    from ofm.tasks.shared.lost_answers import send_settled
    from ofm.tasks.shared.ownership import claim, mark_sent, mine

    res = resources()
    references = [statement_reference(s, ids) for s, ids in zip(bank.statements, bank.ids, strict=True)]
    found = {r["reference"]: r for r in res.odoo.search_read(
        STATEMENT, [("reference", "in", references)], ["reference", "balance_start", "balance_end_real"])} \
        if references else {}
    wanted = wanted_statements(bank, in_other, found)
    keys = {w.reference: f"{STATEMENT}:import:{w.reference}" for w in wanted}
    rows = claim([OutboxIntent(
        idempotency_key=keys[w.reference], object_type="bank-statement", record_ref=f"bank:{w.reference}",
        target_model=STATEMENT, operation="create", payload_hash=w.reference[-16:],
        correlation_id=run.correlation_id(f"bank:{w.reference}"), flow_run_id=run.flow_run_id) for w in wanted], run)
    res.store.settle({keys[w.reference]: found[w.reference]["id"] for w in wanted
                      if w.reference in found and mine(rows[keys[w.reference]], run)})
    out: dict[str, int] = {}
    for w in wanted:
        row = found.get(w.reference)
        if row is not None:
            if changed := _differs(row, w.vals):  # the bank sent the statement again, longer or corrected
                # the same balances written again change nothing: an answer lost, they are sent again
                send_settled(f"balances of {STATEMENT} {row['id']}",
                             lambda ids, changed=changed: res.odoo.write(STATEMENT, ids, changed), [row["id"]])
            statement_id = row["id"]
        elif rows[keys[w.reference]].state == "done":
            continue  # created once and since deleted in Odoo by a person: not made again
        elif not mine(rows[keys[w.reference]], run):
            continue  # another live run is creating it; lines left loose join it on the next run
        else:
            mark_sent([keys[w.reference]], run)
            [statement_id] = res.odoo.create_idempotent(STATEMENT, [w.vals], ["reference"], ["id"])
            res.store.mark_done({keys[w.reference]: statement_id})
        out.update(dict.fromkeys(w.entry_ids, statement_id))
    return out
