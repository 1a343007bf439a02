"""bank-reconciliation contenders against a real Odoo 19 or 18 (run by bench/real_odoo.py, fresh process and db each).

Set-up, not billed: journal BNK1 gets the company's bank account (as a user sets it up), eight
customers with IBANs and M posted customer invoices (ofm.sandbox.bank.documents), and a camt.053
statement of M entries, each paying one invoice in full by its number in the remittance text.

- ceiling: what a hand-written batched script needs to import AND reconcile, given which invoice each entry
           pays (known before the clock starts): the statement lines (the values the flow writes) created
           raw in one batched call, their suspense lines read in one, the invoices' partners set on the
           lines and the suspense lines moved to the receivable (one call each on Odoo 19, which writes a
           value per record with `web_save_multi`; one per partner on 18), then one `reconcile` per entry:
           Odoo has no public method reconciling several groups in one call (`account.move.line.reconcile`
           reconciles its whole recordset as ONE group; `_reconcile_plan` is private);
- naive:   the same per entry: create its line, read its suspense line, set its partner, move it, reconcile;
- flow:    bank-reconciliation from the camt.053 file: import (statement, lines), read the open items, match,
           reconcile (the flow also creates the statement and reads what it needs; the script does not).
An import-only ceiling (one `create` call) is not comparable with a flow that must reconcile each entry
(50 entries: 1 call against 50 `reconcile` calls at least).
The matching policy is the real server's: matching.real.yaml on Odoo 19, matching.real18.yaml on 18
(its Belgian chart has no 657200 Bank Fees: 656000), as tests/real/realodoo_testkit.py picks them.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench.real_p2p import STARTUP

DAY = date(2026, 11, 3)
LINE = "account.bank.statement.line"
MAPPINGS = Path(__file__).resolve().parents[1] / "ofm" / "mappings" / "bank"



def policy(version: int) -> Path:
    """The bank matching policy naming this Odoo's Belgian bank-fees account (657200 in 19, 656000 in 18)."""
    return MAPPINGS / ("matching.real.yaml" if version >= 19 else f"matching.real{version}.yaml")


def give_journal_bank_account(client, code: str, iban: str) -> int:
    """The company's bank account on journal `code` (as in tests/real/test_real_bank_reconciliation.py)."""
    [journal] = client.search_read("account.journal", [["code", "=", code]], ["id"])
    [company] = client.search_read("res.company", [], ["partner_id"])
    [bank_id] = client.create("res.partner.bank", [{"acc_number": iban, "partner_id": company["partner_id"][0]}])
    client.write("account.journal", [journal["id"]], {"bank_account_id": bank_id})
    return journal["id"]


def _statement(client, m: int, targets: dict | None = None):
    """Untimed: the bank account on BNK1, M posted invoices, the statement paying each by its number."""
    from ofm.canonical import BankEntry, BankStatement, Money
    from ofm.sandbox.bank.documents import CUSTOMER_IBANS
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN, post_invoices

    journal = give_journal_bank_account(client, "BNK1", COMPANY_IBAN)
    partners = client.create("res.partner", [
        {"name": f"Customer {i} GmbH", "is_company": True, "customer_rank": 1,
         "bank_ids": [(0, 0, {"acc_number": iban})]} for i, iban in enumerate(CUSTOMER_IBANS)])
    ids = post_invoices(client, [{"partner_id": partners[i % len(partners)], "amount": 100.0 + 1.37 * i,
                                  "date": (DAY - timedelta(days=1)).isoformat()} for i in range(m)])
    moves = {r["id"]: r for r in client.read("account.move", ids, ["name", "amount_residual", "partner_id"])}
    if targets is not None:  # the baselines: which receivable line each entry settles (bank reference -> line)
        receivable = {r["move_id"][0]: r for r in client.search_read(
            "account.move.line", [["move_id", "in", ids], ["account_id.account_type", "=", "asset_receivable"]],
            ["move_id", "account_id", "partner_id"])}
        targets.update({f"ofm:BANK-{k:06d}": receivable[mid] for k, mid in enumerate(ids, 1)})
    entries = []
    for k, move_id in enumerate(ids, 1):
        move = moves[move_id]
        amount = Money(amount=Decimal(str(move["amount_residual"])).quantize(Decimal("0.01")), currency="EUR")
        entries.append(BankEntry(booking_date=DAY, value_date=DAY, amount=amount, bank_reference=f"BANK-{k:06d}",
                                 counterparty_name=move["partner_id"][1], remittance=f"Invoice {move['name']}",
                                 transaction_code="PMNT/RCDT/ESCT"))
    opening = Money(amount=Decimal("1000.00"), currency="EUR")
    closing = Money(amount=opening.amount + sum((e.amount.amount for e in entries), Decimal(0)), currency="EUR")
    statement = BankStatement(format="camt.053.001.08", statement_id=f"STMT-{DAY:%Y%m%d}", sequence="101",
                              account_iban=COMPANY_IBAN, currency="EUR", opening_balance=opening,
                              closing_balance=closing, opening_date=DAY - timedelta(days=1), closing_date=DAY,
                              entries=tuple(entries))
    return journal, statement


