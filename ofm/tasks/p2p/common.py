"""What the purchase-order and goods-receipt flows share: intake into the inbox, documents waiting on a
dependency, per-document outcomes, acknowledgements, the run summary.

A document that waits on a dependency (an order whose supplier is not onboarded yet, a receipt whose
order is not in Odoo yet) is kept as an open quarantine entry of category `dependency`: every run of
its flow takes those entries up again before reading anything new, and resolves them once the
document goes through. It is visible (`ofm quarantine list --category dependency`) but needs nobody.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from ofm.canonical import Lineage
from ofm.tasks.shared.artifacts import publish_markdown, publish_table, reason_text
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.ownership import ELSEWHERE
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

SOURCE = "procurement"
DEPENDENCY = "dependency"
FINAL_OK = ("created", "updated", "unchanged", "ignored", "applied", "cancelled")


@dataclass(frozen=True)
class Kind:
    """One procurement document type: its API path, inbox object type, cursor and ack statuses."""

    api: str            # "purchase-orders" | "receipts"
    object_type: str    # "purchase_order" | "goods_receipt"
    cursor: str
    title: str


ORDERS = Kind("purchase-orders", "purchase_order", "procurement.purchase_orders.updated_since", "Purchase orders")
RECEIPTS = Kind("receipts", "goods_receipt", "procurement.receipts.updated_since", "Goods receipts")


@dataclass(frozen=True)
class Intake:
    items: list[Received]
    watermark: str | None
    origin: str  # api | file | replay
    # documents read but not in the inbox yet (ref, raw): the flow keeps them chunk by chunk, each chunk
    # before anything reads it (`keep`); they come before `items` (the waiting ones) in the run's order
    unkept: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.unkept) + len(self.items)


@dataclass(frozen=True)
class DocResult:
    """The outcome of one document in one run. `status` is what the platform is told."""

    received: Received
    status: str       # created | updated | unchanged | cancelled | ignored | waiting | applied | rejected
    #                   | in progress elsewhere (another live run owns it: not written, not acknowledged here)
    odoo_id: int | None = None
    odoo_ref: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass
class Results:
    received: int = 0
    by_ref: dict[str, DocResult] = field(default_factory=dict)

    def add(self, results: list[DocResult]) -> None:
        for r in results:
            self.by_ref[r.received.record_ref] = r

    def counts(self) -> dict[str, int]:
        return {"received": self.received, **Counter(r.status for r in self.by_ref.values())}

    def reconciles(self) -> bool:
        return self.received == len(self.by_ref)


def _revision(raw: dict[str, Any]) -> int:
    try:
        return int(raw.get("revision") or 0)
    except (TypeError, ValueError):
        return 0


def latest(raws: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(ref, raw) of the latest revision per id, in the order the ids first came."""
    out: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(raws):
        ref = str(raw.get("id") or f"row-{i + 1}")
        if ref not in out or _revision(raw) >= _revision(out[ref]):
            out[ref] = raw
    return list(out.items())


def to_inbox(raws: list[dict[str, Any]], kind: Kind, run: RunInfo) -> list[Received]:
    """Keep raw documents (latest revision per id) in the inbox before anything reads them."""
    return keep(latest(raws), kind, run)


def keep(docs: list[tuple[str, dict[str, Any]]], kind: Kind, run: RunInfo) -> list[Received]:
    """Keep (ref, raw) documents in the inbox, one call and one audit row each; what the run works on."""
    from ofm.store import InboxItem

    if not docs:
        return []
    items = [InboxItem(source=SOURCE, object_type=kind.object_type, external_id=ref,
                       revision=_revision(raw) or None, payload=raw,
                       correlation_id=run.correlation_id(f"{SOURCE}:{ref}"), flow_run_id=run.flow_run_id)
             for ref, raw in docs]
    stored = resources().store.receive(items)
    received = [_received(item.payload, item.external_id, item.revision, row.sha256, row.received_at,
                          item.correlation_id, kind, row.id) for item, row in zip(items, stored, strict=True)]
    audit_rows(run, "received", [(r.record_ref, r.lineage.correlation_id,
                                  {"inbox_id": r.inbox_id, "sha256": r.lineage.content_hash,
                                   "revision": r.lineage.revision, "seen_before": row.duplicate})
                                 for r, row in zip(received, stored, strict=True)])
    return received


