"""Bank intake: a statement file into the inbox, parsed, checked, routed to its Odoo journal.

A file that cannot be read, or whose account has no journal, stops here whole: nothing of it
is imported, and the quarantine says why with the file name and the position. A statement
that does not add up is held; a gap or a repeat in the sequence is reported and imported.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import BankStatement, Lineage
from ofm.tasks.shared.audit import audit_rows, quarantine_records
from ofm.tasks.shared.feeds import BANK_STATEMENTS, feed_arrived
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

SOURCE = "bank"
# A statement that does not add up is not trusted: held. Gaps, repeats, overlaps and an opening
# that differs from the last closing are reported and imported: identities keep it idempotent.
HOLDING = frozenset({"balance", "balance_missing", "currency"})
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Journal:
    """The Odoo bank journal a statement goes to, with the accounts the load needs."""

    id: int
    code: str
    default_account_id: int
    suspense_account_id: int
    owner_team: str


@dataclass
class BankFile:
    """One statement file as received: what was read, what stands in the way, where it goes."""

    received: Received
    statements: list[BankStatement] = field(default_factory=list)
    ids: list[tuple[str, ...]] = field(default_factory=list)
    journals: dict[str, Journal] = field(default_factory=dict)  # account -> journal
    warnings: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # reasons the whole file is held
    known: set[str] = field(default_factory=set)  # entry ids Odoo had before this run (re-import, overlap)
    error: str | None = None
    mapping: str | None = None  # what read it: the CSV mapping's file, or `bank/<format>` (a parser, code)

    @property
    def name(self) -> str:
        return self.received.lineage.external_id


def _receive(path: Path, data: bytes, run: RunInfo) -> Received:
    """Keep the raw file in the inbox (its text, its sha256) before anything reads it."""
    from ofm.store import InboxItem

    sha = hashlib.sha256(data).hexdigest()
    ref = f"{path.name}@{sha[:12]}"
    payload = {"file": path.name, "sha256": sha, "bytes": len(data), "content": data.decode("utf-8", "replace")}
    corr = run.correlation_id(f"{SOURCE}:{ref}")
    row = resources().store.receive([InboxItem(source=SOURCE, object_type="statement-file", external_id=ref,
                                               revision=None, payload=payload, correlation_id=corr,
                                               flow_run_id=run.flow_run_id)])[0]
    lineage = Lineage(source_system=SOURCE, external_id=ref, content_hash=sha, received_at=row.received_at,
                      correlation_id=corr)
    audit_rows(run, "received", [(lineage.record_ref, corr, {"inbox_id": row.id, "sha256": sha, "bytes": len(data),
                                                             "seen_before": row.duplicate})])
    return Received(raw={"file": path.name, "sha256": sha}, lineage=lineage, mapping="bank/statement",
                    inbox_id=row.id)


def _hold(bank: BankFile, run: RunInfo, step: str, reason: str, owner: str, category: str = "business") -> None:
    """Quarantine the whole file; the reason is already in `bank.error` or `bank.held` (said once)."""
    quarantine_records(run, step, [(bank.received, category, reason, "file", owner)], object_type="statement-file")


@task(name="read-statement-file", cache_policy=NO_CACHE)
def read_statement_file(path: str, run: RunInfo, csv_mapping: str | None = None) -> BankFile:
    """Inbox first, then parse; an unreadable file is held whole with the file name and position."""
    from ofm.connectors.bank import BankFileError, parse_bytes
    from ofm.rules.bank import entry_ids

    file = Path(path)
    size = file.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"{file.name}: {size} bytes is more than the {MAX_BYTES} bytes a statement may have")
    data = file.read_bytes()
    bank = BankFile(_receive(file, data, run))
    feed_arrived(BANK_STATEMENTS, run, file=file.name, sha256=bank.received.raw["sha256"], bytes=len(data))
    try:
        bank.statements = parse_bytes(data, file.name, csv_mapping=csv_mapping)
    except BankFileError as exc:
        bank.error = f"unreadable statement file: {exc}"
        _hold(bank, run, "parse", bank.error, "treasury", "technical")
        return bank
    bank.ids = entry_ids(bank.statements)
    bank.mapping = _mapping_of(bank, csv_mapping)
    audit_rows(run, "parsed", [(bank.received.record_ref, bank.received.lineage.correlation_id,
                                {"mapping": bank.mapping, "statements": len(bank.statements),
                                 "entries": sum(len(s.entries) for s in bank.statements),
                                 "format": bank.statements[0].format if bank.statements else None})])
    return bank


def _mapping_of(bank: BankFile, csv_mapping: str | None) -> str | None:
    """The audit's name for what read the file: a CSV mapping by its file (so its version is the file's digest),
    any other format by its parser (`bank/camt`: the release's code)."""
    fmt = bank.statements[0].format if bank.statements else None
    if fmt is None or not str(fmt).lower().startswith("csv") or csv_mapping is None:
        return f"bank/{fmt}" if fmt else None
    from ofm.connectors.bank.csv_mapping import BUNDLED_DIR

    path = Path(csv_mapping)
    if not (path.suffix in (".yaml", ".yml") or "/" in csv_mapping):
        path = BUNDLED_DIR / f"{csv_mapping}.yaml"
    return str(path.resolve())


@task(name="check-and-route-statements", cache_policy=NO_CACHE)
def check_and_route(bank: BankFile, run: RunInfo) -> BankFile:
    """Balances and continuity against the last statement of each account; account -> journal.

    Entries Odoo already has (a re-import, a file repeating part of a day) are recognised by their
    identity first, so that continuity is judged on what is new."""
    from ofm.mappings.bank_routing import RoutingError, load_routing
    from ofm.rules.bank import check_statements
    from ofm.tasks.bank.lines import imported_ids

    if bank.error:
        return bank
    store = resources().store
    previous = {s.account: last for s in bank.statements if (last := _last_statement(store, s.account))}
    bank.known = imported_ids([eid for ids in bank.ids for eid in ids])
    for problem in check_statements(bank.statements, previous, bank.ids, bank.known):
        (bank.held if problem.code in HOLDING else bank.warnings).append(str(problem))
    routing = load_routing(resources().settings.bank_routing_file)
    try:
        routes = {s.account: routing.route(s.account) for s in bank.statements}
    except RoutingError as exc:
        bank.error = str(exc)
        _hold(bank, run, "route", str(exc), "treasury", "technical")
        return bank
    if bank.held:
        _hold(bank, run, "check", "; ".join(bank.held), "treasury")
        return bank
    bank.journals = _journals(routes, bank)
    if bank.error:
        _hold(bank, run, "route", bank.error, "treasury", "technical")
        return bank
    journals = {account: j.code for account, j in bank.journals.items()}
    audit_rows(run, "checked", [(bank.received.record_ref, bank.received.lineage.correlation_id,
                                 {"warnings": bank.warnings, "journals": journals})])
    return bank


def _journals(routes: dict, bank: BankFile) -> dict[str, Journal]:
    """The routed journals from Odoo (two reads); a code Odoo does not know, or a journal whose own
    bank account is not the statement's, holds the file: one wrong routing line must not book a
    statement into another account's journal."""
    from ofm.rules.bank import same_account

    odoo = resources().odoo
    codes = sorted({r.journal_code for r in routes.values()})
    rows = odoo.search_read("account.journal", [("code", "in", codes), ("type", "=", "bank")],
                            ["code", "default_account_id", "suspense_account_id", "bank_account_id"])
    by_code = {r["code"]: r for r in rows}
    bank_ids = sorted({r["bank_account_id"][0] for r in rows if r.get("bank_account_id")})
    numbers = {b["id"]: b["acc_number"] for b in odoo.read("res.partner.bank", bank_ids, ["acc_number"])} \
        if bank_ids else {}
    journals: dict[str, Journal] = {}
    for account, route in routes.items():
        row = by_code.get(route.journal_code)
        if row is None:
            bank.error = f"bank account {account} is routed to journal {route.journal_code}, which Odoo does not have"
            return {}
        own = numbers.get(row["bank_account_id"][0]) if row.get("bank_account_id") else None
        if own is None:
            bank.error = (f"bank account {account} is routed to journal {route.journal_code}, which has no bank "
                          f"account in Odoo: set the journal's bank account to {account} first")
            return {}
        if not same_account(own, account):
            bank.error = (f"bank account {account} is routed to journal {route.journal_code}, whose bank account "
                          f"in Odoo is {own}: correct the routing file or the journal")
            return {}
        journals[account] = Journal(row["id"], row["code"], row["default_account_id"][0],
                                    row["suspense_account_id"][0], route.owner_team)
    return journals


CURSOR = "bank.statement.{account}"


def _last_statement(store, account: str | None) -> BankStatement | None:
    """The last imported statement of an account, as kept in the store for continuity checks."""
    raw = store.get_cursor(CURSOR.format(account=account)) if account else None
    return BankStatement.model_validate_json(raw) if raw else None


def remember_statements(bank: BankFile) -> None:
    """After import: each account's newest statement (without entries) for the next continuity check;
    a statement imported before (an older file again) leaves the account's last statement as it is."""
    from ofm.rules.bank import imported_of

    store = resources().store
    for statement, ids in zip(bank.statements, bank.ids, strict=True):
        if statement.account and not imported_of(statement, ids, bank.known).everything:
            kept = statement.model_copy(update={"entries": ()})
            store.set_cursor(CURSOR.format(account=statement.account), kept.model_dump_json())


def summary_of(bank: BankFile) -> dict:
    """What the file held, for the run's result."""
    return {"file": bank.received.raw["file"], "inbox_ref": bank.name, "statements": len(bank.statements),
            "entries": sum(len(s.entries) for s in bank.statements), "warnings": list(bank.warnings),
            "held": list(bank.held), "error": bank.error,
            "accounts": json.loads(json.dumps({a: j.code for a, j in bank.journals.items()}))}
