"""Posting a checked batch: account.move entries created in chunks, exactly once, posted, and read back.

One run per company and period: a run lock in the store (`ledger-batch:<company id>:<period>`) is
taken first, and a second run is refused at once with the holder's name, never queued. Each entry's
outbox key (`account.move:ledger:<source>:<batch>:<entry>`) is claimed before anything is sent; its
Odoo `ref` carries the same anchor plus a content hash, so a re-run or a run resuming after a crash
finds what landed (`read_landed`) and creates only the rest. Chunk by chunk: create (one call, a
list of vals, through `create_idempotent`), check that Odoo holds what was meant (per account, also
the VAT lines Odoo computes), re-read the lock dates, post (one `action_post` on the chunk's ids),
and read each move's date back: Odoo silently re-dates an entry in a locked period, and the
middleware never lets that pass unseen.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical.ledger import JournalBatch, JournalEntry
from ofm.canonical.money import Money, minor_units
from ofm.rules.ledger import DateDecision, Landed, LedgerReferences
from ofm.rules.ledger.checks import move_ref
from ofm.tasks.ledger.check import ALREADY, POSTED, QUARANTINED, Decided, EntryResult
from ofm.tasks.ledger.intake import LedgerFile
from ofm.tasks.ledger.odoo import MOVE, Snapshot, read_landed, read_lock_dates
from ofm.tasks.shared.audit import audit_rows, quarantine_records
from ofm.tasks.shared.ownership import ELSEWHERE, claim, elsewhere, elsewhere_reason, mark_sent, mine
from ofm.tasks.shared.resources import Resources, resources, use_thread_resources
from ofm.tasks.shared.runinfo import RunInfo


def lock_name(company_id: int, period: str) -> str:
    return f"ledger-batch:{company_id}:{period}"


def _amount(value: Decimal, currency: str) -> float:
    """Odoo's JSON carries amounts as numbers: rounded to the currency first, converted at the edge only."""
    return float(value.quantize(_QUANTUM.get(currency) or _quantum(currency), rounding=ROUND_HALF_UP))


_QUANTUM: dict[str, Decimal] = {}


def _quantum(currency: str) -> Decimal:
    _QUANTUM[currency] = Decimal(1).scaleb(-minor_units(currency))
    return _QUANTUM[currency]


def move_vals(batch: JournalBatch, entry: JournalEntry, decision: DateDecision, refs: LedgerReferences,
              mapping: Any) -> dict[str, Any]:
    """One account.move (type entry). Tax lines are Odoo's to compute from the base lines' taxes."""
    lines = []
    for line in entry.lines:
        if line.tax_line:
            continue
        vals: dict[str, Any] = {"account_id": refs.accounts[line.account_code].id,
                                "name": line.label or entry.ref or batch.batch_id,
                                "debit": _amount(line.debit, batch.currency),
                                "credit": _amount(line.credit, batch.currency)}
        if line.currency != batch.currency:
            vals["currency_id"] = refs.currencies[line.currency]
            vals["amount_currency"] = _amount(line.amount_currency or Decimal(0), line.currency)
        if line.partner_ref:
            vals["partner_id"] = refs.partners[line.partner_ref]
        if line.analytic:
            vals["analytic_distribution"] = {str(refs.analytic[mapping.analytic[code]]): float(pct)
                                             for code, pct in line.analytic}
        if line.tax_code:
            [tax_id] = refs.taxes[mapping.taxes[line.tax_code]]
            vals["tax_ids"] = [[6, 0, [tax_id]]]
        lines.append([0, 0, vals])
    return {"move_type": "entry", "journal_id": refs.journal["id"], "date": decision.post_date.isoformat(),
            "ref": move_ref(batch, entry, decision.original_date), "line_ids": lines}


def _intended(entry: JournalEntry, currency: str) -> dict[str, Decimal]:
    per: dict[str, Decimal] = defaultdict(Decimal)
    for line in entry.lines:
        per[line.account_code] += line.balance
    return {code: Money(amount=v, currency=currency).rounded().amount for code, v in per.items() if v}


def _held(move_ids: list[int], refs: LedgerReferences, currency: str) -> dict[int, dict[str, Decimal]]:
    """Per move, the balance per account code Odoo holds (one read for the chunk)."""
    code_of = {a.id: code for code, a in refs.accounts.items()}
    per: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in resources().odoo.search_read("account.move.line", [("move_id", "in", move_ids)],
                                            ["move_id", "account_id", "balance"], page_size=5000):
        code = code_of.get(row["account_id"][0], row["account_id"][1].split(" ")[0])
        per[row["move_id"][0]][code] += Decimal(str(row["balance"]))
    return {mid: {c: Money(amount=v, currency=currency).rounded().amount for c, v in acc.items() if v}
            for mid, acc in per.items()}


