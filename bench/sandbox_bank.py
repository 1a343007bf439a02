"""bank-reconciliation's row of the bench table (bench/table.py), on the Odoo sandbox.

Set-up, not billed, as on the real server (bench/real_bank.py, whose set-up and baselines run
here): eight customers with IBANs and M posted customer invoices, and a camt.053 statement of M
entries, each paying one invoice in full by its number in the remittance text. Journal BNK1
already holds the company's bank account (`ofm sandbox odoo --company-iban`, its default), which
the sandbox's integration user may not write (as a real non-admin user): that step is skipped.

- ceiling: the real server's FAIR ceiling, the same code (bench/real_bank.py `baseline`): what a
           hand-written batched script needs to import AND reconcile, given which invoice each entry
           pays: the statement lines created raw (one call per 200), their suspense lines read, the
           partners and the receivable set (one `web_save_multi` each), then one `reconcile` per entry
           (Odoo has no public call reconciling several groups); 300 entries: 2 × 4 + 300 = 308 calls;
- naive:   the same per entry: create its line, read its suspense line, set its partner, move it, reconcile;
- flow:    bank-reconciliation from the camt.053 file: import (statement, lines) and reconcile,
           under the bundled matching policy.
An import-only ceiling (one `create` per 200 lines) is not comparable with a flow that must reconcile each entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from bench import real_bank
from bench.child import timed_flow

BATCH = 200


def _bnk1(client, code: str, iban: str) -> int:
    """The journal the sandbox gave the company's bank account to (instead of giving it, as an admin would)."""
    [journal] = client.search_read("account.journal", [["code", "=", code]], ["id"])
    return journal["id"]


@contextmanager
def _sandbox_journal() -> Iterator[None]:
    with mock.patch.object(real_bank, "give_journal_bank_account", _bnk1):
        yield


def contender(flow: str, kind: str, client, n: int, workdir: Path) -> dict:
    if kind != "flow":
        with _sandbox_journal():
            return real_bank.baseline(client, n, BATCH if kind == "ceiling" else None)
    from ofm.flows.bank_reconciliation import bank_reconciliation
    from ofm.sandbox.bank.documents import write_statement
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN

    workdir.mkdir(parents=True, exist_ok=True)
    with _sandbox_journal():
        _, statement = real_bank._statement(client, n)
    path = write_statement(workdir, statement, "statement.camt053.xml")
    routing = workdir / "journals.yaml"
    routing.write_text(f"accounts:\n  {COMPANY_IBAN}: {{journal: BNK1}}\n")
    result, seconds, before = timed_flow(client, workdir, lambda source, actor: bank_reconciliation(
        file=source, actor=actor), path, bank_routing_file=routing)
    return real_bank._outcome(client, seconds, before, flow_run_id=result["flow_run_id"], counts=result["counts"])
