"""What the three-way match needs from Odoo, read for the whole batch in a handful of calls.

Suppliers (res.partner by `ref` = vendor code, else `vat`), the referenced purchase orders (by
`origin` = procurement order number) with their lines (`sequence` = procurement line number),
products, taxes and currencies, and the vendor bills already in Odoo for those suppliers: each
source document's own bill (found by its anchor partner + ref + move type, and owned only if the
outbox says this document sent it) and the others, against which duplicates are looked for.
A run killed after Odoo committed a create or a post left `sent` intents: they are settled here.
The reads go out together, in three chains of at most three calls (suppliers then their bills; currencies,
taxes, companies; orders then their lines then the products): about three round trips of wall time whatever
the batch, instead of eight one after the other.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.tasks.match.intake import Mapped
from ofm.tasks.p2p.odoo import many2one_id
from ofm.tasks.shared.audit import audit_rows
from ofm.tasks.shared.resources import Resources, resources, use_thread_resources
from ofm.tasks.shared.runinfo import RunInfo

MOVE = "account.move"
BILL_TYPES = ["in_invoice", "in_refund"]
MOVE_FIELDS = ["partner_id", "ref", "move_type", "invoice_date", "amount_total", "state", "name", "currency_id"]
LINE_FIELDS = ["order_id", "sequence", "product_id", "product_qty", "qty_received", "qty_invoiced", "price_unit",
               "tax_ids", "analytic_distribution", "display_type"]
# Odoo's purchase.order states -> the engine's: sent / to approve are not confirmed yet.
ORDER_STATES = {"draft": "draft", "sent": "draft", "to approve": "draft", "purchase": "purchase", "done": "done",
                "cancel": "cancel"}


def create_key(ref: str) -> str:
    return f"{MOVE}:create:{ref}"


def post_key(ref: str) -> str:
    return f"{MOVE}:action_post:{ref}"


@dataclass(frozen=True)
class OrderLine:
    """A purchase order line as the match compares it."""

    id: int
    order_id: int
    order_name: str
    order_number: str
    line_ref: str
    state: str
    partner_id: int
    currency: str
    company_id: int | None
    product_id: int | None
    product_code: str | None
    purchase_method: str
    quantity: float
    received: float
    invoiced: float
    price_unit: float
    tax_ids: tuple[int, ...]
    analytic: dict[str, Any] | None


@dataclass(frozen=True)
class OdooBill:
    """A vendor bill in Odoo."""

    id: int
    partner_id: int
    ref: str | None
    move_type: str
    invoice_date: str | None
    amount_total: float
    state: str
    name: str | None
    currency: str = ""

    @property
    def label(self) -> str:
        return f"Odoo bill {self.name or 'draft'} (id {self.id}, ref {self.ref})"


@dataclass
class Snapshot:
    """Odoo as the batch finds it."""

    partners: dict[str, int] = field(default_factory=dict)        # bill ref -> partner id
    companies: dict[str, int] = field(default_factory=dict)       # legal entity -> company id
    unrouted: dict[str, str] = field(default_factory=dict)        # bill ref -> why its entity has no company
    currencies: dict[str, int] = field(default_factory=dict)
    taxes: dict[int, dict[str, Any]] = field(default_factory=dict)
    tax_names: dict[str, str] = field(default_factory=dict)       # procurement tax code -> Odoo tax name
    order_lines: dict[tuple[str, str], OrderLine] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)        # default_code -> product id
    own: dict[str, OdooBill] = field(default_factory=dict)        # bill ref -> the bill this document created
    posted_now: set[str] = field(default_factory=set)             # bill refs whose lost post was settled now
    previous: list[OdooBill] = field(default_factory=list)        # other bills of those suppliers
    own_draft_qty: dict[int, float] = field(default_factory=dict)  # order line id -> qty on own drafts

    def percent(self, tax_ids: tuple[int, ...]) -> float:
        """Sum of the percent taxes' rates (what the engine compares)."""
        return sum(float(self.taxes[t]["amount"]) for t in tax_ids if t in self.taxes
                   and self.taxes[t].get("amount_type", "percent") == "percent")


