"""What Odoo holds that a journal batch is checked against: read per batch, named fields only, in batches.

One read per model for the whole batch (accounts by the codes the batch uses, taxes and analytic
accounts by the names the mapping gives them, partners by ref), the company's lock dates (only the
fields this server has: `fields_get` once), and the entries the middleware posted before: this
batch's (by the `ref` anchor prefix) and the source's other entries in the batch's date range (to
refuse an entry repeated under another batch id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.rules.ledger import AccountRef, Landed, LedgerReferences, LockDates, parse_anchor
from ofm.rules.ledger.periods import LABELS
from ofm.tasks.ledger.intake import LedgerFile
from ofm.tasks.shared.resources import resources

MOVE = "account.move"
ANY_ACTIVE = ["|", ("active", "=", True), ("active", "=", False)]


@dataclass(frozen=True)
class Snapshot:
    """A batch's references, the company's lock dates and the journal's type (which lock dates apply)."""

    refs: LedgerReferences
    locks: LockDates
    journal_type: str
    lock_fields: tuple[str, ...] = ()  # the lock date fields this server has


def _id(value: Any) -> int | None:
    return value[0] if isinstance(value, list | tuple) and value else None


def _lock_fields() -> tuple[str, ...]:
    """The lock date fields this server has (all five on Odoo 19; older ones lack some)."""
    fields = resources().odoo.fields_get("res.company", attributes=("type",))
    return tuple(name for name in LABELS if name in fields)


def read_lock_dates(company_id: int, names: tuple[str, ...] | None = None) -> LockDates:
    """The company's lock dates as Odoo holds them now (a field this Odoo lacks counts as unset)."""
    odoo = resources().odoo
    names = _lock_fields() if names is None else names
    if not names:
        return LockDates()
    [row] = odoo.read("res.company", [company_id], list(names))
    return LockDates(**{n: date.fromisoformat(row[n]) if row.get(n) else None for n in names})


def _landed(rows: list[dict]) -> list[Landed]:
    out = []
    for r in rows:
        parsed = parse_anchor(r.get("ref") or "")
        if parsed:
            out.append(Landed(r["id"], r.get("name") or "", r.get("date") or "", r.get("state") or "", parsed[1],
                              parsed[2], parsed[3]))
    return out


def read_landed(source: str, batch_id: str, company_id: int) -> dict[str, Landed]:
    """This batch's entries in Odoo, by entry number (the lowest id wins should Odoo hold one twice)."""
    prefix = f"ofm:{source}:{batch_id}:"
    rows = resources().odoo.search_read(MOVE, [("ref", "=like", prefix + "%"), ("company_id", "=", company_id)],
                                        ["ref", "name", "date", "state"], page_size=5000)
    found: dict[str, Landed] = {}
    for landed in _landed(rows):
        if landed.batch_id == batch_id and landed.state != "cancel":
            found.setdefault(landed.number, landed)
    return found


def _posted_elsewhere(lf: LedgerFile, company_id: int) -> dict[str, Landed]:
    """The source's entries of other batches in the batch's date range, by content hash."""
    batch = lf.batch
    dates = [e.accounting_date for e in batch.entries]
    if not dates:
        return {}
    first, last = min(dates), max(max(dates), date.today()) + timedelta(days=1)
    domain = [("ref", "=like", f"ofm:{batch.source}:%"), ("company_id", "=", company_id),
              ("date", ">=", first.isoformat()), ("date", "<=", last.isoformat()), ("state", "!=", "cancel")]
    rows = resources().odoo.search_read(MOVE, domain, ["ref", "name", "date", "state"], page_size=5000)
    return {landed.hash: landed for landed in _landed(rows) if landed.batch_id != batch.batch_id}


@task(name="read-ledger-references", cache_policy=NO_CACHE)
def read_references(lf: LedgerFile) -> Snapshot:
    """Everything the checks of one batch need from Odoo, read in one go."""
    odoo = resources().odoo
    batch, m = lf.batch, lf.mapping
    company_name = m.legal_entities.get(batch.legal_entity)
    companies = odoo.search_read("res.company", [("name", "=", company_name)], ["name", "currency_id"]) \
        if company_name else []
    company = companies[0] if len(companies) == 1 else None
    if company is None:
        empty = LedgerReferences(None, batch.currency, None, {}, {}, {}, {}, {})
        return Snapshot(empty, LockDates(), "general")
    cid = company["id"]
    journals = odoo.search_read("account.journal", [("code", "=", batch.journal_code), ("company_id", "=", cid)],
                                ["code", "type", "active"])
    lines = [line for e in batch.entries for line in e.lines]
    codes = sorted({line.account_code for line in lines})
    accounts = {r["code"]: AccountRef(r["id"], r["code"], bool(r["active"]), r["account_type"],
                                      tuple(r.get("company_ids") or ()))
                for r in odoo.search_read("account.account", [*ANY_ACTIVE, ("code", "in", codes)],
                                          ["code", "active", "account_type", "company_ids"], page_size=5000)}
    tax_names = sorted({m.taxes[line.tax_code] for line in lines if line.tax_code in m.taxes})
    taxes: dict[str, list[int]] = {}
    tax_domain = [("name", "in", tax_names), ("company_id", "=", cid)]
    if m.tax_use:  # a chart may name a sale and a purchase tax alike (be_comp 19: "21% S")
        tax_domain.append(("type_tax_use", "=", m.tax_use))
    for r in odoo.search_read("account.tax", tax_domain, ["name"]) if tax_names else []:
        taxes.setdefault(r["name"], []).append(r["id"])
    names = sorted({m.analytic[code] for line in lines for code, _ in line.analytic if code in m.analytic})
    analytic: dict[str, int] = {}
    if names:
        for r in odoo.search_read("account.analytic.account", ["|", ("name", "in", names), ("code", "in", names)],
                                  ["name", "code"]):
            analytic.setdefault(r["name"], r["id"])
            if r.get("code"):
                analytic.setdefault(r["code"], r["id"])
    partner_refs = sorted({line.partner_ref for line in lines if line.partner_ref})
    partners = {r["ref"]: r["id"] for r in odoo.search_read("res.partner", [("ref", "in", partner_refs)], ["ref"])} \
        if partner_refs else {}
    wanted = sorted({line.currency for line in lines})
    currencies = {r["name"]: r["id"] for r in odoo.search_read("res.currency", [("name", "in", wanted)], ["name"])}
    journal = journals[0] if journals else None
    refs = LedgerReferences(cid, company["currency_id"][1] if company.get("currency_id") else batch.currency,
                            journal, accounts, taxes, analytic, partners, currencies,
                            landed=read_landed(batch.source, batch.batch_id, cid), posted=_posted_elsewhere(lf, cid))
    names = _lock_fields()
    return Snapshot(refs, read_lock_dates(cid, names), journal["type"] if journal else "general", names)
