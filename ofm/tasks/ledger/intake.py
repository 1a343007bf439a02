"""Ledger intake: each delivery file into the inbox, mapped to a journal batch; deferred entries taken up again.

A file that cannot be read as a batch (no mapping for its name, no header, not CSV/JSON) is held whole
in quarantine with the reason. An entry that does not map is quarantined with the field that failed;
the rest of the batch goes on. Entries deferred by an earlier run (a locked period under the `defer`
policy) wait in the quarantine (category `deferred`); every run takes them up again as batches of their own.
Deliveries of a ledger-source API (`--source api`) are downloaded into the inbox and read as files are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import Lineage
from ofm.canonical.ledger import JournalBatch, JournalEntry
from ofm.memory import paused_gc
from ofm.tasks.shared.audit import audit_rows, quarantine_records
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

if TYPE_CHECKING:
    from ofm.connectors.ledger import LedgerApiClient
    from ofm.settings import Settings

SOURCE = "ledger"
DEFERRED = "deferred"
MAX_BYTES = 200 * 1024 * 1024


@dataclass
class LedgerFile:
    """One batch to post: a delivery file, or deferred entries of one earlier batch taken up again."""

    name: str
    received: Received | None = None  # the file (None for deferred entries)
    mapping: Any = None  # LedgerMapping
    batch: JournalBatch | None = None
    entries: dict[str, Received] = field(default_factory=dict)  # entry number -> the entry as received
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)  # entry number -> (field, reason) of mapping
    sums: dict[str, Any] | None = None  # what the delivery holds, for the control totals
    complete: bool = True  # a whole delivery (False: deferred entries only)
    error: str | None = None
    _by_number: dict[str, JournalEntry] | None = field(default=None, repr=False)

    def entry(self, number: str) -> JournalEntry:
        if self._by_number is None or len(self._by_number) != len(self.batch.entries):
            self._by_number = {e.number: e for e in self.batch.entries}
        return self._by_number[number]


def _lineage(external_id: str, sha: str, corr: str, at: datetime) -> Lineage:
    return Lineage(source_system=SOURCE, external_id=external_id, content_hash=sha, received_at=at,
                   correlation_id=corr)


def _received(external_id: str, raw: dict, run: RunInfo, mapping: str, at: datetime, sha: str,
              inbox_id: int | None = None, quarantine_id: int | None = None) -> Received:
    """An entry as received; its content hash is its file's (the payload as received, kept in the inbox)."""
    corr = run.correlation_id(f"{SOURCE}:{external_id}")
    return Received(raw=raw, lineage=_lineage(external_id, sha, corr, at), mapping=mapping, inbox_id=inbox_id,
                    quarantine_id=quarantine_id)


def files_of(source: str | None) -> list[Path]:
    """The delivery files of a run: the file given, every file of the folder given, or of OFM_LEDGER_DROP_DIR."""
    path = Path(source) if source else resources().settings.ledger_drop_dir
    if path is None:
        return []
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))


def _read_one(path: Path, run: RunInfo) -> LedgerFile:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise ValueError(f"{path.name}: {len(data)} bytes is more than the {MAX_BYTES} a delivery may have")
    return _take_in(path.name, data, None, {}, run)


def _take_in(name: str, data: bytes, ref: str | None, origin: dict[str, Any], run: RunInfo) -> LedgerFile:
    """A delivery's bytes into the inbox under `ref` (a file's: its name and sha256), `origin` beside them;
    then mapped through the mapping its file name chooses (without cyclic garbage collection: a large
    delivery is hundreds of thousands of acyclic objects, see ofm.memory)."""
    with paused_gc():
        return _take_in_now(name, data, ref, origin, run)


