"""Intake tasks: extract into the inbox, map to canonical, run the data-quality checkpoint.

Every step quarantines what it rejects, with the field or expectation that failed, and
appends one audit row per record: nothing received is ever silently dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import Lineage, Supplier
from ofm.memory import paused_gc
from ofm.tasks.shared.artifacts import publish_markdown
from ofm.tasks.shared.audit import AuditBatch, audit_rows
from ofm.tasks.shared.outcome import Received, RecordResult
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo

API_MAPPING = "procurement/supplier"
CSV_MAPPING = "procurement/supplier_csv"
CURSOR = "procurement.suppliers.updated_since"


@dataclass(frozen=True)
class Extracted:
    """What one extract produced: records to onboard, and the watermark to save on success.

    `unkept`: raw records read from the source (the latest revision of each), not in the inbox yet: the run keeps
    them chunk by chunk, each chunk before anything reads it (`keep`), read through `mapping`; `items`: records
    already in the inbox (a replay). The run works on `unkept` first, then `items`."""

    items: list[Received]
    watermark: str | None
    origin: str  # "api" | "file" | "replay"
    unkept: list[dict[str, Any]] = field(default_factory=list)
    mapping: str = API_MAPPING

    @property
    def count(self) -> int:
        return len(self.unkept) + len(self.items)


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
    """Store raw records (the latest revision of each) in the inbox before anything else looks at them."""
    return keep(_latest_per_record(raws, mapping_spec(mapping)), mapping, run)


def keep(raws: list[dict[str, Any]], mapping: str, run: RunInfo, audit: AuditBatch | None = None,
         first: int = 1) -> list[Received]:
    """Store raw records in the inbox (sha256 kept) before anything else looks at them; one `received` audit row
    each (into `audit` when given, written with the rest of the chunk's rows). `first`: the position of the first
    record in its source, for records without an id (`row-<position>`)."""
    from ofm.store import InboxItem

    if not raws:
        return []
    spec = mapping_spec(mapping)
    refs = [str(raw.get(spec.id_field) or f"row-{i}") for i, raw in enumerate(raws, start=first)]
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
    rows = [(r.record_ref, r.lineage.correlation_id,
             {"inbox_id": r.inbox_id, "sha256": r.lineage.content_hash, "revision": r.lineage.revision,
              "seen_before": row.duplicate})
            for r, row in zip(received, stored, strict=True)]
    if audit is None:
        audit_rows(run, "received", rows)
    else:
        audit.add("received", rows)
    return received


@task(name="extract-suppliers", cache_policy=NO_CACHE)
def extract_suppliers(source: str | None, full_refresh: bool, run: RunInfo) -> Extracted:
    """Read suppliers from a file drop or the procurement API (the run keeps them in the inbox chunk by chunk)."""
    if source:
        from ofm.connectors.procurement import read_supplier_file

        batch = read_supplier_file(Path(source))
        mapping = CSV_MAPPING if batch.format == "csv" else API_MAPPING
        return Extracted([], None, "file", _latest_per_record(batch.records, mapping_spec(mapping)), mapping)
    store = resources().store
    since = None if full_refresh else store.get_cursor(CURSOR)
    raws: list[dict[str, Any]] = []
    watermark = since
    for page in resources().procurement.iter_supplier_pages(since):
        raws.extend(page.records)
        watermark = page.next_watermark or watermark
    return Extracted([], watermark, "api", _latest_per_record(raws, mapping_spec(API_MAPPING)), API_MAPPING)


def map_chunk(items: list[Received], run: RunInfo, audit: AuditBatch
              ) -> tuple[list[tuple[Supplier, Received]], list[RecordResult]]:
    """Apply the declarative mapping; a record that does not map goes to quarantine (the chunk's audit rows so far
    written first, so that a record's trail stays in order)."""
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
        audit.add("mapped", [(s.record_ref, r.lineage.correlation_id,
                              {"mapping": r.mapping, "vat": s.vat, "vendor_code": s.vendor_code}) for s, r in mapped])
        results = audit.quarantine(run, "map", [(item, "business", reason, fld, "vendor-master")
                                                for item, reason, fld in rejected])
    return mapped, results


class Checker:
    """The data-quality checkpoint (the suite declared in mappings/quality), chunk by chunk.

    Each chunk is decided by the suite evaluated in plain Python (`evaluate`; a GX validation run costs ~0.4 s
    whatever its size, more than Odoo takes to create a chunk), its uniqueness checks against the whole run's
    batch (`read_batch`). Once every chunk is decided, `report` runs the Great Expectations checkpoint on the
    whole batch (beside the last writes) for the run's data-quality report and statistics, and makes sure it
    failed exactly the records the chunks failed."""

    def __init__(self, references: dict[str, set[str]], counts: dict[str, Counter]) -> None:
        from ofm.mappings.quality import bundled_suite

        self.suite, self.references, self.counts = bundled_suite("supplier"), references, counts
        self.mapped: list[Supplier] = []
        self.failed: set[tuple[str, str]] = set()

    def check(self, mapped: list[tuple[Supplier, Received]], run: RunInfo, audit: AuditBatch
              ) -> tuple[list[tuple[Supplier, Received]], list[RecordResult]]:
        from ofm.mappings.quality import evaluate

        if not mapped:
            return [], []
        by_ref = {s.record_ref: (s, r) for s, r in mapped}
        result = evaluate(self.suite, [s for s, _ in mapped], self.references, self.counts)
        self.mapped += [s for s, _ in mapped]
        self.failed |= {(f.record_ref, f.check) for f in result.failures}
        failed: dict[str, list] = {}
        for failure in result.failures:
            failed.setdefault(failure.record_ref, []).append(failure)
        results = audit.quarantine(run, "check", [
            (by_ref[ref][1], fs[0].category, "; ".join(f.message for f in fs),
             ", ".join(sorted({f"{f.column} ({f.check})" for f in fs})), fs[0].owner_team)
            for ref, fs in failed.items()
        ])
        passed = [by_ref[s.record_ref] for s in result.passed]
        audit.add("checked", [(s.record_ref, r.lineage.correlation_id, {"passed": True}) for s, r in passed])
        return passed, results

    def report(self) -> Callable[[], dict[str, Any]]:
        """Start the GX checkpoint of the whole batch in a thread; call the answer to publish its report (in the
        task) and get its statistics. A record GX judges otherwise than the chunks did stops the run."""
        from concurrent.futures import ThreadPoolExecutor

        from ofm.mappings.quality import run_checkpoint

        if not self.mapped:
            return dict
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ofm-suppliers-gx")
        future = pool.submit(run_checkpoint, self.suite, self.mapped, self.references)
        pool.shutdown(wait=False)

        def publish() -> dict[str, Any]:
            result = future.result()
            publish_markdown("supplier-data-quality", result.markdown, "Data-quality checkpoint of the supplier batch")
            gx = {(f.record_ref, f.check) for f in result.failures}
            if gx != self.failed:
                differ = sorted({ref for ref, _ in gx ^ self.failed})
                raise RuntimeError(f"the data-quality checkpoint and the chunk checks disagree on {len(differ)} "
                                   f"record(s): {', '.join(differ[:10])}")
            return result.stats

        return publish


@dataclass(frozen=True)
class Batch:
    """What the run knows of its whole batch before the first chunk: for each column a uniqueness check of the
    supplier suite reads (vat, vendor_code), how many records of the batch that map hold each value used more
    than once (a value held once needs no entry); and each record's (mapping, vat, vendor_code), to look the
    partners up in one read."""

    counts: dict[str, Counter]
    anchors: list[tuple[str, Any, Any]]


def read_batch(extracted: Extracted) -> Batch:
    """Each raw value goes through its mapping's rules for vat and vendor_code; only the few records sharing a
    value are mapped whole here, to leave out those that do not map (the checkpoint sees mapped records only)."""
    from ofm.mappings.engine import map_batch
    from ofm.mappings.quality import bundled_suite, unique_columns

    unique = unique_columns(bundled_suite("supplier"))
    columns = sorted({*unique, "vat", "vendor_code"})
    records = [(extracted.mapping, raw) for raw in extracted.unkept] + [(i.mapping, i.raw) for i in extracted.items]
    rules = {m: {r.target: r for r in mapping_spec(m).fields if r.target in columns} for m in {m for m, _ in records}}
    values: dict[str, list[Any]] = {c: [] for c in columns}
    for mapping, raw in records:
        for column in columns:
            values[column].append(_field_value(rules[mapping].get(column), raw))
    shared = {c: {v for v, n in Counter(v for v in values[c] if v is not None).items() if n > 1} for c in unique}
    suspects = sorted({i for c in unique for i, v in enumerate(values[c]) if v in shared[c]})
    counts: dict[str, Counter] = {c: Counter() for c in unique}
    for i in suspects:
        mapping, raw = records[i]
        if map_batch(mapping_spec(mapping), [(raw, _PROBE)])[0]:  # it maps: the checkpoint would see it
            for column in unique:
                if values[column][i] in shared[column]:
                    counts[column][values[column][i]] += 1
    return Batch(counts, [(m, vat, code) for (m, _), vat, code in
                          zip(records, values["vat"], values["vendor_code"], strict=True)])


def _field_value(rule: Any, raw: Any) -> Any:
    """A raw record's canonical value of one field (None when it has none or it does not map)."""
    from ofm.mappings.engine import field_value

    if rule is None or not isinstance(raw, dict):
        return None
    return field_value(rule, raw)


_PROBE = Lineage(source_system="probe", external_id="probe", content_hash="0" * 64,
                 received_at=datetime(2000, 1, 1, tzinfo=UTC), correlation_id="probe")