def outbox_rows(keys: list[str]) -> dict[str, Any]:
    """The stored outbox rows of these keys, read without claiming them."""
    return resources().store.outbox_rows(keys)


def _partners(mapped: list[Mapped], snap: Snapshot) -> None:
    """One search_read for every supplier of the batch: by vendor code (`ref`), else VAT; active only."""
    refs = sorted({m.bill.supplier.source_ref for m in mapped if m.bill.supplier.source_ref})
    vats = sorted({m.bill.supplier.vat for m in mapped if m.bill.supplier.vat})
    if not refs and not vats:
        return
    rows = resources().odoo.search_read("res.partner", ["|", ("ref", "in", refs), ("vat", "in", vats)],
                                        ["ref", "vat"])
    by_ref: dict[str, int] = {}
    by_vat: dict[str, int] = {}
    for row in rows:  # lowest id first: the oldest partner wins
        if row.get("ref"):
            by_ref.setdefault(str(row["ref"]), row["id"])
        if row.get("vat"):
            by_vat.setdefault("".join(str(row["vat"]).split()).upper(), row["id"])
    for m in mapped:
        party = m.bill.supplier
        found = by_ref.get(party.source_ref or "") or by_vat.get(party.vat or "")
        if found:
            snap.partners[m.ref] = found


def _reference_data(mapped: list[Mapped], snap: Snapshot) -> list[Callable[[], None]]:
    """Currencies, taxes, legal-entity routing: three small reads, independent of each other (returned as such)."""
    from ofm.mappings.p2p_policy import load_p2p_policy

    odoo = resources().odoo
    policy = load_p2p_policy(resources().settings.p2p_policy)
    snap.tax_names = dict(policy.taxes)
    currencies = sorted({m.bill.currency for m in mapped})
    entities = sorted({m.bill.legal_entity for m in mapped if m.bill.legal_entity})
    names = {e: policy.companies[e] for e in entities if e in policy.companies}

    def read_currencies() -> None:
        snap.currencies = {r["name"]: r["id"] for r in odoo.search_read("res.currency", [("name", "in", currencies)],
                                                                        ["name"])}

    def read_taxes() -> None:
        snap.taxes = {r["id"]: r for r in odoo.search_read("account.tax", [], ["name", "amount", "amount_type",
                                                                              "type_tax_use", "company_id"])}

    def read_companies() -> None:
        rows = odoo.search_read("res.company", [("name", "in", sorted(set(names.values())))], ["name"]) \
            if names else []
        company_id = {r["name"]: r["id"] for r in rows}
        for entity in entities:
            if names.get(entity) in company_id:
                snap.companies[entity] = company_id[names[entity]]
        for m in mapped:
            entity = m.bill.legal_entity
            if entity and entity not in snap.companies:
                snap.unrouted[m.ref] = (f"legal entity {entity} is not routed to an Odoo company"
                                        if entity not in names else
                                        f"legal entity {entity} is routed to company {names[entity]}, "
                                        "which Odoo does not have")

    return [read_currencies, read_taxes, read_companies]


