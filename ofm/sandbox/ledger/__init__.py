"""Sub-ledger deliveries as their senders write them, for the demo, the tests and the bench.

A payroll journal (CSV with a trailer row), an expense platform export (JSON) with one unbalanced
report and one unknown account, and a web shop's daily revenue summary (CSV, VAT computed by the
shop). Every account code exists, with the same type, in the Belgian chart (`be_comp`) of both Odoo 18
and Odoo 19, so one delivery posts on either: 18's chart has none of 19's detailed travel and meal
accounts (6165xx), so the expense reports book on 623000 Other Personnel Costs, and shipping is revenue
of goods (700000; 700100 is EU sales in 18, services in 19). 616999 is in neither. Never imported by flows.
A card acquirer's settlement report (CSV, one entry per payout) comes on its own, not in `write_samples`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

PAYROLL_HEADER = ["record_type", "batch", "entity", "period", "entry", "date", "run", "account", "debit", "credit",
                  "employee", "text", "cost_centers", "total_debit", "total_credit", "line_count"]
SALES_HEADER = ["kind", "summary_id", "period", "entry", "day", "channel", "account", "debit", "credit", "text",
                "vat", "is_vat", "cost_center", "line_count"]
CARD_HEADER = ["record_type", "report_id", "report_month", "merchant_account", "batch_number", "booking_date",
               "payout_reference", "line_type", "amount", "currency", "description",
               "total_credit", "total_debit", "line_count", "batch_count"]
STAFF_COSTS = "623000"  # Other Personnel Costs: where both charts can take an employee's expense report


def _comma(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def payroll_csv(batch_id: str, period: str, booked_on: date, entries: int = 3, employees_per_entry: int = 1,
                trailer_debit: Decimal | None = None) -> str:
    """A payroll journal: per entry, gross salary and employer NSSO against net pay, withholding and NSSO
    payable (5 lines + 1 per extra employee); a trailer with the totals (`trailer_debit` to break it)."""
    rows, debit, credit, count = [], Decimal(0), Decimal(0), 0
    for n in range(1, entries + 1):
        lines: list[tuple[str, Decimal, Decimal, str, str, str]] = []
        gross_total = Decimal(0)
        for e in range(employees_per_entry):
            gross = Decimal(3000 + 137 * ((n * 7 + e) % 11))
            gross_total += gross
            lines.append(("620200", gross, Decimal(0), "", f"Gross salary EMP-{n:03d}-{e:02d}", "ADMIN:60|SALES:40"))
        employer = (gross_total * Decimal("0.25")).quantize(Decimal("0.01"))
        withholding = (gross_total * Decimal("0.30")).quantize(Decimal("0.01"))
        employee_nsso = (gross_total * Decimal("0.1307")).quantize(Decimal("0.01"))
        lines += [("621000", employer, Decimal(0), "", "Employer NSSO", "ADMIN"),
                  ("453000", Decimal(0), withholding, "", "Withholding tax", ""),
                  ("454000", Decimal(0), employer + employee_nsso, "", "NSSO payable", ""),
                  ("455000", Decimal(0), gross_total - withholding - employee_nsso, "", "Net salaries", "")]
        for account, d, c, employee, text, cc in lines:
            rows.append(["L", batch_id, "ACME-BE", period, str(n), booked_on.isoformat(), f"{batch_id}-RUN-{n}",
                         account, _comma(d) if d else "", _comma(c) if c else "", employee, text, cc, "", "", ""])
            debit, credit, count = debit + d, credit + c, count + 1
    rows.append(["T", batch_id, "ACME-BE", period, "", "", "", "", "", "", "", "", "",
                 _comma(trailer_debit if trailer_debit is not None else debit), _comma(credit), str(count)])
    return "\n".join(";".join(r) for r in [PAYROLL_HEADER, *rows]) + "\n"


def expenses_json(batch_id: str, period: str, approved_on: date, dirty: bool = True) -> str:
    """Four expense reports; with `dirty`, ER-2 does not balance and ER-3 books to an account the chart lacks."""
    def report(number: str, title: str, lines: list[dict]) -> dict:
        return {"report": number, "approved_on": approved_on.isoformat(), "title": title, "lines": lines}

    def line(account: str, debit: str = "", credit: str = "", **extra: object) -> dict:
        return {"account": account, "debit": debit, "credit": credit, **extra}

    reports = [
        report("ER-1", "Sales trip Antwerp", [
            line(STAFF_COSTS, "180.00", text="Hotel", cost_centers={"SALES": "100"}),
            line(STAFF_COSTS, "45.50", text="Dinner", cost_centers=[{"code": "SALES", "percent": "50"},
                                                                   {"code": "ADMIN", "percent": "50"}]),
            line("455000", credit="225.50", text="Owed to employee EMP-001")]),
        report("ER-2", "Conference", [
            line(STAFF_COSTS, "400.00", text="Ticket", cost_centers={"OPS": "100"}),
            line("455000", credit="399.00", text="Owed to employee")]),
        report("ER-3", "Taxi", [
            line("616999" if dirty else STAFF_COSTS, "32.00", text="Taxi"),
            line("455000", credit="32.00", text="Owed to employee")]),
        report("ER-4", "Parking", [
            line(STAFF_COSTS, "12.00", text="Parking", cost_centers={"OPS": "100"}),
            line("455000", credit="12.00", text="Owed to employee")]),
    ]
    if not dirty:
        reports[1]["lines"][1]["credit"] = "400.00"
    lines = [entry_line for r in reports for entry_line in r["lines"]]
    total = lambda key: str(sum((Decimal(x[key]) for x in lines if x[key]), Decimal(0)))  # noqa: E731
    doc = {"batch": {"id": batch_id, "entity": "ACME-BE", "period": period}, "reports": reports,
           "control": {"total_debit": total("debit"), "total_credit": total("credit"), "lines": len(lines),
                       "reports": len(reports)}}
    return json.dumps(doc, indent=1)


def sales_csv(summary_id: str, period: str, days: list[date]) -> str:
    """One entry per day: receivable against revenue (21 % VAT, the shop's VAT line marked) and shipping (6 %)."""
    rows, debit, credit, count = [], Decimal(0), Decimal(0), 0
    for n, day in enumerate(days, start=1):
        goods, shipping = Decimal(1000 + 10 * n), Decimal(50)
        vat21, vat6 = goods * Decimal("0.21"), shipping * Decimal("0.06")
        lines = [("400000", goods + shipping + vat21 + vat6, Decimal(0), "Web shop receivable", "", "", ""),
                 ("700000", Decimal(0), goods, "Revenue goods", "VAT21", "", "SALES"),
                 ("700000", Decimal(0), shipping, "Revenue shipping", "VAT6", "", "SALES"),
                 ("451000", Decimal(0), vat21, "VAT 21%", "VAT21", "1", ""),
                 ("451000", Decimal(0), vat6, "VAT 6%", "VAT6", "1", "")]
        for account, d, c, text, vat, is_vat, cc in lines:
            rows.append(["L", summary_id, period, str(n), day.isoformat(), "webshop", account, f"{d:.2f}" if d else "",
                         f"{c:.2f}" if c else "", text, vat, is_vat, cc, ""])
            debit, credit, count = debit + d, credit + c, count + 1
    rows.append(["TOTAL", summary_id, period, "", "", "", "", f"{debit:.2f}", f"{credit:.2f}", "", "", "", "",
                 str(count)])
    return "\n".join(",".join(r) for r in [SALES_HEADER, *rows]) + "\n"


def card_settlements_csv(report_id: str, period: str, days: list[date], dirty: bool = False,
                         trailer_credit: Decimal | None = None) -> str:
    """An acquirer's settlement report: per day one settlement batch (sales captured, refunds, a chargeback on
    the second, commission / interchange / scheme fees, the net payout), amounts signed as the acquirer keeps
    the merchant's balance (+ sales, - the rest: a batch nets to zero) and a SUMMARY row with the totals.
    With `dirty`, the second batch's payout is 1.50 short of its net (a fee line the report lacks);
    `trailer_credit` breaks the summary's total credit."""
    rows, credit, debit, count = [], Decimal(0), Decimal(0), 0
    cent = Decimal("0.01")
    for n, day in enumerate(days, start=1):
        batch, gross = str(4100 + n), Decimal(2400 + 173 * n) + Decimal("0.35") * n
        lines: list[tuple[str, Decimal, str]] = [("sale", gross, f"Card sales captured ({40 + 3 * n} transactions)")]
        if n % 2 == 0:
            lines += [("refund", -Decimal("59.90"), "Refunds (1)"), ("chargeback", -Decimal("89.90"), "Chargeback")]
        lines += [("fee", -(gross * Decimal("0.0060")).quantize(cent), "Commission"),
                  ("fee", -(gross * Decimal("0.0030")).quantize(cent), "Interchange"),
                  ("fee", -(gross * Decimal("0.0012")).quantize(cent), "Scheme fees")]
        if n % 2 == 0:
            lines.append(("fee", -Decimal("15.00"), "Chargeback fee"))
        net = sum((amount for _, amount, _ in lines), Decimal(0))
        short = Decimal("1.50") if dirty and n == 2 else Decimal(0)
        lines.append(("payout", -(net - short), f"Payout to BE71 0961 2345 6769 ({batch})"))
        for line_type, amount, text in lines:
            rows.append(["LINE", report_id, period, "AcmeBE_ECOM", batch, day.isoformat(), f"PO-{report_id}-{batch}",
                         line_type, f"{amount:.2f}", "EUR", text, "", "", "", ""])
            credit, debit = (credit + amount, debit) if amount > 0 else (credit, debit - amount)
            count += 1
    rows.append(["SUMMARY", report_id, period, "AcmeBE_ECOM", "", "", "", "", "", "EUR", "",
                 f"{trailer_credit if trailer_credit is not None else credit:.2f}", f"{debit:.2f}", str(count),
                 str(len(days))])
    return "\n".join(",".join(r) for r in [CARD_HEADER, *rows]) + "\n"


def write_samples(folder: Path, period: str, booked_on: date, dirty: bool = True) -> dict[str, Path]:
    """The three deliveries of a period into `folder`: {'payroll': ..., 'expenses': ..., 'sales': ...}."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"payroll": (f"payroll-{period}.csv", payroll_csv(f"PAY-{period}", period, booked_on)),
             "expenses": (f"expenses-{booked_on}.json", expenses_json(f"EXP-{booked_on}", period, booked_on, dirty)),
             "sales": (f"sales-{booked_on}.csv", sales_csv(f"WEB-{booked_on}", period,
                                                           [booked_on - timedelta(days=1), booked_on]))}
    out = {}
    for key, (name, text) in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        out[key] = folder / name
    return out
