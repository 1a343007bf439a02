"""Match statement lines to open items and reconcile what is certain, the way Odoo does it.

Per the contract (flow_trace.json): the statement line's suspense line is moved to the open
item's account (and partner), then `account.move.line.reconcile` settles them. A run killed
between the two leaves the moved line unreconciled: the next run matches the entry again and
finishes the job on the same line. A difference
within tolerance (bank fees) is written off by a small posted entry whose counterpart line is
reconciled along, anchored by its `ref` so that a re-run never books the fee twice. What is
not certain goes to quarantine (category `match`) with ranked suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import Lineage, content_hash
from ofm.tasks.bank.intake import BankFile
from ofm.tasks.bank.lines import Line, OpenItems, booked, entry_ref, minor_to_float
from ofm.tasks.shared.audit import audit_rows, quarantine_records
from ofm.tasks.shared.lost_answers import send_settled
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.ownership import claim, elsewhere, mark_sent, mine
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo
from ofm.tasks.shared.write_each import write_each

MOVE_LINE = "account.move.line"


@dataclass(frozen=True)
class Matching:
    """The engine's answer for the entries of one file that Odoo has not reconciled yet."""

    result: Any  # ofm.rules.bank.MatchResult
    considered: int


@task(name="match-entries", cache_policy=NO_CACHE)
def match_entries(bank: BankFile, lines: dict[str, Line], open_items: OpenItems, run: RunInfo) -> Matching:
    """Run the matching cascade over the file's unreconciled entries (pure, vectorised)."""
    from ofm.rules.bank import entries_frame, load_policy, match

    entries = entries_frame(bank.statements, bank.ids)
    open_ids = {eid for eid, line in lines.items() if not line.reconciled}
    # reconciled by a run killed before it recorded so: settle its intents
    resources().store.settle({f"{MOVE_LINE}:reconcile:{eid}": line.line_id for eid, line in lines.items()
                              if line.reconciled})
    entries = entries[entries.entry_id.isin(open_ids)].reset_index(drop=True)
    policy = load_policy(resources().settings.bank_matching_policy)
    result = match(entries, open_items.items, open_items.banks, policy)
    audit_rows(run, "matched", [(entry_ref(m.entry_id), run.correlation_id(entry_ref(m.entry_id)),
                                 {"rule": m.rule, "odoo_lines": list(m.line_ids), "writeoff_minor": m.writeoff_minor,
                                  "policy": policy.source, "mapping": _policy_file()}) for m in result.match_list()])
    return Matching(result, len(entries))


def _policy_file() -> str:
    """The matching policy's file, so the audit records its version (digest) beside each match it made."""
    from ofm.rules.bank.policy import BUNDLED

    return str(Path(resources().settings.bank_matching_policy or BUNDLED).resolve())