def _orders(mapped: list[Mapped], snap: Snapshot) -> None:
    """The referenced orders, their lines and products: three reads whatever the batch size."""
    odoo = resources().odoo
    numbers = sorted({line.order_line.order_number for m in mapped for line in m.bill.lines
                      if line.order_line and line.order_line.order_number} |
                     {m.bill.order_number for m in mapped if m.bill.order_number})
    orders = odoo.search_read("purchase.order", [("origin", "in", numbers)],
                              ["origin", "name", "state", "partner_id", "currency_id", "company_id", "order_line"]
                              ) if numbers else []
    chosen: dict[str, dict[str, Any]] = {}
    for order in orders:  # a cancelled order replaced by a new one with the same number: the live one counts
        current = chosen.get(order["origin"])
        if current is None or (current["state"] == "cancel") >= (order["state"] == "cancel"):
            chosen[order["origin"]] = order
    by_id = {o["id"]: o for o in chosen.values()}
    lines = odoo.search_read("purchase.order.line", [("order_id", "in", sorted(by_id))], LINE_FIELDS) if by_id else []
    lines = [line for line in lines if not line.get("display_type")]
    codes = sorted({line.product_code for m in mapped for line in m.bill.lines if line.product_code})
    product_ids = sorted({many2one_id(line["product_id"]) for line in lines if line.get("product_id")})
    products = odoo.search_read("product.product", ["|", ("id", "in", product_ids), ("default_code", "in", codes)],
                                ["default_code", "purchase_method"]) if product_ids or codes else []
    product = {p["id"]: p for p in products}
    snap.products = {p["default_code"]: p["id"] for p in products if p.get("default_code")}
    for row in lines:
        order = by_id[many2one_id(row["order_id"]) or 0]
        pid = many2one_id(row.get("product_id"))
        key = (order["origin"], str(row["sequence"]))
        if key in snap.order_lines:  # two lines with one sequence: the first one is the procurement line
            continue
        snap.order_lines[key] = OrderLine(
            id=row["id"], order_id=order["id"], order_name=order["name"], order_number=order["origin"],
            line_ref=key[1], state=ORDER_STATES.get(order["state"], "draft"),
            partner_id=many2one_id(order["partner_id"]) or 0,
            currency=order["currency_id"][1] if order.get("currency_id") else "",
            company_id=many2one_id(order["company_id"]),
            product_id=pid, product_code=(product.get(pid) or {}).get("default_code") or None,
            purchase_method=(product.get(pid) or {}).get("purchase_method") or "purchase",
            quantity=float(row["product_qty"]), received=float(row["qty_received"] or 0),
            invoiced=float(row["qty_invoiced"] or 0), price_unit=float(row["price_unit"]),
            tax_ids=tuple(row.get("tax_ids") or ()), analytic=row.get("analytic_distribution") or None)


def _bill(row: dict[str, Any]) -> OdooBill:
    return OdooBill(id=row["id"], partner_id=many2one_id(row["partner_id"]) or 0, ref=row.get("ref") or None,
                    move_type=row["move_type"], invoice_date=row.get("invoice_date") or None,
                    amount_total=float(row.get("amount_total") or 0), state=row["state"], name=row.get("name") or None,
                    currency=row["currency_id"][1] if row.get("currency_id") else "")


def _bill_rows(mapped: list[Mapped], snap: Snapshot, window_days: int) -> list[dict[str, Any]] | None:
    """The bills Odoo has for the batch's suppliers (by ref, or dated within the window); None: no supplier found."""
    pids = sorted(set(snap.partners.values()))
    if not pids:
        return None
    dates = [m.bill.invoice_date for m in mapped]
    lo, hi = min(dates) - timedelta(days=window_days), max(dates) + timedelta(days=window_days)
    refs = sorted({m.bill.bill_number for m in mapped})
    return resources().odoo.search_read(MOVE, [("move_type", "in", BILL_TYPES), ("partner_id", "in", pids),
                                               ("state", "!=", "cancel"), "|", ("ref", "in", refs), "&",
                                               ("invoice_date", ">=", lo.isoformat()),
                                               ("invoice_date", "<=", hi.isoformat())],
                                        MOVE_FIELDS, page_size=5000)


