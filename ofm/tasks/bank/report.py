"""What a bank run tells people: the cash position per account and the run's summary and tables."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from ofm.canonical import EntryStatus
from ofm.tasks.bank.intake import BankFile
from ofm.tasks.shared.artifacts import publish_markdown, publish_table, reason_text
from ofm.tasks.shared.resources import resources
from ofm.tasks.shared.runinfo import RunInfo


@task(name="cash-position", cache_policy=NO_CACHE)
def cash_position(bank: BankFile) -> list[dict[str, Any]]:
    """Per account: the statement's closing balance against the Odoo journal's balance on that day."""
    odoo = resources().odoo
    out = []
    for statement in bank.statements:
        journal = bank.journals.get(statement.account or "")
        bank_closing = statement.closing_or_computed  # an interim statement: opening + booked entries
        if journal is None or bank_closing is None:
            continue
        domain = [("account_id", "=", journal.default_account_id), ("parent_state", "=", "posted")]
        if statement.closing_date:
            domain.append(("date", "<=", statement.closing_date.isoformat()))
        rows = odoo.search_read("account.move.line", domain, ["balance", "date"], page_size=5000)
        in_odoo = _total(r["balance"] for r in rows)
        closing = bank_closing.amount
        explained_by, explained = [], Decimal(0)
        for e in statement.entries:
            if e.status is not EntryStatus.BOOKED:
                explained += e.amount.amount
                explained_by.append(f"pending at the bank: {e.amount} {e.remittance or e.counterparty_name or ''}")
        if statement.opening_balance is not None and statement.opening_date is not None:
            day = statement.opening_date.isoformat()
            # Odoo at the opening: lines up to the opening date, less this statement's own entries of
            # that day (a file repeating part of a day opens after some of them, before the others)
            own = sum((e.amount.rounded().amount for e in statement.entries if e.status is EntryStatus.BOOKED
                       and (e.booking_date or e.value_date) and (e.booking_date or e.value_date).isoformat() <= day),
                      Decimal(0))
            before = _total(r["balance"] for r in rows if r["date"] <= day) - own
            gap = statement.opening_balance.amount - before
            if gap:
                explained += gap
                explained_by.append(f"opening balance: bank {statement.opening_balance.amount}, Odoo {before} on "
                                    f"{statement.opening_date} (earlier statements or the opening entry are "
                                    "not in Odoo)")
        out.append({"account": statement.account, "journal": journal.code, "date": str(statement.closing_date),
                    "bank_closing": str(closing), "odoo_balance": str(in_odoo),
                    "difference": str(closing - in_odoo), "explained_by": explained_by,
                    "unexplained": str(closing - in_odoo - explained)})
    return out


def _total(values) -> Decimal:
    return sum((Decimal(str(v)) for v in values), Decimal(0)).quantize(Decimal("0.01"))


def summary_markdown(bank: BankFile, counts: dict[str, int], per_rule: dict[str, int],
                     position: list[dict[str, Any]]) -> str:
    """The run summary a treasurer reads first."""
    lines = [f"# Bank reconciliation: {bank.name}", ""]
    if bank.error or bank.held:
        lines += [f"**Nothing imported**: {bank.error or '; '.join(bank.held)}", ""]
    lines += ["| entries | booked | imported now | imported before | reconciled | unmatched |",
              "|---:|---:|---:|---:|---:|---:|",
              f"| {counts['entries']} | {counts['booked']} | {counts['imported']} | {counts['already_imported']} "
              f"| {counts['reconciled']} | {counts['unmatched']} |", ""]
    if counts.get("in progress elsewhere"):
        lines += [f"In progress elsewhere (another live run imports or reconciles them): "
                  f"**{counts['in progress elsewhere']}** entries.", ""]
    considered = counts["reconciled"] + counts["unmatched"]
    if considered:
        lines += ["| rule | reconciled | share |", "|---|---:|---:|"]
        lines += [f"| {rule} | {n} | {100.0 * n / considered:.1f} % |" for rule, n in per_rule.items()]
        lines += [f"| **all rules** | **{counts['reconciled']}** | "
                  f"**{100.0 * counts['reconciled'] / considered:.1f} %** |", ""]
    for warning in bank.warnings:
        lines.append(f"- warning: {warning}")
    for p in position:
        lines.append(f"- cash position {p['account']} ({p['journal']}) on {p['date']}: bank {p['bank_closing']}, "
                     f"Odoo {p['odoo_balance']}, difference {p['difference']} (unexplained {p['unexplained']})")
    return "\n".join(lines)


@task(name="publish-bank-summary", cache_policy=NO_CACHE)
def publish(bank: BankFile, counts: dict[str, int], reconciled: dict[str, str], matching, position,
            run: RunInfo) -> str:
    """Markdown summary, unmatched table with suggestions, metrics."""
    per_rule = dict(Counter(reconciled.values()).most_common())
    markdown = summary_markdown(bank, counts, per_rule, position)
    publish_markdown("bank-reconciliation-summary", markdown, "Entries, match rate per rule, cash position")
    rows = [{"entry": u.entry_id, "reason": reason_text(u.reason),
             "suggestions": "; ".join(f"{list(s.line_ids)} ({s.score:.2f}: {s.why})" for s in u.suggestions)[:1000]}
            for u in (matching.result.unmatched if matching else [])]
    publish_table("bank-reconciliation-unmatched", rows, ("entry", "reason", "suggestions"),
                  "Entries left for a person, with ranked suggestions")
    resources().store.record_metrics(run.flow_run_id or run.run_id, run.flow_name,
                                     {k: float(v) for k, v in counts.items()})
    return markdown
