"""The checks a journal batch passes before anything of it is posted: pure, over what Odoo was read to hold.

Batch checks refuse the whole batch (every entry quarantined with the reason): the legal entity has no
Odoo company, the journal is missing or cannot take journal entries, the trailer's control totals do
not match the lines, or the batch id was already posted with other content. Entry checks refuse one
entry, naming the entry and the field: it does not balance (per currency), an account is unknown,
archived, of another company or of a type the source may not book in this journal, a tax or analytic
code is not mapped or not in Odoo, a distribution does not sum to 100 %, a partner is unknown, the
date is outside the batch's period, or it repeats an entry of this batch or one already in Odoo.
An entry of this batch already in Odoo with the same content is `already` posted: a re-run, a resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ofm.canonical.ledger import JournalBatch, JournalEntry, JournalLine
from ofm.canonical.money import Money, minor_units
from ofm.mappings.ledger import LedgerMapping

JOURNAL_TYPES = ("general", "sale", "purchase")  # bank and cash journals take statement lines, not entries
HASH_LEN = 12


@dataclass(frozen=True)
class AccountRef:
    id: int
    code: str
    active: bool
    account_type: str
    company_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Landed:
    """An entry the middleware posted before, as Odoo holds it (found by its `ref` anchor)."""

    move_id: int
    name: str
    date: str
    state: str
    batch_id: str
    number: str
    hash: str

    def __str__(self) -> str:
        return f"{self.name or 'draft'} (account.move {self.move_id}, batch {self.batch_id} entry {self.number})"


def anchor(source: str, batch_id: str, number: str) -> str:
    return f"ofm:{source}:{batch_id}:{number}"


def parse_anchor(ref: str) -> tuple[str, str, str, str] | None:
    """(source, batch id, entry number, content hash) of an Odoo `ref` the middleware wrote, else None."""
    if not ref or not ref.startswith("ofm:") or "#" not in ref:
        return None
    head, _, tail = ref.partition("#")
    parts = head.split(":")
    if len(parts) != 4:
        return None
    return parts[1], parts[2], parts[3], tail[:HASH_LEN]


def move_ref(batch: JournalBatch, entry: JournalEntry, original_date: object = None) -> str:
    """The entry's Odoo `ref`: its anchor, its content hash, its own reference, and a date it was moved from."""
    text = f"{anchor(batch.source, batch.batch_id, entry.number)}#{entry.content_hash()[:HASH_LEN]}"
    if entry.ref:
        text += f" {entry.ref}"
    if original_date is not None:
        text += f" (original date {original_date})"
    return text


@dataclass(frozen=True)
class LedgerReferences:
    """What Odoo holds that the checks need, read once per batch (named fields, in batches)."""

    company_id: int | None
    company_currency: str
    journal: dict | None  # id, code, type, company_id, active
    accounts: Mapping[str, AccountRef]
    taxes: Mapping[str, list[int]]  # Odoo tax name -> ids (more than one: ambiguous)
    analytic: Mapping[str, int]  # Odoo analytic account name (or code) -> id
    partners: Mapping[str, int]  # partner ref -> id
    currencies: Mapping[str, int]  # active currency name -> id
    landed: Mapping[str, Landed] = field(default_factory=dict)  # this batch's entries in Odoo, by number
    posted: Mapping[str, Landed] = field(default_factory=dict)  # the source's other entries in Odoo, by hash


@dataclass(frozen=True)
class Refusal:
    number: str
    field: str
    reason: str
    category: str = "business"


@dataclass
class BatchCheck:
    passed: list[JournalEntry] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    already: dict[str, Landed] = field(default_factory=dict)
    batch_problem: str | None = None


def _money(amount: Decimal, currency: str) -> str:
    return str(Money(amount=amount, currency=currency))