def _bills(mapped: list[Mapped], snap: Snapshot, rows: list[dict[str, Any]] | None) -> None:
    """Bills in Odoo for the batch's suppliers: each document's own (settling lost answers), and the others."""
    odoo, store = resources().odoo, resources().store
    if rows is None:
        return
    found = {r["id"]: _bill(r) for r in rows}
    outbox = outbox_rows([k for m in mapped for k in (create_key(m.ref), post_key(m.ref))])
    done = {ref: row.odoo_id for ref in (m.ref for m in mapped)
            if (row := outbox.get(create_key(ref))) is not None and row.state == "done" and row.odoo_id}
    missing = sorted(set(done.values()) - set(found))
    if missing:  # ours, but moved out of the search (another date, cancelled): read them by id
        found.update((r["id"], _bill(r)) for r in odoo.read(MOVE, missing, MOVE_FIELDS))
    taken = set(done.values())
    settled: dict[str, int] = {}
    for m in mapped:
        if m.ref in done:
            snap.own[m.ref] = found[done[m.ref]]
            continue
        row = outbox.get(create_key(m.ref))
        pid = snap.partners.get(m.ref)
        if row is None or row.state != "sent" or pid is None:
            continue  # never sent: a bill with its anchor belongs to another document (a duplicate)
        move_type = "in_refund" if m.bill.kind.value == "credit_note" else "in_invoice"
        hit = next((b for b in sorted(found.values(), key=lambda b: b.id) if b.id not in taken and
                    (b.partner_id, b.ref, b.move_type) == (pid, m.bill.bill_number, move_type)), None)
        if hit is not None:  # the create of a killed run: Odoo committed it, the answer was lost
            snap.own[m.ref], settled[create_key(m.ref)] = hit, hit.id
            taken.add(hit.id)
    for ref, bill in snap.own.items():
        row = outbox.get(post_key(ref))
        if bill.state == "posted" and row is not None and row.state != "done":
            settled[post_key(ref)] = bill.id
            snap.posted_now.add(ref)
    store.settle(settled)
    # the batch's own drafts are matched again (and compared with each other there); posted ones are done
    # and count, like any other bill in Odoo, against the rest of the batch
    rematched = {b.id for b in snap.own.values() if b.state != "posted"}
    snap.previous = [b for b in found.values() if b.id not in rematched and b.state != "cancel"]
    drafts = sorted(b.id for b in snap.own.values() if b.state == "draft")
    if drafts:
        types = {b.id: b.move_type for b in snap.own.values()}
        for line in odoo.search_read("account.move.line", [("move_id", "in", drafts),
                                                           ("purchase_line_id", "!=", False)],
                                     ["move_id", "purchase_line_id", "quantity"]):
            sign = -1.0 if types.get(many2one_id(line["move_id"]) or 0) == "in_refund" else 1.0
            lid = many2one_id(line["purchase_line_id"]) or 0
            snap.own_draft_qty[lid] = snap.own_draft_qty.get(lid, 0.0) + sign * float(line["quantity"])


def _together(reads: list[Callable[[], None]]) -> None:
    """Run independent chains of reads at once, each in a thread with the run's resources (the first error raised).
    Each chain writes its own fields of the snapshot: the results are those of running them one after the other."""
    res: Resources = resources()
    if res.odoo.protocol == "jsonrpc":  # version, protocol and (JSON-RPC) uid learnt once, before the threads
        res.odoo.uid  # noqa: B018

    def run(read: Callable[[], None]) -> None:
        with use_thread_resources(res):
            read()

    with ThreadPoolExecutor(max_workers=len(reads), thread_name_prefix="ofm-match-read") as pool:
        for future in [pool.submit(run, read) for read in reads]:
            future.result()


@task(name="read-odoo-for-match", cache_policy=NO_CACHE)
def read_snapshot(mapped: list[Mapped], window_days: int, run: RunInfo) -> Snapshot:
    """Everything the match and the load need from Odoo, batched; lost answers of a killed run settled."""
    snap = Snapshot()
    if not mapped:
        return snap
    bill_rows: list[list[dict[str, Any]] | None] = []

    def suppliers_and_bills() -> None:
        _partners(mapped, snap)
        bill_rows.append(_bill_rows(mapped, snap, window_days))

    _together([suppliers_and_bills, *_reference_data(mapped, snap), lambda: _orders(mapped, snap)])
    _bills(mapped, snap, bill_rows[0])  # the outbox and the store: in the run's own thread
    audit_rows(run, "odoo-read", [(None, run.correlation_id("three-way-match"), {
        "bills": len(mapped), "suppliers_found": len(set(snap.partners.values())),
        "order_lines": len(snap.order_lines), "own_bills": len(snap.own), "previous_bills": len(snap.previous),
        "settled_posts": sorted(snap.posted_now)})])
    return snap
