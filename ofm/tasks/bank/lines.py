"""Statement lines into Odoo, exactly once, and the open items they may pay, in one read.

Every booked entry becomes one account.bank.statement.line carrying the entry's identity as its
anchor: `unique_import_id` where Odoo has it (the bank-statement-import module, which also makes
Odoo refuse a second line with the same id), else the line's `ref` ("ofm:<identity>"; Odoo
Community, as captured in the contract). The outbox records the intent first, and a lost answer
is resolved by looking the line up by that anchor. Re-importing a file, or a file that overlaps
the previous one, creates nothing twice. New lines go into their statement's
account.bank.statement (bank_statements.py); lines found without one are put into it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import BankEntry, EntryStatus
from ofm.tasks.bank.intake import BankFile
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.ownership import claim, elsewhere, mark_sent, mine
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

LINE = "account.bank.statement.line"
# As read in the contract (trace i), without the lines of bank statement moves: a statement line whose
# counterpart was moved to a receivable by an interrupted run is not an item for another entry to pay.
OPEN_ITEMS = [("reconciled", "=", False), ("account_id.account_type", "in", ["asset_receivable", "liability_payable"]),
              ("parent_state", "=", "posted"), ("statement_line_id", "=", False)]


@dataclass(frozen=True)
class Line:
    """An entry's statement line in Odoo, and the counterpart line (suspense, or where it was moved)."""

    entry_id: str
    line_id: int
    move_id: int
    counterpart_id: int
    reconciled: bool  # the counterpart is reconciled: Odoo's `is_reconciled` is true as soon as it moved
    amount: float = 0.0
    statement_id: int | None = None  # the account.bank.statement holding the line
    partner_id: int | None = None
    on_suspense: bool = True  # the counterpart still sits on the journal's suspense account


@dataclass(frozen=True)
class OpenItems:
    """Open receivable/payable items with their partners' bank accounts, ready for the engine."""

    items: pd.DataFrame
    banks: pd.DataFrame
    account_of: dict[int, int]  # line id -> account id


def booked(bank: BankFile) -> list[tuple[str, str, BankEntry]]:
    """(account, entry id, entry) of the booked entries; pending ones wait for the bank to book them."""
    return [(s.account or "", eid, e) for s, ids in zip(bank.statements, bank.ids, strict=True)
            for eid, e in zip(ids, s.entries, strict=True) if e.status is EntryStatus.BOOKED]


def entry_ref(entry_id: str) -> str:
    """The record reference of a bank entry in quarantine and the audit trail."""
    return f"bank:{entry_id}"


@dataclass(frozen=True)
class Anchor:
    """Where a statement line keeps its entry's identity in this Odoo."""

    field: str
    prefix: str

    def value(self, entry_id: str) -> str:
        return f"{self.prefix}{entry_id}"

    def entry_id(self, value: str) -> str:
        return value.removeprefix(self.prefix)


_anchors: weakref.WeakKeyDictionary[Any, Anchor] = weakref.WeakKeyDictionary()


def line_anchor() -> Anchor:
    """`unique_import_id` when the server has it, else `ref`: one fields_get per client (the check and the import of
    a run ask it once, later runs of the process not at all). A module installed meanwhile is seen by the next
    process; within one, every run anchors its lines the same way."""
    odoo = resources().odoo
    anchor = _anchors.get(odoo)
    if anchor is None:
        fields = odoo.fields_get(LINE, attributes=("type",))
        anchor = Anchor("unique_import_id", "") if "unique_import_id" in fields else Anchor("ref", "ofm:")
        _anchors[odoo] = anchor
    return anchor


def _line_vals(bank: BankFile, account: str, eid: str, entry: BankEntry, anchor: Anchor) -> dict[str, Any]:
    label = entry.remittance or entry.creditor_reference or entry.counterparty_name or entry.bank_reference or "/"
    vals: dict[str, Any] = {
        "journal_id": bank.journals[account].id, "date": (entry.booking_date or entry.value_date).isoformat(),
        "amount": float(entry.amount.rounded().amount), "payment_ref": label[:500], anchor.field: anchor.value(eid),
    }
    if entry.counterparty_iban:
        vals["account_number"] = entry.counterparty_iban
    if entry.counterparty_name:
        vals["partner_name"] = entry.counterparty_name
    if entry.transaction_code:
        vals["transaction_type"] = entry.transaction_code
    return vals


