"""What a month-end close reads from Odoo, batched and by named fields: the order lines received and not
billed (for the accrual), their expense accounts, the companies' currencies and the period end's rates.

A line's expense account is the one Odoo books its bill on: the product's, else its category's, else
(a product without a category, as the API creates them) the default account of the company's purchase
journal. A handful of reads whatever the number of lines (order lines page by page, products,
categories, journals, accounts, currencies); the accrual itself is the pure rule in
ofm/rules/close/accruals.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ofm.rules.close.accruals import ReceivedLine
from ofm.tasks.p2p.odoo import many2one_id

POL = "purchase.order.line"
RECEIVED_FIELDS = ["order_id", "company_id", "currency_id", "product_id", "product_qty", "qty_received",
                   "qty_invoiced", "price_unit", "price_subtotal", "analytic_distribution"]
CONFIRMED = ("purchase", "done")   # 18 keeps a locked order in `done`; 19 in `purchase` with `locked`


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def _name(value: Any) -> str:
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else str(value or "")


def read_received_lines(odoo, company_ids: list[int] | None = None) -> list[ReceivedLine]:
    """Lines of confirmed orders with something received (billed or not: the rule compares), with accounts."""
    domain: list[Any] = [["order_id.state", "in", list(CONFIRMED)], ["qty_received", ">", 0],
                         ["display_type", "=", False]]
    if company_ids:
        domain.append(["company_id", "in", list(company_ids)])
    rows = odoo.search_read(POL, domain, RECEIVED_FIELDS, order="id")
    accounts = expense_accounts(odoo, {pid for r in rows if (pid := many2one_id(r.get("product_id")))})
    fallback = purchase_journal_accounts(odoo, {many2one_id(r.get("company_id")) or 0 for r in rows})
    return [ReceivedLine(
        line_id=r["id"], order=_name(r.get("order_id")), company_id=many2one_id(r.get("company_id")) or 0,
        currency=_name(r.get("currency_id")), qty_ordered=_dec(r.get("product_qty")),
        qty_received=_dec(r.get("qty_received")), qty_invoiced=_dec(r.get("qty_invoiced")),
        price_subtotal=_dec(r.get("price_subtotal")), price_unit=_dec(r.get("price_unit")),
        account_code=accounts.get(many2one_id(r.get("product_id")) or 0)
        or fallback.get(many2one_id(r.get("company_id")) or 0),
        analytic=tuple(sorted((str(k), _dec(v)) for k, v in (r.get("analytic_distribution") or {}).items())))
        for r in rows]


def expense_accounts(odoo, product_ids: set[int]) -> dict[int, str]:
    """product id -> the code of its expense account: the product's own, else its category's (three reads)."""
    if not product_ids:
        return {}
    products = odoo.read("product.product", sorted(product_ids), ["property_account_expense_id", "categ_id"])
    categories = {cid for p in products if (cid := many2one_id(p.get("categ_id")))}
    by_category = {c["id"]: many2one_id(c.get("property_account_expense_categ_id"))
                   for c in (odoo.read("product.category", sorted(categories), ["property_account_expense_categ_id"])
                             if categories else [])}
    account_of = {p["id"]: many2one_id(p.get("property_account_expense_id"))
                  or by_category.get(many2one_id(p.get("categ_id")) or 0) for p in products}
    ids = sorted({a for a in account_of.values() if a})
    codes = {a["id"]: a["code"] for a in (odoo.read("account.account", ids, ["code"]) if ids else [])}
    return {pid: codes[aid] for pid, aid in account_of.items() if aid and aid in codes}


def purchase_journal_accounts(odoo, company_ids: set[int]) -> dict[int, str]:
    """company id -> the default account of its first purchase journal: where Odoo books a bill line whose
    product and category name no expense account (products created without a category have none)."""
    ids = sorted(c for c in company_ids if c)
    if not ids:
        return {}
    journals = odoo.search_read("account.journal", [["type", "=", "purchase"], ["company_id", "in", ids]],
                                ["company_id", "default_account_id"], order="sequence, id")
    first: dict[int, int] = {}
    for j in journals:
        if (company := many2one_id(j.get("company_id"))) and (account := many2one_id(j.get("default_account_id"))):
            first.setdefault(company, account)
    codes = {a["id"]: a["code"] for a in odoo.read("account.account", sorted(set(first.values())), ["code"])} \
        if first else {}
    return {company: codes[account] for company, account in first.items() if account in codes}


def currencies_and_rates(odoo, lines: list[ReceivedLine], on: date
                         ) -> tuple[dict[int, str], dict[tuple[int, str], Decimal]]:
    """Each company's currency, and for each (company, foreign currency) of `lines` its rate on `on`
    (units of the currency per unit of the company's, as Odoo's `res.currency.rate` computes it)."""
    companies = sorted({line.company_id for line in lines})
    home = {c["id"]: _name(c.get("currency_id"))
            for c in (odoo.read("res.company", companies, ["currency_id"]) if companies else [])}
    rates: dict[tuple[int, str], Decimal] = {}
    for company in companies:
        foreign = sorted({line.currency for line in lines if line.company_id == company} - {home.get(company)})
        if not foreign:
            continue
        rows = odoo.call("res.currency", "search_read", args=[[["name", "in", foreign]]],
                         kwargs={"fields": ["name", "rate"], "context": {"date": on.isoformat(), "company_id": company,
                                                                         "allowed_company_ids": [company]}})
        rates.update({(company, r["name"]): _dec(r.get("rate")) for r in rows if r.get("rate")})
    return home, rates


LOCK_FIELDS = ["fiscalyear_lock_date", "tax_lock_date", "sale_lock_date", "purchase_lock_date", "hard_lock_date"]
BILL_TYPES = ["in_invoice", "in_refund"]


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def read_close_facts(odoo, company_id: int, start: date, end: date) -> dict[str, Any]:
    """What Odoo shows of a company's period for the close checklist (four reads, movement paged):
    lock dates, posted movement per account, draft vendor bills, unreconciled statement lines up to `end`."""
    from ofm.rules.close.checklist import DraftBill, OpenStatementLines

    [company] = odoo.read("res.company", [company_id], ["name", *LOCK_FIELDS])
    movement: dict[str, list[Decimal]] = {}
    for r in odoo.search_read("account.move.line", [["company_id", "=", company_id], ["parent_state", "=", "posted"],
                                                    ["date", ">=", start.isoformat()], ["date", "<=", end.isoformat()]],
                              ["account_id", "debit", "credit"]):
        code = _name(r.get("account_id")).split(" ", 1)[0]
        sums = movement.setdefault(code, [Decimal(0), Decimal(0)])
        sums[0] += _dec(r.get("debit"))
        sums[1] += _dec(r.get("credit"))
    bills = odoo.search_read("account.move", [["company_id", "=", company_id], ["move_type", "in", BILL_TYPES],
                                              ["state", "=", "draft"]],
                             ["name", "ref", "partner_id", "amount_total", "currency_id", "invoice_date",
                              "create_date"])
    lines = odoo.search_read("account.bank.statement.line", [["company_id", "=", company_id],
                                                             ["is_reconciled", "=", False],
                                                             ["date", "<=", end.isoformat()]],
                             ["journal_id", "amount", "date"])
    by_journal: dict[str, list] = {}
    for r in lines:
        by_journal.setdefault(_name(r.get("journal_id")), []).append(r)
    return {
        "company": company["name"],
        "lock_dates": {k: _day(company.get(k)) for k in LOCK_FIELDS},
        "movement": {code: (d.quantize(Decimal("0.01")), c.quantize(Decimal("0.01")))
                     for code, (d, c) in movement.items()},
        "draft_bills": tuple(DraftBill(
            name=b["name"] if b.get("name") not in (None, False, "/") else f"draft {b['id']} ({b.get('ref') or ''})",
            partner=_name(b.get("partner_id")), amount=_dec(b.get("amount_total")),
            currency=_name(b.get("currency_id")), invoice_date=_day(b.get("invoice_date")),
            created=_day(b.get("create_date")) or end) for b in bills),
        "open_statement_lines": tuple(OpenStatementLines(
            journal=journal, count=len(rows), amount=sum((_dec(r.get("amount")) for r in rows), Decimal(0)),
            oldest=min(_day(r.get("date")) for r in rows)) for journal, rows in sorted(by_journal.items())),
    }


REVERSAL = "account.move.reversal"


class ReversalNotAsAsked(RuntimeError):
    """Odoo answered the reversal but what it shows is not what was asked (another date, no link)."""


def reverse_entries(odoo, move_ids: list[int], on: date, reason: str) -> dict[int, int]:
    """Reverse posted entries through Odoo's own wizard, dated `on`; original id -> reversal id.

    Idempotent: an entry that already has a reversal (`reversed_entry_id` points at it) is not reversed
    again, so a re-run, or a run after an answer was lost, finds the reversal instead of making a second.
    One wizard per entry: given several journal entries at once, Odoo 19's wizard leaves their reversals
    drafts (its `move_type` is only set for one entry, and only an `entry` reversal is posted and
    reconciled: addons/account/wizard/account_move_reversal.py). The wizard is created with the context the
    web client gives it (`active_model`, `active_ids`: its `default_get` reads the entry from there) and
    answered with `reverse_moves`. The effect is checked before it is reported: each reversal must point at
    its entry, carry the date asked and be posted (a date after Odoo's today stays a draft that Odoo posts
    by itself on that date, `auto_post = at_date`); else ReversalNotAsAsked.
    """
    from ofm.tasks.shared.lost_answers import send_settled

    ids = sorted(set(move_ids))
    if not ids:
        return {}

    def reversals(of: list[int]) -> dict[int, int]:
        return {many2one_id(r["reversed_entry_id"]) or 0: r["id"] for r in odoo.search_read(
            "account.move", [["reversed_entry_id", "in", of], ["state", "!=", "cancel"]], ["reversed_entry_id"])}

    def reverse(move_id: int, journal: int) -> None:
        context = {"active_model": "account.move", "active_ids": [move_id]}
        [wizard] = odoo.create(REVERSAL, [{"date": on.isoformat(), "journal_id": journal, "reason": reason}],
                               context=context)
        odoo.call(REVERSAL, "reverse_moves", ids=[wizard], kwargs={"context": context})

    done = reversals(ids)
    todo = [i for i in ids if i not in done]
    if todo:
        by_journal: dict[int, list[int]] = {}
        for m in odoo.read("account.move", todo, ["journal_id", "state"]):
            if m["state"] != "posted":
                raise ReversalNotAsAsked(f"account.move {m['id']} is {m['state']}: only a posted entry is reversed")
            by_journal.setdefault(many2one_id(m["journal_id"]) or 0, []).append(m["id"])
        for journal, group in sorted(by_journal.items()):
            for move_id in group:
                # an answer lost (the wizard's create or `reverse_moves`): Odoo is asked whether the entry has its
                # reversal; only if not is a new wizard made and answered (a wizard left behind is transient)
                send_settled(f"reversal of account.move {move_id}",
                             lambda _, move_id=move_id, journal=journal: reverse(move_id, journal), [move_id],
                             lambda of: [i for i in of if i not in reversals(of)], odoo=odoo)
        done = reversals(ids)
    shown = {r["id"]: r for r in odoo.read("account.move", sorted(done.values()),
                                           ["date", "reversed_entry_id", "state", "auto_post"])}
    later = on > date.today()  # a reversal dated later is a draft Odoo posts by itself on its date
    wrong = [f"{orig}: reversal {rev} dated {shown[rev]['date']}" for orig, rev in done.items()
             if rev in shown and shown[rev]["date"] != on.isoformat()]
    wrong += [f"{orig}: reversal {rev} is {shown[rev]['state']}" for orig, rev in done.items()
              if rev in shown and shown[rev]["state"] != "posted"
              and not (later and shown[rev]["state"] == "draft" and shown[rev].get("auto_post") == "at_date")]
    missing = [i for i in ids if i not in done]
    if wrong or missing:
        raise ReversalNotAsAsked(f"asked to reverse on {on}: " + "; ".join(
            wrong + [f"{m}: Odoo shows no reversal" for m in missing]))
    return {orig: done[orig] for orig in ids}
