"""Three-way match intake: supplier bills into the inbox, then mapped to canonical `VendorBill`s.

Bills come from the procurement platform's invoice intake (API since the watermark, or a JSON
export file) or as UBL 2.1 / Peppol files (one file, or a folder of them). The raw record (for
UBL the file's text and sha256) is kept in the inbox before anything reads it; a bill that does
not map is quarantined with the record id and the field path, and the batch goes on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import Lineage, VendorBill
from ofm.tasks.match.results import OBJECT_TYPE, BillResult, reject
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

CURSOR = "procurement.invoices.updated_since"
API_MAPPING, UBL_MAPPING = "procurement/invoice", "ubl/invoice"
MAX_UBL_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Bills:
    """What one extract produced: bills in the inbox, and the watermark to save once all have an outcome."""

    items: list[Received]
    watermark: str | None
    origin: str  # "api" | "file" | "replay"


@dataclass(frozen=True)
class Mapped:
    """A bill as the match reads it, with the raw record it came from."""

    bill: VendorBill
    received: Received

    @property
    def ref(self) -> str:
        return self.received.record_ref


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _store(items: list[tuple[str, str, str, dict[str, Any], str]], run: RunInfo) -> list[Received]:
    """(source, object type, external id, payload, mapping) into the inbox; identical payloads are kept once."""
    from ofm.store import InboxItem

    inbox = [InboxItem(source=src, object_type=obj, external_id=ext, revision=None, payload=payload,
                       correlation_id=run.correlation_id(f"{src}:{ext}"), flow_run_id=run.flow_run_id)
             for src, obj, ext, payload, _ in items]
    rows = resources().store.receive(inbox)
    received = [Received(raw=i.payload, mapping=m, inbox_id=row.id, lineage=Lineage(
        source_system=i.source, external_id=i.external_id, content_hash=row.sha256,
        received_at=_aware(row.received_at), correlation_id=i.correlation_id or ""))
        for i, row, (*_, m) in zip(inbox, rows, items, strict=True)]
    audit_rows(run, "received", [(r.record_ref, r.lineage.correlation_id,
                                  {"inbox_id": r.inbox_id, "sha256": r.lineage.content_hash, "mapping": r.mapping,
                                   "seen_before": row.duplicate}) for r, row in zip(received, rows, strict=True)])
    return received


def invoices_to_inbox(raws: list[dict[str, Any]], run: RunInfo) -> list[Received]:
    """Procurement invoice records (the latest of each id: a feed may hold one twice) into the inbox."""
    latest: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(raws):
        latest[str(raw.get("id") or f"row-{i + 1}")] = raw
    return _store([("procurement", "invoice", ref, raw, API_MAPPING) for ref, raw in latest.items()], run)


def ubl_payload(path: Path) -> tuple[str, dict[str, Any]]:
    """A UBL file as an inbox payload (text + sha256) and its inbox id `name@sha12`."""
    size = path.stat().st_size
    if size > MAX_UBL_BYTES:
        raise ValueError(f"{path.name}: {size} bytes is more than the {MAX_UBL_BYTES} bytes a UBL file may have")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    return f"{path.name}@{sha[:12]}", {"file": path.name, "sha256": sha, "bytes": len(data),
                                       "content": data.decode("utf-8", "replace")}


def _ubl_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    return [path]


@task(name="extract-bills", cache_policy=NO_CACHE)
def extract_bills(source: str | None, run: RunInfo) -> Bills:
    """Bills from the API (since the watermark), a JSON export, a UBL file or a folder of UBL files."""
    if source:
        path = Path(source)
        if path.is_dir() or path.suffix.lower() == ".xml":
            items = [ubl_payload(p) for p in _ubl_files(path)]
            return Bills(_store([("ubl", "invoice-file", ref, payload, UBL_MAPPING) for ref, payload in items], run),
                         None, "file")
        from ofm.connectors.procurement import read_export_file

        return Bills(invoices_to_inbox(read_export_file(path), run), None, "file")
    since = resources().store.get_cursor(CURSOR)
    raws: list[dict[str, Any]] = []
    watermark = since
    for page in resources().procurement.iter_pages("invoices", since):
        raws.extend(page.records)
        watermark = page.next_watermark or watermark
    return Bills(invoices_to_inbox(raws, run), watermark, "api")


@task(name="extract-bills-from-quarantine", cache_policy=NO_CACHE)
def extract_replay(ids: list[int], run: RunInfo) -> Bills:
    """The raw bills behind open quarantine entries, back through the inbox, marked with their entry."""
    store = resources().store
    rows = []
    for qid in ids:
        row = store.get_quarantine(qid)
        if row is None:
            raise ValueError(f"quarantine entry {qid} does not exist")
        if row.status != "open":
            raise ValueError(f"quarantine entry {qid} is {row.status}; only open entries can be replayed")
        if row.object_type != OBJECT_TYPE:
            raise ValueError(f"quarantine entry {qid} is a {row.object_type}, not a vendor bill")
        rows.append(row)
    items = []
    for row in rows:
        if row.source == UBL_MAPPING:
            ext = row.record_ref.split(":", 1)[1]
            items.append(("ubl", "invoice-file", ext, row.payload, UBL_MAPPING))
        else:
            items.append(("procurement", "invoice", str(row.payload.get("id")), row.payload, API_MAPPING))
    received = _store(items, run)
    qids = {row.record_ref: row.id for row in rows}
    return Bills([replace(r, quarantine_id=qids.get(r.record_ref)) for r in received], None, "replay")


def _map_one(item: Received) -> VendorBill:
    if item.mapping == UBL_MAPPING:
        from ofm.connectors.ubl import parse_ubl_invoice

        bill = parse_ubl_invoice(item.raw["content"].encode("utf-8"), item.raw["file"])
        return bill.model_copy(update={"lineage": item.lineage})
    from ofm.mappings.vendor_bill import map_invoice

    return map_invoice(item.raw, item.lineage)


@task(name="map-bills", cache_policy=NO_CACHE)
def map_bills(items: list[Received], run: RunInfo) -> tuple[list[Mapped], list[BillResult]]:
    """Raw records to VendorBills; one that does not map is quarantined with its field path."""
    from ofm.connectors.ubl import UblError
    from ofm.mappings.vendor_bill import BillMappingError

    mapped: list[Mapped] = []
    failed: list[tuple[Received, str, str | None]] = []
    for item in items:
        try:
            mapped.append(Mapped(_map_one(item), item))
        except BillMappingError as exc:
            failed.append((item, str(exc), exc.path))
        except UblError as exc:
            failed.append((item, str(exc), getattr(exc, "position", None)))
    rejected = reject(run, "map", [(item, "business", reason, fld, "accounts-payable")
                                   for item, reason, fld in failed])
    audit_rows(run, "mapped", [(m.ref, m.received.lineage.correlation_id,
                                {"mapping": m.received.mapping, "bill_number": m.bill.bill_number,
                                 "kind": m.bill.kind.value, "lines": len(m.bill.lines), "total": str(m.bill.total)})
                               for m in mapped])
    return mapped, rejected
