"""Inputs for the scale-out flows in one Odoo (sandbox) and how their records are found again in it.

Each `prepare_*` sets Odoo up for its flow (through the integration client, or the sandbox's administrator where a
controller would do it), writes the partitioned input (a folder of statement files or deliveries, an export) and
returns a `Prepared`: the source to give `ofm scale run`, the settings its workers need, the source keys sent in,
and a read-back of Odoo: source key -> how many Odoo records carry its anchor. Used by tests/flows/test_scale_out.py
and by whoever runs `ofm scale run` against a sandbox by hand.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ofm.sandbox.odoo import OdooSandbox

SECOND_IBAN = "NL02ABNA0123456789"  # the company's second bank account, on journal BNK2
PERIOD = "2026-11"


@dataclass
class Prepared:
    flow: str
    source: Path
    keys: list[str]
    readback: Callable[[], Counter]
    env: dict[str, str] = field(default_factory=dict)  # OFM_* settings the workers need
    expected: dict[str, Any] = field(default_factory=dict)  # what else Odoo must show (bank: lines reconciled)

    def tally(self, quarantined_refs: list[str] = ()) -> dict[str, int]:
        """records in / delivered / quarantined / duplicated / lost: delivered when Odoo holds a record carrying
        its anchor, duplicated when more than one, quarantined when not in Odoo and a quarantine entry names it
        (`quarantined_refs`: the store's record_refs), lost when neither."""
        found = self.readback()
        missing = [k for k in self.keys if not found[k]]
        held = [k for k in missing if any(ref.endswith(k) for ref in quarantined_refs)]
        return {"in": len(self.keys), "delivered": len(self.keys) - len(missing), "quarantined": len(held),
                "duplicated": sum(1 for k in self.keys if found[k] > 1), "lost": len(missing) - len(held)}


def records(sandbox: OdooSandbox, model: str, domain: list, fields: list[str]) -> list[dict[str, Any]]:
    return sandbox.records(model, domain, fields)


# ---- po-sync: an export of approved orders, cut into part files -------------------------------------------------

def prepare_orders(sandbox: OdooSandbox, odoo, folder: Path, n: int = 12, tag: str = "SC") -> Prepared:
    """Products and supplier V-001 in Odoo (once), `n` approved orders as an export `orders-<tag>.json`."""
    from p2p_world import line, order, seed_odoo

    if not sandbox.records("product.product", [["default_code", "=", "OFM-CHAIR"]], ["id"]):
        seed_odoo(odoo)
    numbers = [f"PO-{tag}-{i:03d}" for i in range(1, n + 1)]
    docs = [order(no, line(1, qty=str(1 + i % 5)), line(2, "OFM-SUPPORT", "4", "95.00"))
            for i, no in enumerate(numbers)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"orders-{tag}.json"
    path.write_text(json.dumps({"items": docs}), encoding="utf-8")

    def readback() -> Counter:
        rows = sandbox.records("purchase.order", [["origin", "like", f"PO-{tag}-"]], ["origin", "state"])
        return Counter(r["origin"] for r in rows if r["state"] == "purchase")

    return Prepared("po-sync", path, numbers, readback)


# ---- bank-reconciliation: a folder of statement files, one per account ------------------------------------------

def second_bank_journal(admin) -> None:
    """Journal BNK2 with the company's second bank account, as a controller adds a bank (once)."""
    if admin.search_read("account.journal", [["code", "=", "BNK2"]], ["id"]):
        return
    company = admin.search_read("res.company", [], ["partner_id", "currency_id"])[0]
    [bank] = admin.create("res.partner.bank", [{"acc_number": SECOND_IBAN, "partner_id": company["partner_id"][0],
                                                "currency_id": company["currency_id"][0], "allow_out_payment": True}])
    [account] = admin.create("account.account", [{"code": "101405", "name": "Bank 2", "account_type": "asset_cash"}])
    admin.create("account.journal", [{"name": "Bank 2", "code": "BNK2", "type": "bank", "sequence": 13,
                                      "default_account_id": account, "bank_account_id": bank}])


def routing_file(folder: Path) -> Path:
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN

    path = folder / "journals.yaml"
    path.write_text(f"accounts:\n  {COMPANY_IBAN}:\n    journal: BNK1\n  {SECOND_IBAN}:\n    journal: BNK2\n",
                    encoding="utf-8")
    return path


def prepare_bank(sandbox: OdooSandbox, odoo, admin, folder: Path) -> Prepared:
    """Open items in Odoo (customers, vendors, invoices, bills), journal BNK2, and a folder of three statements:
    one per bank account paying disjoint halves of the open items every way (3 and 4 November), and the first
    account's next day (5 November: its statement follows on, so it must run after the first). The sandbox needs
    company_iban=COMPANY_IBAN. Once per Odoo: the open items it pays are those `seed_documents` creates."""
    from ofm.rules.bank.identity import entry_ids
    from ofm.sandbox.bank.documents import open_items, seed_documents, write_statement
    from ofm.sandbox.bank.scenario import statement_paying
    from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN

    second_bank_journal(admin)
    seed_documents(odoo)
    items = open_items(odoo)
    partners = sorted({i["partner_id"] for i in items})
    halves = [[i for i in items if partners.index(i["partner_id"]) % 2 == k] for k in (0, 1)]
    drop = folder / "statements"
    drop.mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    outcomes: list[str] = []
    for k, (iban, half) in enumerate(zip((COMPANY_IBAN, SECOND_IBAN), halves, strict=True)):
        statement, expected = statement_paying(half, account_iban=iban, day=date(2026, 11, 3 + k),
                                        opening=Decimal("1000.00"), sequence=f"{201 + 10 * k}")
        write_statement(drop, statement, f"account-{k + 1}.camt053.xml")
        [these] = entry_ids([statement])
        ids += list(these)
        outcomes += expected
        if k == 0:  # the next day of this account: two entries nobody expects, its opening the day's closing
            from ofm.canonical import BankEntry, Money

            day = date(2026, 11, 5)
            entries = tuple(BankEntry(booking_date=day, value_date=day, bank_reference=f"BANK-20261105-{n:04d}",
                                      amount=Money(amount=amount, currency="EUR"), remittance=text)
                            for n, (amount, text) in enumerate([("75.00", "Deposit"), ("-9.90", "Fee")], 1))
            closing = statement.closing_balance.amount + sum(e.amount.amount for e in entries)
            next_day = statement.model_copy(update={
                "statement_id": None, "sequence": "202", "opening_balance": statement.closing_balance,
                "closing_balance": Money(amount=closing, currency="EUR"), "opening_date": day, "closing_date": day,
                "entries": entries})
            write_statement(drop, next_day, "account-1b.camt053.xml")
            [these] = entry_ids([next_day])
            ids += list(these)
            outcomes += ["unmatched", "unmatched"]

    def readback() -> Counter:
        rows = sandbox.records("account.bank.statement.line", [], ["ref"])
        return Counter((r["ref"] or "").removeprefix("ofm:").split()[0] for r in rows if r["ref"])

    return Prepared("bank-reconciliation", drop, ids, readback, {"OFM_BANK_ROUTING_FILE": str(routing_file(folder))},
                    {"reconciled": sum(1 for o in outcomes if o != "unmatched")})


def reconciled_lines(sandbox: OdooSandbox, ids: list[str]) -> int:
    """Statement lines of these entries that Odoo shows reconciled."""
    wanted = set(ids)
    rows = sandbox.records("account.bank.statement.line", [], ["ref", "is_reconciled"])
    return sum(1 for r in rows
               if r["is_reconciled"] and r["ref"] and r["ref"].removeprefix("ofm:").split()[0] in wanted)


# ---- ledger-batch: a folder of deliveries -------------------------------------------------------------------------

def prepare_ledger(sandbox: OdooSandbox, admin, folder: Path, booked_on: date = date(2026, 11, 30)) -> Prepared:
    """The chart the deliveries book on (once), the ledger mappings routed to the sandbox's company, and the three
    clean deliveries of November (payroll, expenses, sales) in a folder: three partitions of one company and
    period, so partitions running at once meet the ledger's run lock per company and period."""
    from ofm.cli.demo import SANDBOX_COMPANY, sandbox_chart, sandbox_ledger_mappings
    from ofm.mappings.ledger import mapping_for, parse_delivery
    from ofm.rules.ledger.checks import parse_anchor
    from ofm.sandbox.ledger import write_samples

    sandbox_chart(admin, 1)
    mappings = sandbox_ledger_mappings(folder / "ledger-mappings", SANDBOX_COMPANY)
    drop = folder / "deliveries"
    files = write_samples(drop, PERIOD, booked_on, dirty=False)
    keys = []
    for path in files.values():
        batch = parse_delivery(mapping_for(path.name), path.read_text(encoding="utf-8"), path.name).batch
        keys += [f"{batch.source}:{batch.batch_id}:{e.number}" for e in batch.entries]

    def readback() -> Counter:
        rows = sandbox.records("account.move", [["ref", "=like", "ofm:%"], ["state", "!=", "cancel"]], ["ref"])
        return Counter(":".join(p[:3]) for r in rows if (p := parse_anchor(r["ref"] or "")))

    return Prepared("ledger-batch", drop, keys, readback, {"OFM_LEDGER_MAPPING_DIR": str(mappings)})


def admin_client(sandbox: OdooSandbox):
    from chaos.flows import admin_client as admin

    return admin(sandbox)


# ---- supplier-onboarding: an export of suppliers, cut into part files ----------------------------------------------

def prepare_suppliers(sandbox: OdooSandbox, folder: Path, n: int = 48, tag: str = "SCS") -> Prepared:
    from ofm.sandbox.procurement import generate_suppliers, to_csv

    rows = generate_suppliers(n, seed=13, dirty=False, id_prefix=tag)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"suppliers-{tag}.csv"
    path.write_text(to_csv(rows), encoding="utf-8")
    codes = [r["vendor_code"] for r in rows]

    def readback() -> Counter:
        found = sandbox.records("res.partner", [["supplier_rank", ">", 0], "|", ["active", "=", True],
                                                ["active", "=", False]], ["ref"])
        return Counter(r["ref"] for r in found if r["ref"] in set(codes))

    return Prepared("supplier-onboarding", path, codes, readback)
