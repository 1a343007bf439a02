"""Intake tasks: extract into the inbox, map to canonical, run the data-quality checkpoint.

Every step quarantines what it rejects, with the field or expectation that failed, and
appends one audit row per record: nothing received is ever silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import Lineage, Supplier
from ofm.memory import paused_gc
from ofm.tasks.shared.artifacts import publish_markdown
from ofm.tasks.shared.audit import audit_rows, quarantine_records
from ofm.tasks.shared.outcome import Received, RecordResult
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

API_MAPPING = "procurement/supplier"
CSV_MAPPING = "procurement/supplier_csv"
CURSOR = "procurement.suppliers.updated_since"


@dataclass(frozen=True)
class Extracted:
    """What one extract produced: records in the inbox, and the watermark to save on success."""

    items: list[Received]
    watermark: str | None
    origin: str  # "api" | "file" | "replay"


def mapping_spec(mapping: str):
    from ofm.mappings.engine import bundled_mapping, load_mapping

    folder = resources().settings.mapping_dir
    path = folder / f"{mapping}.yaml" if folder else bundled_mapping(mapping)
    return load_mapping(path)


def _latest_per_record(raws: list[dict[str, Any]], spec) -> list[dict[str, Any]]:
    """A feed may hold one supplier twice (updated while paging): keep its latest revision."""
    latest: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for i, raw in enumerate(raws):
        key = str(raw.get(spec.id_field) or f"row-{i + 1}")
        if key not in latest:
            order.append(key)
            latest[key] = raw
        elif _revision(raw, spec) >= _revision(latest[key], spec):
            latest[key] = raw
    return [latest[k] for k in order]


def _revision(raw: dict[str, Any], spec) -> int:
    try:
        return int(raw.get(spec.revision_field) or 0)
    except (TypeError, ValueError):
        return 0


def to_inbox(raws: list[dict[str, Any]], mapping: str, run: RunInfo) -> list[Received]:
    """Store raw records in the inbox (sha256 kept) before anything else looks at them."""
    from ofm.store import InboxItem

    spec = mapping_spec(mapping)
    raws = _latest_per_record(raws, spec)
    refs = [str(raw.get(spec.id_field) or f"row-{i + 1}") for i, raw in enumerate(raws)]
    items = [
        InboxItem(source=spec.source, object_type=spec.object, external_id=ref,
                  revision=_revision(raw, spec) or None, payload=raw,
                  correlation_id=run.correlation_id(f"{spec.source}:{ref}"),
                  flow_run_id=run.flow_run_id)
        for ref, raw in zip(refs, raws, strict=True)
    ]
    stored = resources().store.receive(items)
    received = [
        Received(raw=raw, mapping=mapping, inbox_id=row.id, lineage=Lineage(
            source_system=spec.source, external_id=item.external_id, revision=item.revision,
            content_hash=row.sha256, received_at=row.received_at.replace(tzinfo=UTC)
            if row.received_at.tzinfo is None else row.received_at,
            correlation_id=item.correlation_id))
        for raw, item, row in zip(raws, items, stored, strict=True)
    ]
    audit_rows(run, "received", [
        (r.record_ref, r.lineage.correlation_id,
         {"inbox_id": r.inbox_id, "sha256": r.lineage.content_hash, "revision": r.lineage.revision,
          "seen_before": row.duplicate})
        for r, row in zip(received, stored, strict=True)
    ])
    return received


@task(name="extract-suppliers", cache_policy=NO_CACHE)
def extract_suppliers(source: str | None, full_refresh: bool, run: RunInfo) -> Extracted:
    """Read suppliers from a file drop or the procurement API into the inbox."""
    if source:
        from ofm.connectors.procurement import read_supplier_file

        batch = read_supplier_file(Path(source))
        mapping = CSV_MAPPING if batch.format == "csv" else API_MAPPING
        return Extracted(to_inbox(batch.records, mapping, run), None, "file")
    store = resources().store
    since = None if full_refresh else store.get_cursor(CURSOR)
    raws: list[dict[str, Any]] = []
    watermark = since
    for page in resources().procurement.iter_supplier_pages(since):
        raws.extend(page.records)
        watermark = page.next_watermark or watermark
    return Extracted(to_inbox(raws, API_MAPPING, run), watermark, "api")


@task(name="map-suppliers", cache_policy=NO_CACHE)
def map_suppliers(
    items: list[Received], run: RunInfo,
) -> tuple[list[tuple[Supplier, Received]], list[RecordResult]]:
    """Apply the declarative mapping; a record that does not map goes to quarantine."""
    from ofm.mappings.engine import map_batch

    mapped: list[tuple[Supplier, Received]] = []
    rejected: list[tuple[Received, str, str | None]] = []
    by_mapping: dict[str, list[Received]] = {}
    for item in items:
        by_mapping.setdefault(item.mapping, []).append(item)
    with paused_gc():  # thousands of acyclic records and rows: no full collection walking them again and again
        for mapping, group in by_mapping.items():
            by_ref = {g.record_ref: g for g in group}
            suppliers, failures = map_batch(mapping_spec(mapping), [(g.raw, g.lineage) for g in group])
            mapped.extend((s, by_ref[s.record_ref]) for s in suppliers)
            rejected.extend((by_ref[f.record_ref], str(f), f.field) for f in failures)
        results = quarantine_records(run, "map", [(item, "business", reason, fld, "vendor-master")
                                                  for item, reason, fld in rejected])
        audit_rows(run, "mapped", [(s.record_ref, r.lineage.correlation_id,
                                    {"mapping": r.mapping, "vat": s.vat, "vendor_code": s.vendor_code})
                                   for s, r in mapped])
    return mapped, results


@task(name="check-suppliers", cache_policy=NO_CACHE)
def check_suppliers(
    mapped: list[tuple[Supplier, Received]], references: dict[str, set[str]], run: RunInfo,
) -> tuple[list[tuple[Supplier, Received]], list[RecordResult], dict[str, Any]]:
    """Data-quality checkpoint (Great Expectations suite declared in mappings/quality)."""
    from ofm.mappings.quality import bundled_suite, run_checkpoint

    if not mapped:
        return [], [], {}
    by_ref = {s.record_ref: (s, r) for s, r in mapped}
    result = run_checkpoint(bundled_suite("supplier"), [s for s, _ in mapped], references)
    failed: dict[str, list] = {}
    for failure in result.failures:
        failed.setdefault(failure.record_ref, []).append(failure)
    results = quarantine_records(run, "check", [
        (by_ref[ref][1], fs[0].category, "; ".join(f.message for f in fs),
         ", ".join(sorted({f"{f.column} ({f.check})" for f in fs})), fs[0].owner_team)
        for ref, fs in failed.items()
    ])
    publish_markdown("supplier-data-quality", result.markdown, "Data-quality checkpoint of the supplier batch")
    passed = [by_ref[s.record_ref] for s in result.passed]
    audit_rows(run, "checked", [(s.record_ref, r.lineage.correlation_id, {"passed": True})
                                for s, r in passed])
    return passed, results, result.stats
