"""Procure-to-pay on the real Odoo: the flows' resources pointed at a real database, the catalogue and
suppliers seeded there, raw procurement documents of a Belgian buyer (ACME-BE, Belgian VAT codes of
ofm/mappings/procurement/p2p.real.yaml), and Odoo's state read back for the assertions.

Documents are the raw JSON the procurement platform sends, written to export files and read by the
flows through `--source`, so the whole path from raw bytes to the real Odoo is exercised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

from realodoo_testkit import RealOdoo

from ofm.connectors.odoo import OdooClient
from ofm.settings import Settings
from ofm.store import Store
from ofm.tasks.shared.resources import Resources, use_resources
from ofm.testbed.seed_p2p import Catalog, seed_catalog, seed_suppliers

ENTITY = "ACME-BE"
RATES = {"VAT21": 21, "VAT12": 12, "VAT6": 6, "VAT0": 0, "VAT21S": 21, "VAT6S": 6}  # percent of each code
SUPPLIERS = [
    {"vendor_code": "V-001", "name": "Bureau Plus SA", "tax_id": "BE0477472701", "country": "BE"},
    {"vendor_code": "V-002", "name": "Acme Supplies GmbH", "tax_id": "DE811569869", "country": "DE"},
    {"vendor_code": "V-009", "name": "Old Vendor BV", "country": "NL", "active": False},
]
_files = count(1)


@dataclass
class RealWorld:
    """A flow run's resources on one real database, and what was seeded there."""

    real: RealOdoo
    odoo: OdooClient
    store: Store
    settings: Settings
    catalog: Catalog
    suppliers: dict[str, int]
    tmp: Path

    def export(self, *docs: dict[str, Any]) -> str:
        """The documents as an export file, as a platform would drop it."""
        path = self.tmp / f"export-{next(_files)}.json"
        path.write_text(json.dumps({"items": list(docs)}))
        return str(path)

    def order(self, number: str) -> dict[str, Any] | None:
        """The Odoo purchase order of a procurement number, its lines by sequence, read back from Odoo."""
        rows = self.real.read("purchase.order", [["origin", "=", number]],
                              ["name", "state", "partner_id", "partner_ref", "order_line", "picking_ids",
                               "currency_id", "company_id", "invoice_ids", "write_date"])
        if not rows:
            return None
        [row] = rows
        row["lines"] = sorted(self.real.read("purchase.order.line", [["order_id", "=", row["id"]]],
                                             ["sequence", "product_id", "product_qty", "price_unit", "qty_received",
                                              "qty_invoiced", "tax_ids", "analytic_distribution", "product_uom_id",
                                              "write_date"]), key=lambda r: (r["sequence"], r["id"]))
        return row

    @property
    def policy(self) -> Path:
        """This server's procure-to-pay policy (its chart's tax names)."""
        return self.real.p2p_policy

    def tax_of(self, code: str) -> int:
        """The Odoo purchase tax the policy maps a procurement tax code to."""
        from ofm.mappings.p2p_policy import load_p2p_policy

        return self.tax(load_p2p_policy(self.policy).taxes[code])

    def tax(self, name: str) -> int:
        [row] = self.real.read("account.tax", [["name", "=", name], ["type_tax_use", "=", "purchase"]], ["id"])
        return row["id"]

    def last_writes(self) -> dict[str, Any]:
        """The newest write_date and the record count of every model the purchasing flows write."""
        out = {}
        for model in ("purchase.order", "purchase.order.line", "stock.picking", "stock.move", "account.move",
                      "account.move.line", "mail.message"):
            rows = self.real.read(model, [], ["write_date"], order="write_date desc", limit=1)
            out[model] = (rows[0]["write_date"] if rows else None,
                          self.odoo.call(model, "search_count", args=[[]]))
        return out