def _received(raw: dict[str, Any], ref: str, revision: int | None, sha: str, at: Any, corr: str, kind: Kind,
              inbox_id: int | None = None, quarantine_id: int | None = None) -> Received:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return Received(raw=raw, mapping=f"procurement/{kind.object_type}", inbox_id=inbox_id, quarantine_id=quarantine_id,
                    lineage=Lineage(source_system=SOURCE, external_id=ref, revision=revision, content_hash=sha,
                                    received_at=at, correlation_id=corr))


def read_source(kind: Kind, source: str | None, full_refresh: bool, run: RunInfo, defer: bool = False) -> Intake:
    """New documents from an export file or the procurement API (since the saved watermark). `defer`: not kept in
    the inbox yet (`Intake.unkept`), the flow keeps them chunk by chunk before it reads them."""
    if source:
        from ofm.connectors.procurement import read_export_file

        docs = latest(read_export_file(Path(source)))
        return Intake([], None, "file", docs) if defer else Intake(keep(docs, kind, run), None, "file")
    store = resources().store
    since = None if full_refresh else store.get_cursor(kind.cursor)
    raws: list[dict[str, Any]] = []
    watermark = since
    for page in resources().procurement.iter_pages(kind.api, since):
        raws.extend(page.records)
        watermark = page.next_watermark or watermark
    docs = latest(raws)
    return Intake([], watermark, "api", docs) if defer else Intake(keep(docs, kind, run), watermark, "api")


def from_quarantine(kind: Kind, run: RunInfo, ids: list[int] | None = None) -> list[Received]:
    """Documents to take up again: the given quarantine entries, or (ids None) every open `dependency` one."""
    from ofm.canonical import content_hash

    store = resources().store
    rows = ([store.get_quarantine(i) for i in ids] if ids is not None
            else store.list_quarantine(status="open", category=DEPENDENCY, limit=100_000))
    out = []
    for row in rows:
        if row is None or row.object_type != kind.object_type or row.status != "open" or not row.payload:
            continue
        ref = row.record_ref.split(":", 1)[1] if ":" in row.record_ref else row.record_ref
        out.append(_received(row.payload, ref, _revision(row.payload) or None, content_hash(row.payload),
                             row.created_at, run.correlation_id(row.record_ref), kind, quarantine_id=row.id))
    return out


def merge(new: list[Received], waiting: list[Received]) -> list[Received]:
    """New documents, plus waiting ones the new batch does not replace."""
    seen = {r.record_ref for r in new}
    return new + [w for w in waiting if w.record_ref not in seen]


def hold(run: RunInfo, rows: list[tuple[Received, str, str, str | None, str]], object_type: str,
         status: str) -> list[DocResult]:
    """Quarantine (record, category, reason, field, owner) and return the outcomes with `status`."""
    from ofm.store import QuarantineEntry

    if not rows:
        return []
    stored = resources().store.quarantine([
        QuarantineEntry(record_ref=item.record_ref, source=item.mapping, object_type=object_type,
                        category=category, reason=reason, field=fld, owner_team=owner, payload=item.raw,
                        correlation_id=item.lineage.correlation_id, flow_run_id=run.flow_run_id)
        for item, category, reason, fld, owner in rows])
    audit_rows(run, "quarantined" if status != "waiting" else "waiting", [
        (item.record_ref, item.lineage.correlation_id,
         {"quarantine_id": q.id, "category": category, "reason": reason, "field": fld, "owner_team": owner})
        for (item, category, reason, fld, owner), q in zip(rows, stored, strict=True)])
    return [DocResult(item, status, reasons=(reason,)) for item, _, reason, _, _ in rows]


def close_through(results: Results, run: RunInfo) -> int:
    """Documents that went through resolve their open quarantine entries (waiting ones included)."""
    refs = [ref for ref, r in results.by_ref.items() if r.status in FINAL_OK]
    return resources().store.resolve_open(refs, run.actor, f"went through in run {run.run_id}") if refs else 0


NOT_ACKED = (ELSEWHERE,)  # the run that owns the record acknowledges it
ACK_STATUS = {"purchase-orders": {"cancelled": "updated", "waiting": "waiting", "rejected": "rejected"},
              "receipts": {"waiting": "held"}}


