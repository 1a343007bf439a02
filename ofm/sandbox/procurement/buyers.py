"""Who buys: the legal entity and the VAT codes the platform writes on the story's documents.

The story (`p2p.py`) is told for the German buyer ACME-DE (VAT19 / VAT7 / VAT0), which the Odoo
sandbox's "Sandbox Company" matches. A real Odoo of another country has other rates: the Belgian
buyer ACME-BE writes VAT21 / VAT6 / VAT0 on goods and VAT21S on services, as the real server's
policy (`mappings/procurement/p2p.real.yaml`) maps them. `localise` rewrites every document of a
scenario for a buyer: legal entity, tax codes and percents, invoice totals. Codes the story uses
to provoke refusals (an unknown tax code, another legal entity) are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ofm.sandbox.procurement.documents import Document, Scenario, money, qty
from ofm.sandbox.procurement.products import LEGAL_ENTITY, PRODUCTS_BY_CODE, TAX_PERCENT

Record = dict[str, Any]


@dataclass(frozen=True)
class Buyer:
    """A buying legal entity and its VAT codes: catalogue code -> (code on the documents, percent), per kind."""

    legal_entity: str
    goods: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    services: dict[str, tuple[str, Decimal]] = field(default_factory=dict)

    def tax(self, code: str, item_code: str | None) -> tuple[str, Decimal] | None:
        product = PRODUCTS_BY_CODE.get(item_code or "")
        table = self.services if product is not None and product.kind == "service" else self.goods
        return table.get(code)


BUYERS: dict[str, Buyer] = {
    "DE": Buyer(LEGAL_ENTITY, {code: (code, pct) for code, pct in TAX_PERCENT.items()},
                {code: (code, pct) for code, pct in TAX_PERCENT.items()}),
    "BE": Buyer("ACME-BE",
                {"VAT19": ("VAT21", Decimal(21)), "VAT7": ("VAT6", Decimal(6)), "VAT0": ("VAT0", Decimal(0))},
                {"VAT19": ("VAT21S", Decimal(21)), "VAT7": ("VAT6S", Decimal(6)), "VAT0": ("VAT0", Decimal(0))}),
}


def localise(scenario: Scenario, buyer: Buyer) -> Scenario:
    """The same documents as `buyer` would send them (same ids, days and stamps)."""
    if buyer == BUYERS["DE"]:
        return scenario
    return Scenario(tuple(Document(d.kind, d.day, _record(d.record, buyer)) for d in scenario.documents))


def _record(record: Record, buyer: Buyer) -> Record:
    out = dict(record)
    if out.get("legal_entity") == LEGAL_ENTITY:
        out["legal_entity"] = buyer.legal_entity
    if "lines" in out:
        out["lines"] = [_line(line, buyer) for line in out["lines"]]
    if "total" in out:  # an invoice: totals from its lines, tax rounded per line
        untaxed = sum((Decimal(line["net_amount"]) for line in out["lines"]), Decimal(0))
        tax = sum((Decimal(money(Decimal(line["net_amount"]) * Decimal(line["tax_percent"]) / 100))
                   for line in out["lines"]), Decimal(0))
        out.update(untaxed=money(untaxed), tax=money(tax), total=money(untaxed + tax))
    return out


def _line(line: Record, buyer: Buyer) -> Record:
    found = buyer.tax(line.get("tax_code") or "", line.get("item_code"))
    if found is None:
        return line
    code, percent = found
    return {**line, "tax_code": code, **({"tax_percent": qty(percent)} if "tax_percent" in line else {})}