class _Batch:
    """One batch being posted: its entries by number, its decisions, and what became of each."""

    def __init__(self, lf: LedgerFile, decided: Decided, snap: Snapshot, run: RunInfo) -> None:
        self.lf, self.batch, self.decided, self.refs, self.run = lf, lf.batch, decided, snap.refs, run
        self.journal_type, self.lock_fields = snap.journal_type, snap.lock_fields
        self.results: list[EntryResult] = []
        self.refused: list[tuple[str, str, str, str]] = []  # number, category, reason, field

    def ref(self, number: str) -> str:
        return self.lf.entries[number].record_ref

    def key(self, number: str) -> str:
        return f"{MOVE}:{self.ref(number)}"

    def effect_check(self, moves: dict[str, int]) -> dict[str, int]:
        """The moves whose lines are what the entry books (per account); the others are deleted and refused.

        Only entries with taxes are read back: there Odoo computes the VAT lines itself (and, given a VAT
        line as well, adds a second one and balances it on the suspense account: seen on the real server).
        Odoo keeps the other lines as sent."""
        taxed = {n: mid for n, mid in moves.items() if any(line.tax_code for line in self.lf.entry(n).lines)}
        good = {n: mid for n, mid in moves.items() if n not in taxed}
        if not taxed:
            return good
        held = _held(sorted(taxed.values()), self.refs, self.batch.currency)
        wrong = []
        for number, move_id in taxed.items():
            meant = _intended(self.lf.entry(number), self.batch.currency)
            if held.get(move_id, {}) == meant:
                good[number] = move_id
                continue
            differs = sorted(c for c in set(meant) | set(held.get(move_id, {}))
                             if meant.get(c) != held.get(move_id, {}).get(c))
            wrong.append((number, "Odoo computed other amounts than the entry books: " + ", ".join(
                f"{c} meant {meant.get(c, 0)}, Odoo {held.get(move_id, {}).get(c, 0)}" for c in differs)))
        if wrong:  # a draft that is not what the source booked must not stay in Odoo
            resources().odoo.call(MOVE, "unlink", ids=[moves[n] for n, _ in wrong])
            for number, reason in wrong:
                self.refused.append((number, "technical", reason, "lines"))
                resources().store.mark_failed(self.key(number), reason, permanent=True)
        return good

    def still_open(self, numbers: list[str], drafts: dict[str, int] | None = None) -> list[str]:
        """Lock dates read again just before sending: an entry whose date got locked since the checks is not sent
        (or, already a draft in Odoo, not posted), and refused; Odoo would re-date it."""
        locks = read_lock_dates(self.refs.company_id, self.lock_fields)
        ok = []
        for number in numbers:
            has_tax = any(line.tax_code for line in self.lf.entry(number).lines)
            binding = locks.binding(self.decided.to_post[number].post_date, self.journal_type, has_tax)
            if binding is None:
                ok.append(number)
                continue
            left = f"account.move {drafts[number]} is left a draft" if drafts else "not sent"
            self.refused.append((number, "period", f"the period was locked ({binding[0]} {binding[1]}) after the "
                                                   f"checks; {left}", "accounting_date"))
        return ok

    def _action_post(self, ids: list[int], number_of: dict[int, str]) -> None:
        """One call for the chunk; should Odoo refuse it, one call per move, so one bad move refuses only itself.

        An answer lost after the request went out may hide a commit: the moves are read, and only those still
        drafts are posted again (Odoo refuses to post a posted move)."""
        from ofm.connectors.odoo.errors import OdooAmbiguousError, OdooPermanentError

        odoo = resources().odoo
        for attempt in range(1, odoo.config.retry.max_attempts + 1):
            try:
                odoo.call(MOVE, "action_post", ids=ids)
                return
            except OdooAmbiguousError:
                if attempt == odoo.config.retry.max_attempts:
                    raise
                ids = [r["id"] for r in odoo.read(MOVE, ids, ["state"]) if r["state"] == "draft"]
                if not ids:
                    return
            except OdooPermanentError as exc:
                if len(ids) == 1:
                    self.refused.append((number_of[ids[0]], "technical", f"Odoo refused to post it: {exc}",
                                         "(entry)"))
                    return
                break
        for move_id in ids:
            self._action_post([move_id], number_of)

    def post(self, moves: dict[str, int], status: str) -> None:
        """Post the drafts (one call), then read them back and record what Odoo holds."""
        if moves:
            self._action_post(sorted(moves.values()), {mid: n for n, mid in moves.items()})
        self.record(moves, status)

    def record(self, moves: dict[str, int], status: str) -> None:
        """Read the posted moves back (one call) and verify the date Odoo holds is the one meant (Odoo re-dates
        silently); then the results and audit rows."""
        ids = sorted(moves.values())
        rows = {r["id"]: r for r in resources().odoo.read(MOVE, ids, ["name", "date", "state"])} if ids else {}
        for number, move_id in moves.items():
            row = rows.get(move_id, {})
            meant = self.decided.to_post[number].post_date.isoformat()
            if row.get("state") != "posted" or row.get("date") != meant:
                self.refused.append((number, "technical", f"Odoo holds account.move {move_id} {row.get('name')} "
                                     f"{row.get('state')} on {row.get('date')}, meant posted on {meant}",
                                     "accounting_date"))
                continue
            self.results.append(EntryResult(self.ref(number), status, move_id, row["name"], row["date"]))
        decision = self.decided.to_post
        audit_rows(self.run, "posted", [(self.ref(n), self.lf.entries[n].lineage.correlation_id,
                                         {"account.move": mid, "name": rows.get(mid, {}).get("name"),
                                          "date": rows.get(mid, {}).get("date"),
                                          "original_date": str(decision[n].original_date)
                                          if decision[n].original_date else None})
                                        for n, mid in moves.items()])

    def claim(self, numbers: list[str]) -> list[str]:
        """Claim the entries' outbox keys; those this run holds. The others: another live run's (left to it), or
        done without being in Odoo (the move was deleted there since: a person decides)."""
        from ofm.store import OutboxIntent

        rows = claim([OutboxIntent(idempotency_key=self.key(n), object_type="journal-entry", record_ref=self.ref(n),
                                   target_model=MOVE, operation="create",
                                   payload_hash=self.lf.entry(n).content_hash()[:16],
                                   correlation_id=self.lf.entries[n].lineage.correlation_id,
                                   flow_run_id=self.run.flow_run_id) for n in numbers], self.run)
        ours = []
        for n in numbers:
            row = rows[self.key(n)]
            if row.state == "failed" and row.payload_hash == self.lf.entry(n).content_hash()[:16]:
                # refused for good before (Odoo computed other amounts): the same entry again is not sent again
                self.refused.append((n, "technical", row.last_error or "refused before", "lines"))
            elif mine(row, self.run):
                ours.append(n)
            elif elsewhere(row, self.run):
                self.results.append(EntryResult(self.ref(n), ELSEWHERE, reasons=(elsewhere_reason(row),)))
            else:
                self.refused.append((n, "technical", f"the outbox has it sent as account.move {row.odoo_id}, which "
                                                     "Odoo does not hold (deleted there?)", "(entry)"))
        return ours

    def _create(self, res: Resources, chunk: list[str], vals: list[dict]) -> dict[str, int]:
        """Create the chunk in one call; should Odoo refuse it (one call is one transaction: nothing landed), each
        entry alone, so that the one Odoo refuses is quarantined with Odoo's message and the others go on."""
        from ofm.connectors.odoo.errors import OdooPermanentError

        try:
            return dict(zip(chunk, res.odoo.create_idempotent(MOVE, vals, ["ref"], ["id"]), strict=True))
        except OdooPermanentError as exc:
            if len(chunk) == 1:
                self.refused.append((chunk[0], "technical", f"Odoo refused to create it: {exc}", "(entry)"))
                res.store.mark_failed(self.key(chunk[0]), str(exc), permanent=True)
                return {}
        created: dict[str, int] = {}
        for number, one in zip(chunk, vals, strict=True):
            created.update(self._create(res, [number], [one]))
        return created

    def send(self, res: Resources, chunk: list[str], vals: list[dict]) -> dict[str, int]:
        """The Odoo side of one chunk (in the sending thread): create, check what Odoo computed, post.

        Returns the moves kept in Odoo (the others are deleted and failed in the outbox). The outbox learns
        the kept ones in the main thread (`done`), off the path between one write and the next: should the
        run die before, the anchors in Odoo's `ref` settle them on the next run (`read_landed`)."""
        with use_thread_resources(res):
            moves = self.effect_check(self._create(res, chunk, vals))
            if moves:
                self._action_post(sorted(moves.values()), {mid: n for n, mid in moves.items()})
            return moves

    def done(self, res: Resources, moves: dict[str, int]) -> None:
        """What one chunk left in Odoo: its keys done in the outbox, its moves read back and recorded."""
        res.store.mark_done({self.key(n): mid for n, mid in moves.items()})
        self.record(moves, POSTED)