@task(name="import-statement-lines", cache_policy=NO_CACHE)
def import_lines(bank: BankFile, run: RunInfo) -> tuple[dict[str, Line], int, set[str]]:
    """Create the lines Odoo does not have yet (batched, anchored) in their statements; return every entry's
    line, how many this run created, and the entries another live run is importing (left to it)."""
    from ofm.store import OutboxIntent
    from ofm.tasks.bank.statements import ensure_statements
    from ofm.tasks.shared.lost_answers import send_settled

    res = resources()
    entries = booked(bank)
    if not entries:
        return {}, 0, set()
    keys = {eid: f"{LINE}:import:{eid}" for _, eid, _ in entries}
    rows = claim([
        OutboxIntent(idempotency_key=keys[eid], object_type="bank-entry", record_ref=entry_ref(eid), target_model=LINE,
                     operation="create", payload_hash=eid[:16], correlation_id=run.correlation_id(entry_ref(eid)),
                     flow_run_id=run.flow_run_id) for _, eid, _ in entries], run)
    left = {eid for _, eid, _ in entries if elsewhere(rows[keys[eid]], run)}
    ours = {keys[eid] for _, eid, _ in entries if mine(rows[keys[eid]], run)}
    anchor = line_anchor()
    # what Odoo has: a re-import, an overlap, or a run killed after Odoo committed (`sent` intents: settle them)
    landed = _read_lines(bank, [eid for _, eid, _ in entries], anchor)
    res.store.settle({keys[eid]: line.line_id for eid, line in landed.items() if keys[eid] in ours})
    todo = [(a, eid, e) for a, eid, e in entries if keys[eid] in ours and eid not in landed]
    statement_of = ensure_statements(bank, {eid: line.statement_id for eid, line in landed.items()
                                            if line.statement_id}, run)
    size = res.settings.odoo_batch_size
    for start in range(0, len(todo), size):
        chunk = todo[start:start + size]
        mark_sent([keys[eid] for _, eid, _ in chunk], run)
        vals = [{**_line_vals(bank, a, eid, e, anchor), **({"statement_id": statement_of[eid]}
                                                          if eid in statement_of else {})} for a, eid, e in chunk]
        ids = res.odoo.create_idempotent(LINE, vals, [anchor.field], ["id"])
        res.store.mark_done({keys[eid]: line_id for (_, eid, _), line_id in zip(chunk, ids, strict=True)})
    loose: dict[int, list[int]] = {}  # lines imported before their statement was (an earlier version, a crash)
    for eid, line in landed.items():
        if line.statement_id is None and eid in statement_of:
            loose.setdefault(statement_of[eid], []).append(line.line_id)
    for statement_id, ids in loose.items():  # written again, the same statement changes nothing: sent again
        send_settled(f"{LINE} into statement {statement_id}",
                     lambda todo, sid=statement_id: res.odoo.write(LINE, todo, {"statement_id": sid}), ids)
    audit_rows(run, "imported", [(entry_ref(eid), run.correlation_id(entry_ref(eid)),
                                  {"mapping": bank.mapping, "amount": str(e.amount), "date": str(e.booking_date),
                                   "journal":
                                   bank.journals[a].code, "bank_reference": e.bank_reference,
                                   "statement": statement_of.get(eid)})
                                 for a, eid, e in todo])
    return _read_lines(bank, [eid for _, eid, _ in entries], anchor), len(todo), left


def imported_ids(entry_ids: list[str]) -> set[str]:
    """The entries Odoo already has a statement line for (one read, by their anchors)."""
    if not entry_ids:
        return set()
    anchor = line_anchor()
    rows = resources().odoo.search_read(LINE, [(anchor.field, "in", [anchor.value(e) for e in entry_ids])],
                                        [anchor.field])
    return {anchor.entry_id(r[anchor.field]) for r in rows}


def _read_lines(bank: BankFile, entry_ids: list[str], anchor: Anchor) -> dict[str, Line]:
    """The entries' statement lines and their counterpart lines: two reads for the whole file."""
    odoo = resources().odoo
    rows = odoo.search_read(LINE, [(anchor.field, "in", [anchor.value(e) for e in entry_ids])],
                            [anchor.field, "move_id", "amount", "statement_id", "partner_id"])
    if not rows:
        return {}
    bank_accounts = sorted({j.default_account_id for j in bank.journals.values()})
    suspense = {j.suspense_account_id for j in bank.journals.values()}
    counterparts = {r["move_id"][0]: r for r in odoo.search_read(
        "account.move.line", [("move_id", "in", [r["move_id"][0] for r in rows]),
                              ("account_id", "not in", bank_accounts)], ["move_id", "reconciled", "account_id"])}

    def line(r: dict) -> Line:
        other = counterparts[r["move_id"][0]]
        return Line(anchor.entry_id(r[anchor.field]), r["id"], r["move_id"][0], other["id"], bool(other["reconciled"]),
                    r.get("amount") or 0.0, r["statement_id"][0] if r.get("statement_id") else None,
                    r["partner_id"][0] if r.get("partner_id") else None, other["account_id"][0] in suspense)
    return {r[anchor.field].removeprefix(anchor.prefix): line(r) for r in rows}


@task(name="read-open-items", cache_policy=NO_CACHE)
def read_open_items() -> OpenItems:
    """Unreconciled receivable/payable lines of posted moves, their payment references and partner IBANs."""
    from ofm.rules.bank import ITEM_FIELDS, items_frame, partner_banks_frame

    odoo = resources().odoo
    rows = odoo.search_read("account.move.line", OPEN_ITEMS, [*ITEM_FIELDS, "account_id"], page_size=5000)
    move_ids = sorted({r["move_id"][0] for r in rows})
    references: dict[int, Any] = {}
    for start in range(0, len(move_ids), 5000):
        for move in odoo.read("account.move", move_ids[start:start + 5000], ["payment_reference"]):
            references[move["id"]] = move.get("payment_reference")
    for row in rows:
        row["payment_reference"] = references.get(row["move_id"][0])
    partner_ids = sorted({r["partner_id"][0] for r in rows if r.get("partner_id")})
    banks = odoo.search_read("res.partner.bank", [("partner_id", "in", partner_ids)],
                             ["partner_id", "acc_number"]) if partner_ids else []
    return OpenItems(items_frame(rows), partner_banks_frame(banks), {r["id"]: r["account_id"][0] for r in rows})


def minor_to_float(minor: int, currency: str) -> float:
    """Odoo's JSON carries amounts as numbers; convert from exact minor units at the edge only."""
    from ofm.canonical import minor_units

    return float(Decimal(minor).scaleb(-minor_units(currency)))
