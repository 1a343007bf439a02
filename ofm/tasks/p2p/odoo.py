"""Reading what the procure-to-pay flows need from Odoo, batched: orders by number, their lines and
open receipt moves, and the reference data an order points at (partners, companies, currencies,
products, taxes, units, analytic accounts). One search per kind of record for the whole batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ofm.canonical import PurchaseOrder
from ofm.mappings.p2p_policy import P2PPolicy
from ofm.rules.p2p import OdooLine, OdooMove, OdooOrder, References
from ofm.tasks.shared.resources import resources, use_thread_resources

PO, POL, PICKING, MOVE = "purchase.order", "purchase.order.line", "stock.picking", "stock.move"
ORDER_FIELDS = ["name", "origin", "state", "locked", "partner_id", "currency_id", "company_id", "order_line",
                "invoice_ids", "picking_ids"]
LINE_FIELDS = ["sequence", "product_id", "product_qty", "price_unit", "qty_received", "qty_invoiced", "tax_ids",
               "analytic_distribution", "order_id"]
ALL = ["|", ["active", "=", True], ["active", "=", False]]


def many2one_id(value: Any) -> int | None:
    """The id of a many2one value as Odoo reads it ([id, "name"], an id, or False)."""
    if isinstance(value, list | tuple):
        return int(value[0]) if value else None
    return int(value) if value else None


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def read_orders(numbers: Iterable[str]) -> dict[str, OdooOrder]:
    """Odoo purchase orders by procurement number (`origin`); the oldest wins if two carry one."""
    numbers = sorted(set(numbers))
    if not numbers:
        return {}
    odoo = resources().odoo
    rows = [row for start in range(0, len(numbers), 2000)  # a bounded domain per request
            for row in odoo.search_read(PO, [["origin", "in", numbers[start:start + 2000]]], ORDER_FIELDS)]
    rows.sort(key=lambda r: r["id"])
    line_ids = [lid for row in rows for lid in row.get("order_line") or []]
    lines: dict[int, dict[str, Any]] = {}
    if line_ids:
        lines = {r["id"]: r for r in odoo.read(POL, line_ids, LINE_FIELDS)}
    out: dict[str, OdooOrder] = {}
    for row in rows:
        if row["origin"] in out:
            continue
        out[row["origin"]] = OdooOrder(
            id=row["id"], name=row["name"], state=row["state"], locked=bool(row.get("locked")),
            partner_id=many2one_id(row.get("partner_id")), currency_id=many2one_id(row.get("currency_id")),
            company_id=many2one_id(row.get("company_id")), invoice_ids=tuple(row.get("invoice_ids") or ()),
            lines=tuple(_line(lines[lid]) for lid in row.get("order_line") or [] if lid in lines))
    return out


def _line(row: dict[str, Any]) -> OdooLine:
    analytic = row.get("analytic_distribution") or {}
    return OdooLine(id=row["id"], sequence=int(row.get("sequence") or 0), product_id=many2one_id(row.get("product_id")),
                    product_qty=_dec(row.get("product_qty")), price_unit=_dec(row.get("price_unit")),
                    qty_received=_dec(row.get("qty_received")), qty_invoiced=_dec(row.get("qty_invoiced")),
                    tax_ids=tuple(sorted(row.get("tax_ids") or ())),
                    analytic=tuple(sorted((str(k), _dec(v)) for k, v in analytic.items())))


def read_open_moves(orders: Iterable[OdooOrder]) -> dict[int, list[OdooMove]]:
    """Open stock moves of each order's receipts (order id -> moves), two calls for all orders."""
    orders = list(orders)
    if not orders:
        return {}
    odoo = resources().odoo
    line_order = {line.id: o.id for o in orders for line in o.lines}
    rows = odoo.search_read(MOVE, [["purchase_line_id", "in", sorted(line_order)],
                                   ["state", "not in", ["done", "cancel", "draft"]]],
                            ["picking_id", "purchase_line_id", "product_uom_qty", "state", "product_uom"], order="id")
    out: dict[int, list[OdooMove]] = {}
    for r in rows:
        line = many2one_id(r.get("purchase_line_id"))
        if line is None or not r.get("picking_id"):
            continue
        out.setdefault(line_order[line], []).append(OdooMove(
            id=r["id"], picking_id=many2one_id(r["picking_id"]) or 0, purchase_line_id=line,
            product_uom_qty=_dec(r.get("product_uom_qty")), state=r.get("state") or "",
            picking_name=r["picking_id"][1] if isinstance(r["picking_id"], list | tuple) else "",
            unit_id=many2one_id(r.get("product_uom"))))
    return out


