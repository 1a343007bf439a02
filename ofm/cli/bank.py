"""`ofm bank …`: look at bank statement files. Fast: no Prefect, pandas or Great Expectations here.

The parsers are imported inside the command, so `ofm --help` does not pay for them either.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ofm.canonical.bank import BankStatement

bank_app = typer.Typer(help="Bank statement files: camt.052/053/054, MT940, OFX and CSV.", no_args_is_help=True)

DEFAULT_MAX_MB = 50


@bank_app.callback()
def bank() -> None:
    """Bank statement files: camt.052/053/054, MT940, OFX and CSV."""
    # A callback keeps `parse` a sub-command even while it is the only one.


def _iso_currency(value: str | None) -> str | None:
    if value is not None and (len(value) != 3 or not value.isalpha()):
        raise typer.BadParameter(f"an ISO 4217 code like EUR, not {value!r}")
    return value.upper() if value else None


@bank_app.command("parse")
def parse(
    file: Annotated[Path, typer.Argument(help="The statement file (format detected from its content).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of statements; "
                                          "amounts are signed decimal strings.")] = False,
    csv_mapping: Annotated[str | None, typer.Option(
        "--csv-mapping", help="Read the file as CSV with this mapping: a bundled name (generic, "
        "debit_credit_semicolon) or a YAML file.")] = None,
    max_mb: Annotated[int, typer.Option("--max-mb", envvar="OFM_BANK_MAX_MB", min=1,
                                        help="Refuse files larger than this many megabytes.")] = DEFAULT_MAX_MB,
    currency: Annotated[str | None, typer.Option(
        "--currency", envvar="OFM_BANK_DEFAULT_CURRENCY", callback=_iso_currency,
        help="The account's currency (ISO 4217) for MT940 files that write balances without one "
        "and name it nowhere else.")] = None,
) -> None:
    """Read a bank statement file and print its statements: account, balances and every entry."""
    from ofm.connectors.bank import BankFileError, parse_file, statements_to_json

    try:
        statements = parse_file(file, csv_mapping=csv_mapping, max_bytes=max_mb * 1024 * 1024,
                                default_currency=currency)
    except BankFileError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(statements_to_json(statements), indent=2, ensure_ascii=False))
        return
    for statement in statements:
        _print_statement(statement)


def _print_statement(s: BankStatement) -> None:
    title = f"{s.format}  {s.account or '(no account)'}  {s.currency}"
    typer.secho(title + (f"  statement {s.statement_id}" if s.statement_id else ""), bold=True)
    if s.opening_balance is not None:
        typer.echo(f"  opening  {str(s.opening_date or ''):<10}  {s.opening_balance}")
    total = sum((e.amount.amount for e in s.entries), Decimal(0))
    for e in s.entries:
        flags = "".join(f" [{flag}]" for flag, on in (("pending", e.status != "booked"),
                                                       ("reversal", e.reversal)) if on)
        who = e.counterparty_name or e.counterparty_iban or ""
        what = e.remittance or e.creditor_reference or e.bank_reference or ""
        typer.echo(f"  {str(e.booking_date or ''):<10}  {e.amount.amount:>14}  {who[:30]:<30}  {what[:60]}{flags}")
    if s.closing_balance is not None:
        typer.echo(f"  closing  {str(s.closing_date or ''):<10}  {s.closing_balance}")
    typer.echo(f"  {len(s.entries)} entries, sum {total}")
    if s.opening_balance and s.closing_balance and s.opening_balance.currency == s.closing_balance.currency:
        booked = sum((e.amount.amount for e in s.entries if e.status == "booked"), Decimal(0))
        expected = s.opening_balance.amount + booked
        if expected != s.closing_balance.amount:
            typer.secho(f"  note: opening + booked entries = {expected}, but the closing balance is "
                        f"{s.closing_balance.amount}", fg=typer.colors.YELLOW)
    elif s.closing_balance is None and s.entries and not s.format.startswith(("camt.054", "csv")):
        computed = s.closing_or_computed
        typer.secho("  note: no closing balance in the file: the balance check is skipped"
                    + (f"; opening + booked entries = {computed.amount}" if computed is not None else ""),
                    fg=typer.colors.YELLOW)