def acknowledge(results: Results, kind: Kind, origin: str, run: RunInfo) -> int:
    """Tell the platform what happened to each document (API) or write an ack file (file drop)."""
    from ofm.connectors.procurement import Acknowledgement

    docs = [r for r in results.by_ref.values() if r.status not in NOT_ACKED]
    if not docs:
        return 0
    status = ACK_STATUS.get(kind.api, {})
    acks = [Acknowledgement(external_id=r.received.lineage.external_id, revision=r.received.lineage.revision,
                            status=status.get(r.status, r.status), odoo_id=r.odoo_id, odoo_ref=r.odoo_ref,
                            reasons=list(r.reasons), correlation_id=r.received.lineage.correlation_id)
            for r in docs]
    if origin == "api":
        resources().procurement.acknowledge(acks, kind=kind.api)
    else:
        folder = resources().settings.ack_dir
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{kind.api}-{run.run_id}.json").write_text(json.dumps([asdict(a) for a in acks], indent=1))
    audit_rows(run, "acknowledged", [(r.received.record_ref, r.received.lineage.correlation_id,
                                      {"status": status.get(r.status, r.status), "via": origin}) for r in docs])
    return len(acks)


def publish(results: Results, kind: Kind, run: RunInfo, origin: str, writes: int, extra: str = "") -> str:
    """Markdown summary + exceptions table as Prefect artifacts; counts as run metrics."""
    counts = results.counts()
    statuses = [s for s in ("created", "updated", "applied", "cancelled", "unchanged", "ignored", "waiting",
                            "rejected", ELSEWHERE) if s in counts]
    lines = [f"# {kind.title} ({origin})", "", "| received | " + " | ".join(statuses) + " |",
             "|---:|" + "---:|" * len(statuses), f"| {counts['received']} | "
             + " | ".join(str(counts[s]) for s in statuses) + " |", "",
             f"Counts reconcile: **{'yes' if results.reconciles() else 'NO'}**. Odoo write calls: **{writes}**"
             f"{' (nothing to write)' if writes == 0 else ''}.", extra,
             f"Run id `{run.run_id}`; trace one document with `ofm audit trail procurement:<id>`."]
    markdown = "\n".join(line for line in lines if line is not None)
    slug = kind.api
    publish_markdown(f"{slug}-summary", markdown, f"{kind.title}: counts")
    rows = [{"document": r.received.record_ref, "status": r.status, "odoo": r.odoo_ref or "",
             "reasons": reason_text(r.reasons)}
            for r in results.by_ref.values() if r.status in ("waiting", "rejected")]
    publish_table(f"{slug}-exceptions", rows, ("document", "status", "odoo", "reasons"),
                  f"{kind.title} waiting or refused, with their reasons")
    metrics = {k: float(v) for k, v in counts.items()} | {"odoo_write_calls": float(writes)}
    resources().store.record_metrics(run.flow_run_id or run.run_id, run.flow_name, metrics)
    return markdown


def take_in(kind: Kind, source: str | None, full_refresh: bool, replay: list[int] | None, run: RunInfo,
            defer: bool = False) -> Intake:
    """What a run works on: the replayed entries, or what is new plus every document still waiting.
    `defer`: the new documents are not kept in the inbox yet (see `read_source`)."""
    if replay:
        return Intake(from_quarantine(kind, run, replay), None, "replay")
    intake = read_source(kind, source, full_refresh, run, defer)
    if defer:
        new = {f"{SOURCE}:{ref}" for ref, _ in intake.unkept}
        waiting = [w for w in from_quarantine(kind, run) if w.record_ref not in new]
        return Intake(waiting, intake.watermark, intake.origin, intake.unkept)
    return Intake(merge(intake.items, from_quarantine(kind, run)), intake.watermark, intake.origin)


def finish(results: Results, kind: Kind, intake: Intake, run: RunInfo, writes: int, key: str,
           extra: str = "") -> dict[str, Any]:
    """Close what went through, tell the platform, move the watermark (only now: a crash before this
    re-reads, never skips), publish; the flow's return value."""
    close_through(results, run)
    acknowledge(results, kind, intake.origin, run)
    # not past records left to another run: should that run die, the next run must read them again
    if intake.origin == "api" and intake.watermark and not results.counts().get(ELSEWHERE):
        resources().store.set_cursor(kind.cursor, intake.watermark)
    markdown = publish(results, kind, run, intake.origin, writes, extra)
    return {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "origin": intake.origin,
            "counts": results.counts(), "reconciles": results.reconciles(), "odoo_writes": writes,
            "summary": markdown,
            key: {r.received.lineage.external_id: {"status": r.status, "odoo": r.odoo_ref, "reasons": list(r.reasons)}
                  for r in results.by_ref.values()}}