@task(name="reconcile-in-odoo", cache_policy=NO_CACHE)
def reconcile(bank: BankFile, lines: dict[str, Line], open_items: OpenItems, matching: Matching,
              run: RunInfo) -> tuple[dict[str, str], set[str]]:
    """Retarget suspense lines, book write-offs, reconcile; returns entry id -> rule for what was done, and the
    entries another live run is reconciling (left to it)."""
    from ofm.rules.bank import load_policy
    from ofm.store import OutboxIntent

    res = resources()
    matches = matching.result.match_list()
    if not matches:
        return {}, set()
    keys = {m.entry_id: f"{MOVE_LINE}:reconcile:{m.entry_id}" for m in matches}
    rows = claim([OutboxIntent(
        idempotency_key=keys[m.entry_id], object_type="bank-entry", record_ref=entry_ref(m.entry_id),
        target_model=MOVE_LINE, operation="reconcile", payload_hash=content_hash(list(m.line_ids))[:16],
        correlation_id=run.correlation_id(entry_ref(m.entry_id)), flow_run_id=run.flow_run_id) for m in matches], run)
    left = {m.entry_id for m in matches if elsewhere(rows[keys[m.entry_id]], run)}
    todo = [m for m in matches if mine(rows[keys[m.entry_id]], run)]
    sent = [m for m in todo if rows[keys[m.entry_id]].state == "sent"]
    if sent:  # taken over from a run that died since the lines were read: reconciled already?
        done = {r["id"] for r in res.odoo.read(MOVE_LINE, [lines[m.entry_id].counterpart_id for m in sent],
                                               ["reconciled"]) if r["reconciled"]}
        finished = {m.entry_id for m in sent if lines[m.entry_id].counterpart_id in done}
        res.store.settle({keys[e]: lines[e].line_id for e in finished})
        todo = [m for m in todo if m.entry_id not in finished]
    if not todo:
        return {}, left
    mark_sent([keys[m.entry_id] for m in todo], run)  # before the first write: only the owner writes
    writeoffs = _writeoffs([m for m in todo if m.writeoff_minor], bank, open_items,
                           load_policy(res.settings.bank_matching_policy).writeoff_account)
    _set_partners(todo, lines)
    moved = {lines[m.entry_id].counterpart_id: {
        "account_id": open_items.account_of[m.line_ids[0]], **({"partner_id": m.partner_id} if m.partner_id else {})}
        for m in todo}
    # the same values written again change nothing: an answer lost, they are sent again
    send_settled("the counterparts' account", lambda _: write_each(MOVE_LINE, moved), [moved])
    for m in todo:
        _reconcile_one(lines[m.entry_id].counterpart_id, [*m.line_ids, *writeoffs.get(m.entry_id, [])])
    res.store.mark_done({keys[m.entry_id]: lines[m.entry_id].line_id for m in todo})
    res.store.resolve_open([entry_ref(m.entry_id) for m in todo], actor=run.actor,
                           note=f"reconciled in run {run.run_id}")  # e.g. a person created the missing invoice
    audit_rows(run, "reconciled", [(entry_ref(m.entry_id), run.correlation_id(entry_ref(m.entry_id)),
                                    {"rule": m.rule, "statement_line": lines[m.entry_id].line_id,
                                     "odoo_lines": list(m.line_ids), "writeoff_minor": m.writeoff_minor})
                                   for m in todo])
    return {m.entry_id: m.rule for m in todo}, left


def _reconcile_one(counterpart: int, items: list[int]) -> None:
    """`reconcile` of a statement line's counterpart with its items. A second `reconcile` of lines Odoo already
    reconciled is refused ("already reconciled"), so an answer lost is settled by reading the counterpart back:
    reconciled, the first call was applied (one transaction: all of it); else it is sent again."""
    odoo = resources().odoo

    def pending(_ids: list[int]) -> list[int]:
        return [] if all(r["reconciled"] for r in odoo.read(MOVE_LINE, [counterpart], ["reconciled"])) else _ids

    send_settled(f"reconcile of {MOVE_LINE} {counterpart}",
                 lambda ids: odoo.call(MOVE_LINE, "reconcile", ids=ids), [counterpart, *items], pending)


def _set_partners(matches: list, lines: dict[str, Line]) -> None:
    """The matched items' partner on their statement lines (one write per partner; one call on Odoo 19).

    Odoo rewrites a statement line's journal items when its partner changes (and deletes any
    item not on the bank or suspense account), so this happens while the counterpart is still
    on suspense; a line an interrupted run already moved keeps its partner as it is.
    """
    partners = {lines[m.entry_id].line_id: {"partner_id": int(m.partner_id)} for m in matches
                if m.partner_id and lines[m.entry_id].partner_id != m.partner_id and lines[m.entry_id].on_suspense}
    # written again, the same partner rewrites the same journal items (the counterparts are still on suspense)
    send_settled("the statement lines' partner",
                 lambda _: write_each("account.bank.statement.line", partners), [partners] if partners else [])