def _acquire(lock: str, run: RunInfo) -> str | None:
    """None when this run holds the lock; else the refusal, naming the run that holds it."""
    row = resources().store.acquire_lock(lock, run.owner)
    if row.owner == run.owner:
        return None
    return (f"refused: run {row.owner} is posting {lock.split(':', 1)[1]} (company:period) since "
            f"{row.acquired_at:%Y-%m-%d %H:%M:%S} UTC; one run per company and period, try again when it is done")


@task(name="post-journal-entries", cache_policy=NO_CACHE)
def post_entries(lf: LedgerFile, decided: Decided, snap: Snapshot,
                 run: RunInfo) -> tuple[list[EntryResult], str | None]:
    """Create and post the batch's entries exactly once, chunk by chunk; (results, refusal of the run or None)."""
    res, b = resources(), _Batch(lf, decided, snap, run)
    numbers = list(dict.fromkeys([*decided.to_post, *decided.check.already]))
    if not numbers:
        return [], None
    lock = lock_name(snap.refs.company_id, lf.batch.period)
    refusal = _acquire(lock, run)
    if refusal:
        return [EntryResult(b.ref(n), ELSEWHERE, reasons=(refusal,)) for n in numbers], refusal
    try:
        # what Odoo has now (a run that died after creating, or one that overlapped): never created again
        landed: dict[str, Landed] = read_landed(lf.batch.source, lf.batch.batch_id, snap.refs.company_id)
        res.store.settle({b.key(n): landed[n].move_id for n in numbers if n in landed})
        b.results += [EntryResult(b.ref(n), ALREADY, x.move_id, x.name, x.date)
                      for n in numbers if (x := landed.get(n)) is not None and x.state == "posted"]
        drafts = [n for n in decided.to_post if n in landed and landed[n].state == "draft"]
        if drafts:  # created by a run that stopped before posting them (keys done): posted now, under the run lock
            ids = {n: landed[n].move_id for n in drafts}
            b.post(b.effect_check({n: ids[n] for n in b.still_open(drafts, ids)}), POSTED)
        _send_in_chunks(b, res, [n for n in decided.to_post if n not in landed], lock)
    finally:
        res.store.release_lock(lock, run.owner)
        if b.refused:
            quarantine_records(run, "post", [(lf.entries[n], cat, f"{b.ref(n)}: {reason}", fld, lf.mapping.owner_team)
                                             for n, cat, reason, fld in b.refused], object_type="journal-entry")
    b.results += [EntryResult(b.ref(n), QUARANTINED, reasons=(reason,)) for n, _, reason, _ in b.refused]
    return b.results, None


def _send_in_chunks(b: _Batch, res: Resources, todo: list[str], lock: str) -> None:
    """Chunk after chunk, one write in flight at a time: while Odoo creates and posts one chunk, the next one is
    claimed in the outbox, its lock dates read again, its vals built and its keys marked sent, and the last one
    is read back and recorded; the next chunk goes out the moment the one before is done. A chunk that fails
    stops the run before the next one is sent (its keys, marked sent, are settled by anchor on the next run:
    nothing of it is in Odoo)."""
    size = res.settings.odoo_batch_size
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ofm-ledger-send") as sender:
        pending: Future | None = None
        for start in range(0, len(todo), size):
            chunk = b.still_open(b.claim(todo[start:start + size]))
            vals = [move_vals(b.batch, b.lf.entry(n), b.decided.to_post[n], b.refs, b.lf.mapping) for n in chunk]
            res.store.acquire_lock(lock, b.run.owner)  # renews the lease
            mark_sent([b.key(n) for n in chunk], b.run)
            done = pending.result() if pending else None  # raises: the run stops here, this chunk is not sent
            pending = sender.submit(b.send, res, chunk, vals) if chunk else None
            if done is not None:
                b.done(res, done)
        if pending:
            b.done(res, pending.result())