def _vals(client, journal: int, statement) -> list[dict]:
    """The statement lines' values as the flow writes them (ofm/tasks/bank/lines.py), built the plain way:
    the import anchor on `unique_import_id` where the server has it, else on `ref`."""
    anchor = "unique_import_id" if "unique_import_id" in client.fields_get(LINE, attributes=("type",)) else "ref"
    return [{"journal_id": journal, "date": e.booking_date.isoformat(), "amount": float(e.amount.amount),
             "payment_ref": e.remittance, anchor: f"ofm:{e.bank_reference}", "partner_name": e.counterparty_name,
             "transaction_type": e.transaction_code} for e in statement.entries]


def _outcome(client, seconds: float, before: Counter, **extra) -> dict:
    """Seconds, the timed part's Odoo calls (by method), the statement lines Odoo holds and how many reconciled."""
    calls = client.stats.calls - before
    lines = client.search_read(LINE, [], ["is_reconciled"])
    return {"seconds": round(seconds, 3), "calls": sum(calls.values()), "lines": len(lines),
            "reconciled": sum(r["is_reconciled"] for r in lines),
            "by_method": {f"{m}.{meth}": k for (m, meth), k in sorted(calls.items())}, **extra}


def baseline(client, m: int, batch: int | None, version: int = 19) -> dict:
    """Import and reconcile every entry: batched (`batch`) or one entry at a time (None)."""
    targets: dict[str, dict] = {}
    journal, statement = _statement(client, m, targets)
    vals = _vals(client, journal, statement)
    anchor = next(k for k in vals[0] if k in ("unique_import_id", "ref"))
    [bank_account] = client.search_read("account.journal", [["id", "=", journal]], ["default_account_id"])
    before = Counter(client.stats.calls)
    start = time.perf_counter()
    step = batch or 1
    for i in range(0, len(vals), step):
        chunk = vals[i:i + step]
        ids = client.create(LINE, chunk)
        suspense = {r["statement_line_id"][0]: r["id"] for r in client.search_read(
            "account.move.line", [["statement_line_id", "in", ids],
                                  ["account_id", "!=", bank_account["default_account_id"][0]]], ["statement_line_id"])}
        pairs = [(line_id, suspense[line_id], targets[v[anchor]]) for line_id, v in zip(ids, chunk, strict=True)]
        _write_each(client, LINE, {line_id: {"partner_id": t["partner_id"][0]} for line_id, _, t in pairs}, version)
        _write_each(client, "account.move.line", {
            s: {"account_id": t["account_id"][0], "partner_id": t["partner_id"][0]} for _, s, t in pairs}, version)
        for _, counterpart, t in pairs:
            client.call("account.move.line", "reconcile", ids=[counterpart, t["id"]])
    return _outcome(client, time.perf_counter() - start, before)


def _write_each(client, model: str, vals_by_id: dict[int, dict], version: int) -> None:
    """A value per record: one `web_save_multi` on Odoo 19, one `write` per distinct value on 18."""
    if version >= 19 and len(vals_by_id) > 1:
        ids = sorted(vals_by_id)
        client.call(model, "web_save_multi", ids=ids, kwargs={"vals_list": [vals_by_id[i] for i in ids],
                                                              "specification": {}})
        return
    groups: dict[str, list[int]] = {}
    for rid, vals in vals_by_id.items():
        groups.setdefault(repr(sorted(vals.items())), []).append(rid)
    for ids in groups.values():
        client.write(model, ids, vals_by_id[ids[0]])


def _flow_run(client, m: int, workdir: Path, version: int) -> dict:
    from ofm.flows.bank_reconciliation import bank_reconciliation
    from ofm.sandbox.bank.documents import write_statement
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN
    from ofm.settings import Settings
    from ofm.store import Store
    from ofm.tasks.shared.resources import Resources, use_resources

    workdir.mkdir(parents=True, exist_ok=True)
    _, statement = _statement(client, m)
    path = write_statement(workdir, statement, "statement.camt053.xml")
    routing = workdir / "journals.yaml"
    routing.write_text(f"accounts:\n  {COMPANY_IBAN}: {{journal: BNK1}}\n")
    settings = Settings(_env_file=None, database_url=f"sqlite:///{workdir / 'bench.db'}", ack_dir=workdir / "acks",
                        bank_routing_file=routing, bank_matching_policy=policy(version))
    store = Store(settings.database_url)
    store.migrate()
    with use_resources(Resources(settings=settings, store=store, odoo=client)):
        before = Counter(client.stats.calls)
        start = time.perf_counter()
        result = bank_reconciliation(file=str(path), actor="bench")
        seconds = time.perf_counter() - start
    return _outcome(client, seconds, before, counts=result["counts"], rules=result.get("rules"))


def flow(client, warm, m: int, version: int = 19) -> dict:
    """The flow under a temporary Prefect server, after a warm-up run in a database of its own."""
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory(prefix="ofm-bench-") as tmp, prefect_test_harness(server_startup_timeout=STARTUP):
        _flow_run(warm, min(m, 5), Path(tmp) / "warm", version)
        return _flow_run(client, m, Path(tmp) / "run", version)


def child(kind: str, client, warm, m: int, batch: int, version: int = 19) -> dict:
    if kind == "flow":
        return flow(client, warm, m, version)
    return baseline(client, m, batch if kind == "ceiling" else None, version)
