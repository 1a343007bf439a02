"""Open items for bank demos and tests: customers and vendors with IBANs, their posted invoices and
bills (created through the real Odoo client), and statements paying them written as camt.053."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ofm.canonical import BankStatement
from ofm.connectors.odoo import OdooClient
from ofm.sandbox.bank import write_camt053
from ofm.sandbox.bank.scenario import statement_paying
from ofm.sandbox.odoo.accounting_fixtures import COMPANY_IBAN, OPEN_ITEMS_DOMAIN, post_invoices

CUSTOMER_IBANS = ["FR1420041010050500013M02606", "NL91ABNA0417164300", "BE68539007547034", "AT611904300234573201",
                  "IT60X0542811101000000123456", "ES9121000418450200051332", "DE75512108001245126199",
                  "GB29NWBK60161331926819"]


def seed_documents(odoo: OdooClient) -> dict[str, Any]:
    """Eight customers and two vendors (with IBANs), their posted invoices and bills."""
    partners = odoo.create("res.partner", [
        {"name": f"Customer {i} GmbH", "is_company": True, "customer_rank": 1,
         "bank_ids": [(0, 0, {"acc_number": iban})]} for i, iban in enumerate(CUSTOMER_IBANS)])
    vendors = odoo.create("res.partner", [
        {"name": f"Vendor {i} SAS", "is_company": True, "supplier_rank": 1,
         "bank_ids": [(0, 0, {"acc_number": iban})]}
        for i, iban in enumerate(["FR7630006000011234567890189", "DE02120300000000202051"])])
    day = "2026-11-02"
    docs = [{"partner_id": p, "amount": 100.0 + 37.5 * i, "date": day} for i, p in enumerate(partners)]
    docs += [{"partner_id": partners[0], "amount": 412.35, "date": day},                     # pair: two amounts
             {"partner_id": partners[1], "amount": 250.0, "date": day},                      # twins
             {"partner_id": partners[1], "amount": 250.0, "date": day},
             {"partner_id": partners[7], "amount": 980.0, "date": day, "payment_reference": "RF18539007547034"}]
    docs += [{"partner_id": v, "amount": 640.0 + i, "move_type": "in_invoice", "ref": f"VB-{7001 + i}", "date": day}
             for i, v in enumerate(vendors)]
    return {"partners": partners, "vendors": vendors, "moves": post_invoices(odoo, docs)}


def open_items(odoo: OdooClient) -> list[dict[str, Any]]:
    """Open items as the scenario generator wants them (move reference, partner IBAN, account type)."""
    rows = odoo.search_read("account.move.line", OPEN_ITEMS_DOMAIN,
                            ["move_id", "move_name", "partner_id", "amount_residual", "account_id", "ref"])
    moves = {m["id"]: m for m in odoo.read("account.move", sorted({r["move_id"][0] for r in rows}),
                                           ["payment_reference"])}
    accounts = {a["id"]: a["account_type"] for a in odoo.search_read("account.account", [], ["account_type"])}
    banks = {}
    for b in odoo.search_read("res.partner.bank", [], ["partner_id", "acc_number"]):
        banks.setdefault(b["partner_id"][0], "".join(b["acc_number"].split()))  # Odoo prints IBANs in groups
    return [{"move_name": r["move_name"], "payment_reference": moves[r["move_id"][0]].get("payment_reference"),
             "amount_residual": r["amount_residual"], "partner_id": r["partner_id"][0],
             "partner_name": r["partner_id"][1], "partner_iban": banks.get(r["partner_id"][0]),
             "account_type": accounts[r["account_id"][0]], "ref": r.get("ref"), "move_id": r["move_id"][0]}
            for r in sorted(rows, key=lambda r: r["id"]) if r.get("partner_id")]  # a statement pays partners' items


def write_statement(folder: Path, statement: BankStatement, name: str) -> Path:
    """The statement as a camt.053.001.08 file in `folder`."""
    path = folder / name
    path.write_bytes(write_camt053(statement, message_id=statement.statement_id or name,
                                   created=datetime(2026, 11, 3, 8, 0)))
    return path


def day_one(odoo: OdooClient, folder: Path) -> tuple[Path, BankStatement, list[str]]:
    """A statement of 3 November paying today's open items every way (see scenario.py), as a file."""
    statement, expected = statement_paying(open_items(odoo), account_iban=COMPANY_IBAN, day=date(2026, 11, 3),
                                           opening=Decimal("1000.00"), sequence="101")
    return write_statement(folder, statement, "day1.camt053.xml"), statement, expected