@contextmanager
def real_world(real: RealOdoo, tmp: Path, batch_size: int = 25, **settings: Any) -> Iterator[RealWorld]:
    """Install resources on the real database for the block (catalogue and suppliers seeded, idempotently)."""
    odoo = real.client()
    s = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'ofm.db'}", ack_dir=tmp / "acks",
                 odoo_batch_size=batch_size, p2p_policy=real.p2p_policy, **settings)
    store = Store(s.database_url)
    store.migrate()
    catalog = seed_catalog(odoo)
    suppliers = seed_suppliers(odoo, SUPPLIERS)
    with use_resources(Resources(settings=s, store=store, odoo=odoo)):
        yield RealWorld(real, odoo, store, s, catalog, suppliers, tmp)


def line(no: int, code: str = "OFM-CHAIR", qty: str = "10", price: str = "189.00", tax: str | None = "VAT21",
         uom: str = "C62", cost: tuple[tuple[str, str], ...] = (("CC-OPS", "100"),), **extra: Any) -> dict[str, Any]:
    """An order line as the platform sends it."""
    return {"line_no": no, "item_code": code, "description": f"{code} line {no}", "quantity": qty, "uom": uom,
            "unit_price": price, "tax_code": tax, "need_by": "2026-11-30",
            "cost_allocation": [{"cost_center": cc, "percent": pct} for cc, pct in cost], **extra}


def order(number: str, *lines: dict[str, Any], revision: int = 1, status: str = "approved", vendor: str = "V-001",
          currency: str = "EUR", legal_entity: str = ENTITY) -> dict[str, Any]:
    """A purchase order (one revision) as the platform sends it."""
    return {"id": number, "revision": revision, "status": status, "legal_entity": legal_entity,
            "supplier": {"id": f"SUP-{vendor}", "vendor_code": vendor, "tax_id": None, "name": vendor},
            "currency": currency, "order_date": "2026-11-02", "updated_at": f"2026-11-02T09:00:0{revision}Z",
            "lines": list(lines) or [line(1)]}


def receipt(ref: str, number: str, *lines: tuple[int, str], on: str = "2026-11-10", uom: str = "C62"
            ) -> dict[str, Any]:
    return {"id": ref, "order_id": number, "received_on": on, "updated_at": f"{on}T10:00:00Z",
            "lines": [{"line_no": no, "quantity": qty, "uom": uom} for no, qty in lines]}


def bill_line(no: int, order_id: str | None, order_line_no: int | None, code: str, qty: str, price: str,
              tax: str = "VAT21", uom: str = "C62") -> dict[str, Any]:
    net = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    return {"line_no": no, "order_id": order_id, "order_line_no": order_line_no, "item_code": code,
            "description": f"{code} billed", "quantity": qty, "uom": uom, "unit_price": price,
            "net_amount": str(net), "tax_code": tax, "tax_percent": str(RATES[tax])}


def invoice(ident: str, number: str, lines: list[dict[str, Any]], order_id: str | None = None,
            vendor: str = "V-001", invoice_date: str = "2026-11-12", currency: str = "EUR",
            credit_note: bool = False) -> dict[str, Any]:
    """A raw procurement invoice whose totals add up (tax rounded per line, as Odoo does)."""
    untaxed = sum(Decimal(x["net_amount"]) for x in lines)
    tax = sum((Decimal(x["net_amount"]) * Decimal(x["tax_percent"]) / 100).quantize(Decimal("0.01")) for x in lines)
    supplier = next(s for s in SUPPLIERS if s["vendor_code"] == vendor)
    return {"id": ident, "invoice_number": number, "document_type": "credit_note" if credit_note else "invoice",
            "supplier": {"id": f"SUP-{vendor}", "vendor_code": vendor, "tax_id": supplier.get("tax_id"),
                         "name": supplier["name"]},
            "legal_entity": ENTITY, "order_id": order_id, "invoice_date": invoice_date, "accounting_date": None,
            "due_date": None, "payment_terms": "NET30", "currency": currency, "lines": lines,
            "untaxed": str(untaxed), "tax": str(tax), "total": str(untaxed + tax), "attachments": [],
            "updated_at": f"{invoice_date}T10:00:00Z"}