class ReferenceCache:
    """What earlier chunks of a run already looked up in Odoo, so that a run read in chunks asks each value once:
    the policy's companies, taxes and units once, partners, currencies, products and analytic accounts only for
    the values not asked yet (a value asked and not found stays not found for the run, as in one read)."""

    def __init__(self) -> None:
        self.asked: dict[str, set[str]] = {}
        self.rows: dict[str, dict[str, Any]] = {}
        self.once: dict[str, Any] = {}

    def new(self, kind: str, values: set[str]) -> list[str]:
        """The values of `kind` not asked yet (now counted as asked)."""
        asked = self.asked.setdefault(kind, set())
        fresh = sorted(values - asked)
        asked.update(fresh)
        return fresh

    def table(self, kind: str) -> dict[str, Any]:
        return self.rows.setdefault(kind, {})


def _together(jobs: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run independent reads at once (a few threads on the client's connection pool): about one round trip of wall
    time instead of one per read. Each thread works with the caller's resources."""
    from concurrent.futures import ThreadPoolExecutor

    if len(jobs) <= 1:
        return {name: job() for name, job in jobs.items()}
    res = resources()

    def run(job: Callable[[], Any]) -> Any:
        with use_thread_resources(res):
            return job()

    with ThreadPoolExecutor(max_workers=min(8, len(jobs)), thread_name_prefix="ofm-po-read") as pool:
        futures = {name: pool.submit(run, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def read_references(orders: list[PurchaseOrder], policy: P2PPolicy,
                    cache: ReferenceCache | None = None) -> dict[str, References]:
    """What each order's references are in Odoo (order number -> References), a few calls for the batch, sent
    together. With a `cache` (one per run), a later batch asks Odoo only what no earlier batch of the run asked."""
    return _read_references(orders, policy, cache or ReferenceCache(), {})[0]


def read_references_and_orders(orders: list[PurchaseOrder], policy: P2PPolicy, cache: ReferenceCache
                               ) -> tuple[dict[str, References], dict[str, OdooOrder]]:
    """`read_references` and `read_orders` of the batch, their reads sent together."""
    refs, also = _read_references(orders, policy, cache, {"orders": lambda: read_orders(o.number for o in orders)})
    return refs, also["orders"]


def _read_references(orders: list[PurchaseOrder], policy: P2PPolicy, cache: ReferenceCache,
                     also: dict[str, Callable[[], Any]]) -> tuple[dict[str, References], dict[str, Any]]:
    odoo = resources().odoo
    jobs: dict[str, Callable[[], Any]] = dict(also)
    codes = cache.new("partner.ref", {o.supplier_code for o in orders if o.supplier_code})
    if codes:
        jobs["partner.ref"] = lambda: odoo.search_read("res.partner", [*ALL, ["ref", "in", codes]],
                                                       ["ref", "vat", "active"])
    vats = cache.new("partner.vat", {o.supplier_vat for o in orders if o.supplier_vat})
    if vats:
        jobs["partner.vat"] = lambda: odoo.search_read("res.partner", [*ALL, ["vat", "in", vats]],
                                                       ["ref", "vat", "active"])
    if orders and "companies" not in cache.once:
        jobs["companies"] = lambda: odoo.search_read(
            "res.company", [["name", "in", sorted(set(policy.companies.values()))]], ["name"])
    names = cache.new("currency", {o.currency for o in orders})
    if names:
        jobs["currency"] = lambda: odoo.search_read("res.currency", [*ALL, ["name", "in", names]], ["name", "active"])
    products = cache.new("product", {line.product_code for o in orders for line in o.lines if line.product_code})
    if products:
        jobs["product"] = lambda: odoo.search_read("product.product", [["default_code", "in", products]],
                                                   ["default_code", "uom_id"], order="id")
    if orders and "taxes" not in cache.once:
        jobs["taxes"] = lambda: odoo.search_read("account.tax", [["name", "in", sorted(set(policy.taxes.values()))],
                                                                 ["type_tax_use", "=", "purchase"]],
                                                 ["name", "company_id"], order="id")
    if orders and "uoms" not in cache.once:
        jobs["uoms"] = lambda: odoo.search_read("uom.uom", ALL, odoo.dialect.unit_fields, order="id")
    wanted = {policy.analytic_code(cc): cc for cc in cache.new(
        "analytic", {cc for o in orders for line in o.lines for cc in line.analytic_distribution})}
    if wanted:
        jobs["analytic"] = lambda: odoo.search_read("account.analytic.account", [["code", "in", sorted(wanted)]],
                                                    ["code"])
    answers = _together(jobs)
    return _references(orders, policy, cache, answers, wanted), {name: answers[name] for name in also}


def _references(orders: list[PurchaseOrder], policy: P2PPolicy, cache: ReferenceCache, answers: dict[str, Any],
                wanted: dict[str, str]) -> dict[str, References]:
    by_code, by_vat = cache.table("partner.ref"), cache.table("partner.vat")
    for anchor, into in (("ref", by_code), ("vat", by_vat)):
        for row in sorted(answers.get("partner." + anchor, ()), key=lambda r: (not r.get("active"), r["id"])):
            into.setdefault(str(row.get(anchor) or ""), row)  # an active one first
    if "companies" in answers:
        cache.once["companies"] = {r["name"]: r["id"] for r in answers["companies"]}
    currencies = cache.table("currency")
    currencies.update({r["name"]: r for r in answers.get("currency", ())})
    products, product_units = cache.table("product"), cache.table("product.uom")
    for r in answers.get("product", ()):
        products[r["default_code"]] = r["id"]
        if uid := many2one_id(r.get("uom_id")):
            product_units[r["default_code"]] = uid
    # Tax names repeat per company (every Belgian company has its "21% G"): the order's company's one counts,
    # a tax of another company would make Odoo refuse the whole order.
    if "taxes" in answers:
        tax_ids: dict[tuple[str, int | None], int] = {}
        for r in answers["taxes"]:
            tax_ids.setdefault((r["name"], many2one_id(r.get("company_id"))), r["id"])
        cache.once["taxes"] = tax_ids
    if "uoms" in answers:
        uoms, dialect = answers["uoms"], resources().odoo.dialect
        units = {r["name"]: r["id"] for r in uoms if r["active"] and r["name"] in set(policy.units.values())}
        cache.once["uoms"] = ({u: units[n] for u, n in policy.units.items() if n in units},
                              {r["id"]: dialect.unit_size(r)[0] for r in uoms}, {r["id"]: r["name"] for r in uoms})
    analytic = cache.table("analytic")
    for r in answers.get("analytic", ()):
        analytic[wanted[r["code"]]] = r["id"]
    if not orders:
        return {}
    companies, tax_ids = cache.once["companies"], cache.once["taxes"]
    policy_units, unit_roots, unit_names = cache.once["uoms"]
    out = {}
    for o in orders:
        partner = by_code.get(o.supplier_code or "") or by_vat.get(o.supplier_vat or "")
        company_name = policy.companies.get(o.legal_entity)
        currency = currencies.get(o.currency)
        codes_used = {t.code for line in o.lines for t in line.taxes}
        company = companies.get(company_name) if company_name else None
        taxes = {c: tax_ids[(policy.taxes[c], company)] for c in codes_used
                 if c in policy.taxes and (policy.taxes[c], company) in tax_ids}
        out[o.number] = References(
            partner=partner["id"] if partner else None, partner_active=bool(partner and partner.get("active")),
            company=company,
            currency=currency["id"] if currency else None,
            currency_active=bool(currency and currency.get("active")),
            products=products, units=policy_units,
            product_units=product_units, unit_roots=unit_roots,
            unit_names=unit_names,
            taxes=taxes,
            unmapped_taxes=frozenset(c for c in codes_used if c not in policy.taxes),
            analytic=analytic, unrouted=company_name is None)
    return out