def _take_in_now(name: str, data: bytes, ref: str | None, origin: dict[str, Any], run: RunInfo) -> LedgerFile:
    from ofm.mappings.ledger import LedgerFileError, LedgerMappingError, mapping_for, parse_delivery
    from ofm.store import InboxItem

    sha = hashlib.sha256(data).hexdigest()
    ref = ref or f"{name}@{sha[:12]}"
    corr = run.correlation_id(f"{SOURCE}:{ref}")
    payload = {"file": name, "sha256": sha, "bytes": len(data), "content": data.decode("utf-8", "replace"), **origin}
    row = resources().store.receive([InboxItem(source=SOURCE, object_type="journal-batch-file", external_id=ref,
                                               revision=None, payload=payload, correlation_id=corr,
                                               flow_run_id=run.flow_run_id)])[0]
    now = row.received_at
    received = Received(raw={"file": name, "sha256": sha}, lineage=_lineage(ref, sha, corr, now),
                        mapping="ledger/file", inbox_id=row.id)
    audit_rows(run, "received", [(received.record_ref, corr, {"inbox_id": row.id, "sha256": sha,
                                                              "bytes": len(data), "seen_before": row.duplicate})])
    lf = LedgerFile(name, received)
    try:
        lf.mapping = mapping_for(name, resources().settings.ledger_mapping_dir)
        delivery = parse_delivery(lf.mapping, payload["content"], name)
    except (LedgerFileError, LedgerMappingError) as exc:
        lf.error = str(exc)
        quarantine_records(run, "parse", [(received, "technical", lf.error, "file", "accounting")],
                           object_type="journal-batch-file")
        return lf
    lf.batch, lf.sums = delivery.batch, delivery.sums
    mapping = f"ledger/{lf.mapping.source}"
    for number, raw in delivery.raw.items():
        lf.entries[number] = _received(f"{lf.batch.source}:{lf.batch.batch_id}:{number}",
                                       {"batch": lf.batch.batch_id, "file": name, **raw}, run, mapping, now,
                                       sha, inbox_id=row.id)
    for failure in delivery.failures:
        lf.failed[failure.number] = (failure.field, failure.reason)
    quarantine_records(run, "map", [(lf.entries[f.number], "business", str(f), f.field, lf.mapping.owner_team)
                                    for f in delivery.failures], object_type="journal-entry")
    audit_rows(run, "mapped", [(received.record_ref, corr, {"batch": lf.batch.record_ref, "source": lf.batch.source,
                                                            "entries": delivery.received,
                                                            "unmapped": len(delivery.failures),
                                                            "mapping": lf.mapping.path.name})])
    return lf


@task(name="read-ledger-deliveries", cache_policy=NO_CACHE)
def read_deliveries(source: str | None, run: RunInfo) -> list[LedgerFile]:
    """Inbox first, then map, file by file (oldest name first)."""
    return [_read_one(path, run) for path in files_of(source)]


HELD_FILE = "journal-batch-file"


@task(name="read-held-deliveries-again", cache_policy=NO_CACHE)
def take_up_held(run: RunInfo, ids: list[int]) -> list[LedgerFile]:
    """Held deliveries (quarantine ids of files no mapping could read) read again from the inbox, byte for byte
    as received, through today's mappings: after a mapping was added or fixed, a delivery pulled from an API
    (whose cursor moved on) or a file gone from the folder is posted without being sent again. One that reads
    now is `replayed` in the quarantine (by the actor); one that still does not stays held with today's reason."""
    store = resources().store
    files = []
    for qid in ids:
        q = store.get_quarantine(qid)
        if q is None or q.object_type != HELD_FILE or q.status != "open":
            raise ValueError(f"quarantine entry {qid}: not an open held delivery file")
        ref = q.record_ref.removeprefix(f"{SOURCE}:")
        payload = store.inbox_payload(SOURCE, HELD_FILE, ref)
        if payload is None:
            raise ValueError(f"quarantine entry {qid}: {q.record_ref} is not in the inbox")
        origin = {k: v for k, v in payload.items() if k not in ("file", "sha256", "bytes", "content")}
        lf = _take_in(payload["file"], payload["content"].encode("utf-8"), ref, origin, run)
        if lf.error is None:
            store.set_quarantine_status(qid, "replayed", run.actor, note=f"read again with {lf.mapping.path.name}")
            audit_rows(run, "replayed", [(q.record_ref, q.correlation_id, {"quarantine_id": qid,
                                                                           "mapping": lf.mapping.path.name})])
        files.append(lf)
    return files


def deferred_payload(lf: LedgerFile, entry: JournalEntry) -> dict[str, Any]:
    """What a deferred entry keeps in the store: enough to post it later without its file."""
    return {"batch": lf.batch.model_dump(mode="json", exclude={"entries", "lineage"}),
            "entry": entry.model_dump(mode="json"), "mapping": str(lf.mapping.path)}


