"""One task onboards the suppliers chunk by chunk (`odoo_batch_size` records), into Odoo's writes.

Each chunk is kept in the inbox, mapped, checked, decided (one audit append for the chunk's `received`,
`mapped`, `checked` and `decided` rows), and its creates claimed and marked sent, while the chunk before
is being created in Odoo by a sender thread (one write in flight, as ledger-batch posts and po-sync
creates); the chunk before is recorded (outbox done, `loaded` rows) once it is back. Updates, approved
bank accounts and holds follow once every create is done. The data-quality checkpoint (Great
Expectations) runs once on the whole batch beside the last creates, for the run's report.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.rules.supplier_decision import Action
from ofm.tasks.shared.audit import AuditBatch
from ofm.tasks.shared.outcome import Received, RecordResult
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo
from ofm.tasks.suppliers.intake import Checker, Extracted, keep, map_chunk, read_batch
from ofm.tasks.suppliers.load import Creator, LoadProgress, Pair, load_rest
from ofm.tasks.suppliers.partners import Approvals, Decider, read_references


@task(name="onboard-suppliers", cache_policy=NO_CACHE)
def onboard_suppliers(extracted: Extracted, approvals: Approvals, run: RunInfo
                      ) -> tuple[list[RecordResult], dict[str, Any]]:
    """Keep, map, check, decide and write the suppliers, chunk by chunk; one outcome per record, and the
    data-quality checkpoint's statistics."""
    size = resources().settings.odoo_batch_size
    refs, reference_sets = read_references()
    batch = read_batch(extracted)
    checker = Checker(reference_sets, batch.counts)
    decider = Decider(refs, approvals)
    decider.look_up(batch.anchors)
    progress = LoadProgress(extracted.count)
    results: list[RecordResult] = []
    later: list[Pair] = []
    unkept, items = extracted.unkept, extracted.items
    chunks = [*((unkept[i:i + size], [], i + 1) for i in range(0, len(unkept), size)),
              *(([], items[i:i + size], 0) for i in range(0, len(items), size))]
    with Creator(run, progress) as creator:
        for raws, taken_up, first in chunks:
            audit = AuditBatch(run)
            received: list[Received] = keep(raws, extracted.mapping, run, audit, first) + taken_up
            mapped, rejected = map_chunk(received, run, audit)
            passed, failed = checker.check(mapped, run, audit)
            decisions = decider.decide(passed, audit)
            audit.flush()
            results += rejected + failed
            creator.send([p for p in decisions if p[0].action is Action.CREATE])
            later += [p for p in decisions if p[0].action is not Action.CREATE]
        quality = checker.report()  # GX on the whole batch, in a thread, beside the last creates
    results += creator.results
    results += load_rest(later, run, progress)
    progress.close()
    return results, quality()