def batch_problems(batch: JournalBatch, m: LedgerMapping, refs: LedgerReferences,
                   sums: Mapping[str, object] | None, complete: bool) -> str | None:
    """Why the whole batch is refused, or None."""
    if refs.company_id is None:
        return (f"legal_entity {batch.legal_entity!r} has no Odoo company (mapped: "
                f"{', '.join(f'{k} -> {v}' for k, v in m.legal_entities.items()) or 'none'})")
    j = refs.journal
    if j is None:
        return f"journal {batch.journal_code!r} does not exist in Odoo for the company"
    if j["type"] not in JOURNAL_TYPES or not j.get("active", True):
        return f"journal {batch.journal_code!r} is a {j['type']} journal, which takes no journal entries"
    if batch.currency != refs.company_currency:
        return f"currency {batch.currency} is not the company currency {refs.company_currency}"
    if sums is not None:
        control = batch.control
        for key in ("debit", "credit", "lines", "entries"):
            said = getattr(control, key)
            if said is not None and said != sums[key]:
                return f"control totals: the trailer says {key} {said}, the delivery holds {sums[key]}"
    delivered = {e.number: e.content_hash()[:HASH_LEN] for e in batch.entries}
    other = [landed for number, landed in sorted(refs.landed.items())
             if (number in delivered and delivered[number] != landed.hash) or (complete and number not in delivered)]
    if other:
        shown = ", ".join(map(str, other[:3])) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
        return f"batch id {batch.batch_id} was already posted with other content: {shown}"
    return None


def _line_problems(i: int, line: JournalLine, m: LedgerMapping, refs: LedgerReferences,
                   company_currency: str) -> list[tuple[str, str]]:
    at = f"lines[{i}]"
    out: list[tuple[str, str]] = []
    if (line.debit > 0) == (line.credit > 0):
        out.append((f"{at}.debit", f"a line is a debit or a credit: debit {line.debit}, credit {line.credit}"))
    account = refs.accounts.get(line.account_code)
    if account is None:
        out.append((f"{at}.account_code", f"account {line.account_code} does not exist in Odoo"))
    elif not account.active:
        out.append((f"{at}.account_code", f"account {line.account_code} is archived in Odoo"))
    elif account.company_ids and refs.company_id not in account.company_ids:
        out.append((f"{at}.account_code", f"account {line.account_code} does not belong to the batch's company"))
    elif m.allowed_account_types and account.account_type not in m.allowed_account_types:
        out.append((f"{at}.account_code", f"account {line.account_code} ({account.account_type}) is not allowed "
                                          f"for source {m.source} in journal {m.journal}"))
    if line.currency != company_currency:
        if line.currency not in refs.currencies:
            out.append((f"{at}.currency", f"currency {line.currency} is not active in Odoo"))
        if line.amount_currency is None:
            out.append((f"{at}.amount_currency", f"a {line.currency} line needs its amount in {line.currency}"))
    if line.tax_code:
        name = m.taxes.get(line.tax_code)
        ids = refs.taxes.get(name, []) if name else []
        if name is None:
            out.append((f"{at}.tax_code", f"tax code {line.tax_code} is not mapped (mapped: "
                                          f"{', '.join(m.taxes) or 'none'})"))
        elif len(ids) != 1:
            out.append((f"{at}.tax_code", f"tax {name!r} (code {line.tax_code}) is "
                                          f"{'not in Odoo' if not ids else 'ambiguous in Odoo'}"))
    if line.analytic:
        for code, _ in line.analytic:
            name = m.analytic.get(code)
            if name is None:
                out.append((f"{at}.analytic", f"analytic code {code} is not mapped"))
            elif name not in refs.analytic:
                out.append((f"{at}.analytic", f"analytic account {name!r} (code {code}) does not exist in Odoo"))
        total = sum((p for _, p in line.analytic), Decimal(0))
        if total != 100:
            out.append((f"{at}.analytic", f"analytic distribution sums to {total} %, not 100 %"))
    if line.partner_ref and line.partner_ref not in refs.partners:
        out.append((f"{at}.partner_ref", f"partner {line.partner_ref} does not exist in Odoo"))
    return out


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def _plain(line: JournalLine, refs: LedgerReferences, m: LedgerMapping, currency: str) -> bool:
    """A line with nothing that could be wrong (the common case, checked at volume without building messages)."""
    account = refs.accounts.get(line.account_code)
    return (account is not None and account.active and (not account.company_ids or refs.company_id in
                                                         account.company_ids)
            and (not m.allowed_account_types or account.account_type in m.allowed_account_types)
            and (line.debit > 0) != (line.credit > 0) and line.currency == currency and not line.tax_code
            and not line.analytic and not line.partner_ref and not line.tax_line)


