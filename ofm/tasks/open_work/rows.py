"""The open work, row by row: what each open quarantine entry is about, in words a person acts on.

Pure: a quarantine row (and, at hand, the names of Odoo documents and the Odoo record its audit trail
names) in, one `OpenRow` out. What is shown is read from the payload each flow stores: a bank entry's
amount, date, counterparty, references and ranked suggestions; a bill's total and date; an order's net
total; a receipt's date; a journal entry's debit total and date. No Prefect, no I/O: the flow and the
`ofm open-work` command print the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

NO_OPEN_WORK = "no open work"
COLUMNS = ("quarantine id", "record", "counterparty", "reference", "amount", "date", "reason", "category", "age",
           "suggestions", "odoo")
# where a journal entry's lines and its date are, across the ledger mappings' raw shapes (first found wins)
LINE_KEYS = ("lines", "rows")
DATE_KEYS = ("accounting_date", "date", "day", "posting_date", "approved_on", "booking_date")


@dataclass(frozen=True)
class Facts:
    """What a payload says about its record; None where it says nothing."""

    counterparty: str | None = None
    reference: str | None = None
    amount: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """A ranked reading of an unmatched bank entry: the Odoo documents it would settle."""

    documents: tuple[str, ...]
    score: float
    why: str

    def text(self) -> str:
        return f"{' + '.join(self.documents)} ({self.score:.2f}: {self.why})"


@dataclass(frozen=True)
class OpenRow:
    """One open quarantine entry as the open-work view shows it."""

    quarantine_id: int
    owner_team: str
    category: str
    object_type: str
    record: str
    reason: str
    created_at: datetime
    age_hours: float
    facts: Facts = field(default_factory=Facts)
    suggestions: tuple[Suggestion, ...] = ()
    odoo_url: str | None = None

    @property
    def age(self) -> str:
        return age_text(self.age_hours)

    def cells(self) -> dict[str, Any]:
        """The row of the team's table artifact (COLUMNS; empty text where there is nothing)."""
        f = self.facts
        return dict(zip(COLUMNS, (self.quarantine_id, self.record, f.counterparty or "", f.reference or "",
                                  f.amount or "", f.date or "", self.reason, self.category, self.age,
                                  "; ".join(s.text() for s in self.suggestions), self.odoo_url or ""), strict=True))


def age_text(hours: float) -> str:
    """`12 min`, `5 h` (under two days), `3 d`."""
    if hours < 1:
        return f"{max(0, int(hours * 60))} min"
    return f"{int(hours)} h" if hours < 48 else f"{int(hours // 24)} d"


def hours_since(at: datetime, now: datetime) -> float:
    """Hours from `at` (naive: UTC, as SQLite gives it back) to `now`."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return max(0.0, (now - at).total_seconds() / 3600)


def odoo_url(base: str, model: str | None, record_id: int | None) -> str | None:
    """The record's page in Odoo 17+ (`/odoo/<model>/<id>`), or None."""
    if not model or not isinstance(record_id, int) or isinstance(record_id, bool):
        return None
    return f"{base.rstrip('/')}/odoo/{model}/{record_id}"