def _writeoffs(matches: list, bank: BankFile, open_items: OpenItems, account_code: str) -> dict[str, list[int]]:
    """One posted entry per written-off difference (anchored by ref); entry id -> its counterpart line."""
    if not matches:
        return {}
    odoo = resources().odoo
    found = odoo.search_read("account.account", [("code", "=", account_code)], ["id"])
    if not found:
        raise ValueError(f"the write-off account {account_code} of the matching policy does not exist in Odoo")
    currency = bank.statements[0].currency
    dates = {eid: (e.booking_date or e.value_date).isoformat() for _, eid, e in booked(bank)}
    vals = []
    for m in matches:
        amount = minor_to_float(m.writeoff_minor, currency)  # residual - applied: what the item still lacks
        item_account = open_items.account_of[m.line_ids[0]]
        vals.append({"move_type": "entry", "date": dates[m.entry_id], "ref": f"OFM write-off {m.entry_id}",
                     "line_ids": [
                         (0, 0, {"account_id": item_account, "partner_id": m.partner_id or False,
                                 "name": "Bank difference written off", "debit": max(-amount, 0.0),
                                 "credit": max(amount, 0.0)}),
                         (0, 0, {"account_id": found[0]["id"], "name": "Bank fees / small difference",
                                 "debit": max(amount, 0.0), "credit": max(-amount, 0.0)})]})
    found_moves = odoo.find_by_anchors("account.move", ["ref"], vals, ["id"])  # booked by an interrupted run?
    missing = [v for v, f in zip(vals, found_moves, strict=True) if f is None]
    created = iter(odoo.create_idempotent("account.move", missing, ["ref"], ["id"]) if missing else [])
    move_ids = [f["id"] if f is not None else next(created) for f in found_moves]
    def drafts(ids: list[int]) -> list[int]:
        return [row["id"] for row in odoo.read("account.move", ids, ["state"]) if row["state"] == "draft"]

    # an answer lost: only the entries Odoo still shows as drafts are posted again
    send_settled("post of the write-offs", lambda ids: odoo.call("account.move", "action_post", ids=ids),
                 drafts(move_ids), drafts)
    rows = odoo.search_read(MOVE_LINE, [("move_id", "in", move_ids), ("account_id", "in",
                                                                      sorted(set(open_items.account_of.values())))],
                            ["move_id"])
    line_of_move = {r["move_id"][0]: r["id"] for r in rows}
    return {m.entry_id: [line_of_move[mid]] for m, mid in zip(matches, move_ids, strict=True)}


@task(name="hold-unmatched", cache_policy=NO_CACHE)
def hold_unmatched(bank: BankFile, matching: Matching, run: RunInfo, open_items: OpenItems | None = None,
                   lines: dict[str, Line] | None = None) -> int:
    """Unmatched entries to quarantine (category `match`) with their best suggestions, each naming its Odoo
    documents (`INV/2026/00012`), and the entry's own statement line and its journal entry."""
    entries = {eid: (a, e) for a, eid, e in booked(bank)}
    names = document_names(open_items)
    rows = []
    for u in matching.result.unmatched:
        account, entry = entries[u.entry_id]
        hints = [{"odoo_lines": list(s.line_ids), "documents": [names.get(int(i)) for i in s.line_ids],
                  "score": round(float(s.score), 3), "why": s.why} for s in u.suggestions]
        lineage = Lineage(source_system="bank", external_id=u.entry_id, content_hash=u.entry_id,
                          received_at=bank.received.lineage.received_at,
                          correlation_id=run.correlation_id(entry_ref(u.entry_id)))
        line = (lines or {}).get(u.entry_id)
        payload = {"account": account, "file": bank.name, "entry": entry.model_dump(mode="json"),
                   "suggestions": hints,
                   **({"statement_line": line.line_id, "statement_move": line.move_id} if line else {})}
        reason = u.reason + (f"; best guess: {u.suggestions[0].why}" if u.suggestions else "")
        owner = "accounts-receivable" if entry.amount.amount > 0 else "accounts-payable"
        rows.append((Received(raw=payload, lineage=lineage, mapping="bank/entry"), "match", reason,
                     "suggestions" if u.suggestions else "amount", owner))
    return len(quarantine_records(run, "match", rows, object_type="bank-entry"))


def document_names(open_items: OpenItems | None) -> dict[int, str]:
    """Open item (account.move.line id) -> the name of its Odoo document, as read with the open items."""
    if open_items is None or open_items.items.empty:
        return {}
    items = open_items.items
    return {int(i): str(n) for i, n in zip(items.line_id.tolist(), items.move_name.tolist(), strict=True)
            if n is not None and str(n) not in ("", "None", "nan", "False")}
