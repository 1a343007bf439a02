"""Bank reconciliation: a bank statement file into Odoo, matched and reconciled where certain.

The file is kept in the inbox, parsed (camt.05x, MT940, OFX, CSV), checked (balances,
continuity with the account's previous statement, judged on what Odoo does not have yet) and
routed to its Odoo bank journal, whose own bank account must be the statement's; each statement
becomes one account.bank.statement with its balances, and its booked entries statement lines
in it, exactly once (anchored by their identity); the open receivable/payable items are read in
one go and matched by a cascade of rules; what is certain is reconciled in Odoo (the line takes
the item's partner), the rest waits in quarantine with ranked suggestions. A run leaves: a
summary with the match rate per rule and the cash position, a table of unmatched entries, audit
rows naming the rule of every reconciliation. A held or refused file imports nothing, and its
result says why (`file.error` / `file.held`); `ofm run bank-reconciliation` then exits 3.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from prefect import flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from ofm.memory import freeze_once
from ofm.tasks.bank.intake import check_and_route, read_statement_file, remember_statements, summary_of
from ofm.tasks.bank.lines import booked, import_lines, read_open_items
from ofm.tasks.bank.reconcile import hold_unmatched, match_entries, reconcile
from ofm.tasks.bank.report import cash_position, publish
from ofm.tasks.shared.ownership import ELSEWHERE
from ofm.tasks.shared.resources import resources, use_thread_resources
from ofm.tasks.shared.runinfo import current_run, running
from ofm.tasks.shared.runstate import EXCEPTIONS_STATE, exception_count, finish, stamp

T = TypeVar("T")


def _run_name() -> str:
    name = Path(str(flow_run.parameters.get("file") or "statement")).name
    return f"bank-{name}-{stamp()}"


@flow(name="bank-reconciliation", flow_run_name=_run_name, log_prints=False)
def bank_reconciliation(file: str, csv_mapping: str | None = None, actor: str = "ofm") -> dict:
    """Import a statement file into its Odoo bank journal and reconcile what is certain.
    `csv_mapping`: the mapping of a CSV statement; `actor`: who runs it, for the audit trail."""
    freeze_once()  # the imports out of the collector's walk: no full collection over them mid-run
    with running("bank-reconciliation", actor) as run:
        bank = check_and_route(read_statement_file(file, run, csv_mapping), run)
        entries = sum(len(s.entries) for s in bank.statements)
        counts = {"entries": entries, "booked": 0, "imported": 0, "already_imported": 0, "reconciled": 0,
                  "unmatched": 0, "held": entries if (bank.error or bank.held) else 0}
        reconciled: dict[str, str] = {}
        matching, position = None, []
        if not (bank.error or bank.held):
            # the open items are not the statement lines the import creates (OPEN_ITEMS leaves those out): they
            # are read while the lines go in, instead of after
            with alongside(read_open_items) as open_items_later:
                lines, created, left = import_lines(quote(bank), run)
            counts.update(booked=len(booked(bank)), imported=created,
                          already_imported=len(booked(bank)) - created - len(left))
            open_items = open_items_later.result()
            matching = match_entries(quote(bank), quote(lines), quote(open_items), run)
            reconciled, left_matches = reconcile(quote(bank), quote(lines), quote(open_items), quote(matching), run)
            # entries another live run is importing or reconciling: that run does it and reports it
            counts[ELSEWHERE] = len(left | left_matches)
            hold_unmatched(quote(bank), quote(matching), run, quote(open_items), quote(lines))
            counts.update(reconciled=len(reconciled), unmatched=len(matching.result.unmatched),
                          reconciled_before=sum(1 for line in lines.values() if line.reconciled))
            remember_statements(bank)
            position = cash_position(quote(bank))
        markdown = publish(quote(bank), counts, reconciled, quote(matching), position, run)
        per_rule = {rule: sum(1 for r in reconciled.values() if r == rule) for rule in set(reconciled.values())}
        result = {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "file": summary_of(bank), "counts": counts,
                  "rules": per_rule,
                  "cash_position": position, "summary": markdown,
                  "unmatched": [{"entry": u.entry_id, "reason": u.reason,
                                 "suggestions": [s.why for s in u.suggestions]}
                                for u in (matching.result.unmatched if matching else [])]}
        held = exception_count(counts, ("held", "unmatched")) or int(bool(bank.error or bank.held))  # a refused file
        return finish(run, result, held, sources=["bank"], warnings=bank.warnings)


@contextmanager
def alongside(task: Callable[[], T]) -> Iterator[Future[T]]:
    """Run `task` (a Prefect task: it stays a task run of this flow run) in a thread beside the block, with this
    thread's resources and context; its answer (or error) is the future's. The block's error wins: the thread is
    waited for either way."""
    res = resources()
    context = contextvars.copy_context()

    def call() -> T:
        with use_thread_resources(res):
            return task()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ofm-bank-read") as pool:
        yield pool.submit(context.run, call)


def _folder_run_name() -> str:
    return f"bank-folder-{stamp()}"


@flow(name="bank-statement-folder", flow_run_name=_folder_run_name, log_prints=False)
def bank_statement_folder(folder: str | None = None, actor: str = "ofm") -> list[dict]:
    """Every statement file in the watched folder (default OFM_BANK_DROP_DIR), one run each, oldest
    name first; afterwards each file moves to `done/` or `held/` beside it, so the folder holds only
    what is still to do."""
    path = Path(folder) if folder else resources().settings.bank_drop_dir
    if path is None:
        raise ValueError("no folder given and OFM_BANK_DROP_DIR is not set")
    path.mkdir(parents=True, exist_ok=True)
    results = []
    for file in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        result = bank_reconciliation(file=str(file), actor=actor)
        target = path / ("held" if result["file"]["error"] or result["file"]["held"] else "done")
        target.mkdir(exist_ok=True)
        file.rename(target / file.name)
        results.append(result)
    waiting = sum(1 for r in results if r.get("state") == EXCEPTIONS_STATE)  # files with something left to a person
    return finish(current_run("bank-statement-folder", actor), results, waiting, sources=["bank"],
                  counts={"files": len(results), "with exceptions": waiting})