def decimal(value: Any) -> Decimal | None:
    """A number as a source writes it: `1287.20`, `4370,00`, `1.234,56`; None when it is none."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    text = str(value).strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _money(amount: Any, currency: Any, note: str = "") -> str | None:
    number = decimal(amount)
    if number is None:
        return None
    return " ".join(str(p) for p in (number, currency, note) if p)


def _text(*values: Any, sep: str = " | ") -> str | None:
    parts = [str(v) for v in values if v not in (None, "", False)]
    return sep.join(dict.fromkeys(parts)) or None


def _name(value: Any) -> str | None:
    return (value.get("name") or value.get("legal_name") or value.get("id")) if isinstance(value, dict) else None


def bank_entry(p: Mapping[str, Any]) -> Facts:
    e = p.get("entry") or {}
    amount = e.get("amount") or {}
    e2e = e.get("end_to_end_id") if e.get("end_to_end_id") not in ("NOTPROVIDED",) else None
    return Facts(counterparty=_text(e.get("counterparty_name"), e.get("counterparty_iban"), sep=", "),
                 reference=_text(e.get("remittance"), e.get("creditor_reference"), e2e,
                                 e.get("bank_reference") and f"bank ref {e['bank_reference']}"),
                 amount=_money(amount.get("amount"), amount.get("currency")),
                 date=e.get("booking_date") or e.get("value_date"))


def vendor_bill(p: Mapping[str, Any]) -> Facts:
    if "content" in p and "invoice_number" not in p:  # a UBL file kept whole
        return Facts(reference=p.get("file"))
    return Facts(counterparty=_name(p.get("supplier")), reference=_text(p.get("invoice_number"), p.get("order_id")),
                 amount=_money(p.get("total"), p.get("currency")), date=p.get("invoice_date"))


def purchase_order(p: Mapping[str, Any]) -> Facts:
    net = [(decimal(line.get("quantity")), decimal(line.get("unit_price"))) for line in p.get("lines") or []]
    total = sum((q * u for q, u in net if q is not None and u is not None), Decimal(0)) if net else None
    return Facts(counterparty=_name(p.get("supplier")),
                 reference=_text(p.get("id"), p.get("revision") and f"revision {p['revision']}", sep=" "),
                 amount=_money(total, p.get("currency"), "net") if total is not None else None,
                 date=p.get("order_date"))


def goods_receipt(p: Mapping[str, Any]) -> Facts:
    return Facts(reference=_text(p.get("id"), p.get("order_id") and f"order {p['order_id']}"),
                 date=p.get("received_on"))


def supplier(p: Mapping[str, Any]) -> Facts:
    return Facts(counterparty=p.get("legal_name") or p.get("name"),
                 reference=_text(p.get("vendor_code"), p.get("tax_id"), p.get("id")))


def journal_entry(p: Mapping[str, Any]) -> Facts:
    """A sub-ledger entry as delivered (a file's rows, a report's lines) or as mapped (a deferred entry)."""
    entry = p.get("entry") if isinstance(p.get("entry"), dict) else {}
    batch = p.get("batch") if isinstance(p.get("batch"), dict) else {"batch_id": p.get("batch")}
    lines = next((v for k in LINE_KEYS for v in (p.get(k), entry.get(k)) if isinstance(v, list) and v), [])
    debits = [decimal(line.get("debit")) for line in lines if isinstance(line, dict)]
    currency = next((line.get("currency") for line in lines if isinstance(line, dict) and line.get("currency")),
                    batch.get("currency"))
    first = lines[0] if lines and isinstance(lines[0], dict) else {}
    day = next((d.get(k) for k in DATE_KEYS for d in (entry, p, first) if d.get(k)), None)
    total = sum((d for d in debits if d is not None), Decimal(0))
    return Facts(reference=_text(batch.get("batch_id"), entry.get("ref") or entry.get("report"), entry.get("title"),
                                 p.get("file")), date=day,
                 amount=_money(total, currency, "debit") if any(d is not None for d in debits) else None)


def accrual_line(p: Mapping[str, Any]) -> Facts:
    return Facts(reference=_text(p.get("order"), p.get("purchase_order_line") and
                                 f"order line {p['purchase_order_line']}", sep=", "), date=p.get("period"))


def held_file(p: Mapping[str, Any]) -> Facts:
    return Facts(reference=p.get("file"))


def anything(p: Mapping[str, Any]) -> Facts:
    """A record type this view does not know yet: its id or file, nothing guessed."""
    return Facts(reference=_text(p.get("id"), p.get("file")))


FACTS: dict[str, Callable[[Mapping[str, Any]], Facts]] = {
    "bank-entry": bank_entry, "vendor-bill": vendor_bill, "purchase_order": purchase_order,
    "goods_receipt": goods_receipt, "supplier": supplier, "journal-entry": journal_entry,
    "accrual-line": accrual_line, "statement-file": held_file, "journal-batch-file": held_file,
}


def facts_of(object_type: str, payload: Mapping[str, Any] | None) -> Facts:
    """What the payload of a record of this type says (nothing on a payload of an unexpected shape)."""
    if not isinstance(payload, Mapping):
        return Facts()
    try:
        return FACTS.get(object_type, anything)(payload)
    except (AttributeError, TypeError):  # a payload of another shape: the row shows without its facts
        return Facts()


def suggestions_of(payload: Mapping[str, Any] | None, names: Mapping[int, str]) -> tuple[Suggestion, ...]:
    """A bank entry's ranked suggestions by document name: stored with it, else from `names` (line id ->
    name read from Odoo), else `line <id>` for a line Odoo no longer has."""
    out = []
    for s in (payload or {}).get("suggestions") or []:
        lines = [int(i) for i in s.get("odoo_lines") or []]
        stored = list(s.get("documents") or [None] * len(lines))
        docs = tuple(dict.fromkeys(d or names.get(i) or f"line {i}" for i, d in zip(lines, stored, strict=False)))
        out.append(Suggestion(docs, float(s.get("score") or 0.0), str(s.get("why") or "")))
    return tuple(out)


def unnamed_lines(payloads: Sequence[Mapping[str, Any]]) -> list[int]:
    """The suggested lines whose document name was not stored (entries quarantined before names were)."""
    out: set[int] = set()
    for p in payloads:
        for s in p.get("suggestions") or []:
            stored = list(s.get("documents") or [])
            out |= {int(i) for k, i in enumerate(s.get("odoo_lines") or []) if k >= len(stored) or not stored[k]}
    return sorted(out)