def entry_problems(batch: JournalBatch, entry: JournalEntry, m: LedgerMapping,
                   refs: LedgerReferences) -> list[tuple[str, str]]:
    """(field, reason) of everything wrong with one entry; empty when it may be posted."""
    out: list[tuple[str, str]] = []
    on = entry.accounting_date
    if f"{on.year:04d}-{on.month:02d}" != batch.period:
        out.append(("accounting_date", f"{entry.accounting_date} is outside the batch's period {batch.period}"))
    balance = sum((line.debit - line.credit for line in entry.lines), Decimal(0))
    if balance.quantize(_quantum(batch.currency), rounding=ROUND_HALF_UP) != 0:
        debit = sum((line.debit for line in entry.lines), Decimal(0))
        out.append(("lines", f"the entry does not balance: debit {_money(debit, batch.currency)}, credit "
                             f"{_money(debit - balance, batch.currency)} (difference "
                             f"{_money(balance, batch.currency)})"))
    for currency in entry.currencies:
        if currency == batch.currency:
            continue
        foreign = sum((line.amount_currency or Decimal(0) for line in entry.lines if line.currency == currency),
                      Decimal(0))
        if Money(amount=foreign, currency=currency).rounded().amount != 0:
            out.append(("lines.amount_currency", f"the {currency} lines do not balance (difference "
                                                 f"{_money(foreign, currency)})"))
    taxed = {line.tax_code for line in entry.lines if line.tax_code and not line.tax_line}
    for i, line in enumerate(entry.lines):
        if _plain(line, refs, m, batch.currency):
            continue
        out += _line_problems(i, line, m, refs, batch.currency)
        if line.tax_line and line.tax_code not in taxed:
            out.append((f"lines[{i}].tax_line", f"a tax line of {line.tax_code or 'no tax'} without a base line "
                                               "carrying that tax"))
    return out


def check_batch(batch: JournalBatch, m: LedgerMapping, refs: LedgerReferences,
                sums: Mapping[str, object] | None = None, complete: bool = True) -> BatchCheck:
    """Sort the batch's entries: already in Odoo, refused (with the field and why), or passed.

    `sums`: what the delivery holds (compared with the trailer); `complete`: the batch is a whole delivery
    (an entry of its batch id in Odoo that it lacks means the id was reused), not deferred entries taken up.
    """
    result = BatchCheck()
    problem = batch_problems(batch, m, refs, sums, complete)
    if problem:
        result.batch_problem = problem
        result.refused = [Refusal(e.number, "batch_id" if "already posted" in problem else "batch", problem)
                          for e in batch.entries]
        return result
    seen: dict[str, str] = {}
    for entry in batch.entries:
        digest = entry.content_hash()[:HASH_LEN]
        landed = refs.landed.get(entry.number)
        if landed is not None:
            result.already[entry.number] = landed
            seen.setdefault(digest, entry.number)
            continue
        if digest in seen:
            result.refused.append(Refusal(entry.number, "(entry)", f"repeats entry {seen[digest]} of this batch"))
            continue
        seen[digest] = entry.number
        if digest in refs.posted:
            result.refused.append(Refusal(entry.number, "(entry)", f"repeats {refs.posted[digest]}, already in Odoo"))
            continue
        problems = entry_problems(batch, entry, m, refs)
        if problems:
            result.refused.append(Refusal(entry.number, problems[0][0], "; ".join(f"{f}: {r}" for f, r in problems)))
        else:
            result.passed.append(entry)
    return result