@task(name="take-up-deferred-entries", cache_policy=NO_CACHE)
def take_up_deferred(run: RunInfo, approved: list[int] | None = None) -> list[LedgerFile]:
    """The entries waiting in the deferred queue, as one batch per source batch, to be tried again.

    Entries whose quarantine ids are in `approved` (a person approved them: `ofm quarantine replay ID`)
    form batches of their own that do not wait for their period to open: they are posted on the first
    open date, their own date kept in the `ref` and the audit row (the `next_open_date` policy), and the
    approval is an audit row naming who gave it."""
    from ofm.canonical.ledger import LockedPeriodPolicy
    from ofm.mappings.ledger import load_ledger_mapping

    approved_ids = set(approved or ())

    store = resources().store
    rows = [q for q in store.list_quarantine(status="open", category=DEFERRED, limit=1_000_000)
            if q.object_type == "journal-entry"]
    groups: dict[tuple[str, str], LedgerFile] = {}
    now = datetime.now(UTC)
    for q in sorted(rows, key=lambda q: q.id):
        head, entry = q.payload["batch"], JournalEntry.model_validate(q.payload["entry"])
        is_approved = q.id in approved_ids
        key = (head["source"], head["batch_id"], is_approved)
        if key not in groups:
            kind = "approved deferred" if is_approved else "deferred"
            lf = LedgerFile(f"{kind} {head['source']}:{head['batch_id']}", complete=False)
            lf.mapping = load_ledger_mapping(q.payload["mapping"])
            lf.batch = JournalBatch.model_validate({**head, "entries": []})
            if is_approved:
                lf.batch = lf.batch.model_copy(update={"locked_period": LockedPeriodPolicy.NEXT_OPEN_DATE})
            groups[key] = lf
        lf = groups[key]
        lf.batch = lf.batch.model_copy(update={"entries": (*lf.batch.entries, entry)})
        lf.entries[entry.number] = _received(q.record_ref.removeprefix(f"{SOURCE}:"), q.payload, run, q.source, now,
                                             q.payload_hash, quarantine_id=q.id)
    found = {q.id for q in rows}
    unknown = sorted(approved_ids - found)
    if unknown:
        raise ValueError(f"quarantine entr{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(str, unknown))}: "
                         "not an open deferred journal entry")
    if approved_ids:
        audit_rows(run, "approved", [(q.record_ref, q.correlation_id, {"quarantine_id": q.id, "approved_by": run.actor,
                                                                       "post": "on the first open date"})
                                     for q in rows if q.id in approved_ids])
    return list(groups.values())


# ---- the ledger-source API: deliveries pulled into the inbox, then read exactly as files are ------------------

API = "api"  # `--source api`
API_CURSOR = "ledger-api:"  # + the API's name: the store's cursor of what was pulled and has an outcome


@dataclass
class ApiPull:
    """The deliveries one run pulled, in the API's order, and the listing cursor just after each."""

    cursor_name: str
    files: list[LedgerFile] = field(default_factory=list)
    after: dict[str, str] = field(default_factory=dict)  # record ref of a delivery -> the cursor after it
    listed: list[str] = field(default_factory=list)  # "<id> <file name>", for the run's result


def reads_api(source: str | None, approve: list[int] | None) -> bool:
    """`--source api`, or a run without a source (the nightly one) when the settings name an API."""
    if source == API:
        return True
    return source is None and not approve and resources().settings.ledger_api_url is not None


def open_ledger_api(settings: Settings) -> LedgerApiClient:
    """The ledger-source API client of the settings; SettingsError naming what is missing. (Tests put the sandbox
    API in its place; it would sit with the other clients in `Resources` once that file grows one.)"""
    from ofm.connectors.ledger import LedgerApiClient, LedgerApiConfig

    s = settings.require("ledger-api")
    assert s.ledger_api_url is not None and s.ledger_api_token is not None
    return LedgerApiClient(LedgerApiConfig(url=s.ledger_api_url, token=s.ledger_api_token))


@task(name="pull-ledger-api-deliveries", cache_policy=NO_CACHE)
def pull_api_deliveries(run: RunInfo) -> ApiPull:
    """Each delivery listed after the saved cursor: downloaded, kept raw in the inbox under the API's name and its
    id, then mapped as a file of that name would be. The cursor is not moved here (see `save_api_cursor`)."""
    with open_ledger_api(resources().settings) as api:
        pull = ApiPull(API_CURSOR + api.config.name)
        since = resources().store.get_cursor(pull.cursor_name) or None
        for delivery in api.iter_deliveries(since):
            data = api.download(delivery)
            origin = {"api": api.config.name, "delivery": delivery.id, "source": delivery.source,
                      "created_at": delivery.created_at}
            lf = _take_in(delivery.file_name, data, f"api:{api.config.name}/deliveries/{delivery.id}", origin, run)
            pull.files.append(lf)
            pull.after[lf.received.record_ref] = delivery.cursor
            pull.listed.append(f"{delivery.id} {delivery.file_name}")
    return pull


@task(name="save-ledger-api-cursor", cache_policy=NO_CACHE)
def save_api_cursor(pull: ApiPull, unfinished: set[str], run: RunInfo) -> str | None:
    """Move the saved cursor past the pulled deliveries that have an outcome (posted, quarantined, deferred, held),
    stopping before the first of `unfinished` (refused: another run posts its company and period), which the
    next run pulls again. Runs after posting: a run that dies before it leaves the cursor where it was, and
    the next run's inbox and the Odoo anchors recognise what was already taken in and posted."""
    cursor = None
    for lf in pull.files:
        if lf.received.record_ref in unfinished:
            break
        cursor = pull.after[lf.received.record_ref]
    if cursor:
        resources().store.set_cursor(pull.cursor_name, cursor)
        audit_rows(run, "cursor-saved", [(pull.cursor_name, run.correlation_id(pull.cursor_name),
                                          {"cursor": cursor, "deliveries": len(pull.files),
                                           "held_back": len(unfinished)})])
    return cursor
