"""Partner tasks: read Odoo's reference data, find existing partners, decide, load in batches.

Idempotency is ours: every write is first recorded in the outbox under a unique key, and a
create whose outcome is unknown is resolved by looking the partner up by its anchors (VAT,
then vendor code) before anything is created again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ofm.canonical import Supplier
from ofm.rules.resemblance import group_by_country, similar_partners
from ofm.rules.supplier_decision import Decision, References, compact_account, decide, partner_vals
from ofm.tasks.shared.audit import AuditBatch
from ofm.tasks.shared.outcome import Received
from ofm.tasks.shared.resources import resources

PARTNER = "res.partner"
BANK = "res.partner.bank"
ANY_ACTIVE = ["|", ("active", "=", True), ("active", "=", False)]
LOOK_UP = 5000  # anchor values per look-up read


@dataclass(frozen=True)
class Approvals:
    """Decisions a person took on held records (from a quarantine replay)."""

    review: frozenset[str] = frozenset()  # record refs approved as new despite a lookalike
    bank: frozenset[str] = frozenset()  # record refs whose new bank accounts were approved


def read_references() -> tuple[References, dict[str, set[str]]]:
    """Countries, active currencies and payment terms from Odoo: three named-field reads."""
    odoo = resources().odoo
    countries = odoo.search_read("res.country", [], ["code"])
    currencies = odoo.search_read("res.currency", [("active", "=", True)], ["name"])
    terms = odoo.search_read("account.payment.term", [], ["name"])
    refs = References(
        countries={c["code"]: c["id"] for c in countries if c.get("code")},
        currencies={c["name"]: c["id"] for c in currencies},
        payment_terms={t["name"]: t["id"] for t in terms},
    )
    return refs, {"countries": set(refs.countries), "currencies": set(refs.currencies),
                  "payment_terms": set(refs.payment_terms)}


def _partner_fields(owned: list[str]) -> list[str]:
    return sorted(set(owned) | {"id", "name", "vat", "ref", "active", "country_id", "supplier_rank"})


class Decider:
    """Finds each supplier's Odoo partner (VAT, then vendor code) and decides what to do, chunk by chunk.

    A chunk's look-ups are its own (anchors, then the bank accounts of the partners found); the lookalike pool
    (company partners of a country) is read once per run, for a country the first time an unmatched supplier
    of it comes: no partner this run created is in it (this run creates only unmatched suppliers, and their
    countries' pools were read before). Records are grouped by the mapping that read them: each source owns
    its own fields."""

    def __init__(self, refs: References, approvals: Approvals) -> None:
        self.refs, self.approvals = refs, approvals
        self.pool: dict[bool, dict] = {True: {}, False: {}}
        self.read: set[int] = set()
        self.found: dict[str, dict[tuple[Any, Any], dict[str, Any] | None]] = {}

    def look_up(self, anchors: list[tuple[str, Any, Any]]) -> None:
        """Every partner of the batch by its anchors, before the first chunk (as one read before any write did):
        (mapping, vat, vendor code) of each record, a few reads per mapping instead of a few per chunk."""
        from ofm.tasks.suppliers.intake import mapping_spec

        odoo = resources().odoo
        for mapping in dict.fromkeys(m for m, _, _ in anchors):
            spec = mapping_spec(mapping)
            keys = list(dict.fromkeys((vat, code) for m, vat, code in anchors if m == mapping))
            found = self.found.setdefault(mapping, {})
            for start in range(0, len(keys), LOOK_UP):
                part = keys[start:start + LOOK_UP]
                hits = odoo.find_by_anchors(PARTNER, list(spec.anchors), [{"vat": v, "ref": c} for v, c in part],
                                            _partner_fields(list(spec.ownership.owned)), domain=ANY_ACTIVE)
                found.update(zip(part, hits, strict=True))

    def decide(self, passed: list[tuple[Supplier, Received]], audit: AuditBatch) -> list[tuple[Decision, Received]]:
        from ofm.tasks.suppliers.intake import mapping_spec

        by_mapping: dict[str, list[tuple[Supplier, Received]]] = {}
        for pair in passed:
            by_mapping.setdefault(pair[1].mapping, []).append(pair)
        decisions: list[tuple[Decision, Received]] = []
        for mapping, group in by_mapping.items():
            spec = mapping_spec(mapping)
            decided = self._group(group, list(spec.anchors), list(spec.ownership.owned))
            decisions += decided
            ownership = f"{mapping} ({spec.source}:{spec.object})"
            audit.add("decided", [
                (d.record_ref, item.lineage.correlation_id,
                 {"action": d.action.value, "odoo_id": d.odoo_id, "changed_fields": list(d.changed_fields),
                  "reasons": list(d.reasons), "rule": "supplier_decision.decide", "ownership": ownership})
                for d, item in decided])
        return decisions

    def _group(self, passed: list[tuple[Supplier, Received]], anchors: list[str], owned: list[str]
               ) -> list[tuple[Decision, Received]]:
        """Decisions for suppliers of one mapping: a few batched reads, then pure rules."""
        odoo, refs, approvals = resources().odoo, self.refs, self.approvals
        known = self.found.get(passed[0][1].mapping, {})
        keys = [(s.vat, s.vendor_code) for s, _ in passed]
        missing = [k for k in keys if k not in known]  # none: every record was looked up before the first chunk
        if missing:
            hits = odoo.find_by_anchors(PARTNER, anchors, [{"vat": v, "ref": c} for v, c in missing],
                                        _partner_fields(owned), domain=ANY_ACTIVE)
            known = {**known, **dict(zip(missing, hits, strict=True))}
        found = [known[k] for k in keys]
        partner_ids = sorted({p["id"] for p in found if p})
        accounts: dict[int, list[str]] = {}
        if partner_ids:
            banks = odoo.search_read(BANK, [("partner_id", "in", partner_ids)], ["partner_id", "acc_number"])
            for bank in banks:
                accounts.setdefault(bank["partner_id"][0], []).append(bank["acc_number"])
        self._read_pools(odoo, [s for (s, _), p in zip(passed, found, strict=True) if p is None])
        decisions: list[tuple[Decision, Received]] = []
        for (supplier, item), existing in zip(passed, found, strict=True):
            desired = partner_vals(supplier, refs, owned)
            country = desired.get("country_id") or None
            similar = [] if existing else similar_partners(supplier.legal_name, country, self.pool[bool(supplier.vat)])
            decision = decide(
                supplier, desired, existing, accounts.get(existing["id"], []) if existing else (),
                similar=similar, review_approved=item.record_ref in approvals.review,
                bank_change_approved=item.record_ref in approvals.bank)
            decisions.append((decision, item))
        return decisions

    def _read_pools(self, odoo, unmatched: list[Supplier]) -> None:
        """Company partners in the unmatched suppliers' countries not read yet (one paged read), in two pools.

        A supplier with a VAT number is compared only with partners without one: a partner with
        another VAT number is another legal entity, not a duplicate.
        """
        country_ids = sorted({self.refs.countries[s.country] for s in unmatched
                              if s.country in self.refs.countries} - self.read)
        if not country_ids:
            return
        self.read.update(country_ids)
        rows = odoo.search_read(PARTNER, [("is_company", "=", True), ("country_id", "in", country_ids)],
                                ["name", "country_id", "vat"])
        self.pool[False].update(group_by_country(rows))
        self.pool[True].update(group_by_country([r for r in rows if not r.get("vat")]))


def existing_accounts(odoo, partner_id: int) -> set[str]:
    """Compact account numbers Odoo holds for one partner."""
    rows = odoo.search_read(BANK, [("partner_id", "=", partner_id)], ["acc_number"])
    return {compact_account(r["acc_number"]) for r in rows}


def payload_hash(vals: dict[str, Any]) -> str:
    from ofm.canonical import content_hash

    return content_hash(vals)[:16]
