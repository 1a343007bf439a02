"""`ofm sandbox ...`: the stand-in Odoo, procurement platform and sub-ledger platform, for demos and tests only."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

sandbox_app = typer.Typer(help="Stand-in servers for demos and tests (never for production).",
                          no_args_is_help=True)


@sandbox_app.command("odoo")
def sandbox_odoo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8070,
    state_file: Annotated[Path | None, typer.Option(help="Keep the data in this JSON file.")] = None,
    api_key: Annotated[str, typer.Option(help="API key of integration@example.com.")] = "sandbox-key",
    company_iban: Annotated[str, typer.Option(help="The company's bank account, on bank journal BNK1 "
                                                   "('' for none).")] = "DE89370400440532013000",
    module: Annotated[list[str] | None, typer.Option(help="Optional Odoo module to emulate, e.g. "
                                                          "account_bank_statement_import.")] = None,
    latency_ms: Annotated[int, typer.Option(help="Added to every call.")] = 0,
    record_cost_ms: Annotated[float, typer.Option(help="Added per record a create/write carries "
                                                       "(a real Odoo 19: ~2.3 ms per partner).")] = 0.0,
    error_rate: Annotated[float, typer.Option(help="Share of calls answered 503.")] = 0.0,
    rate_limit_every: Annotated[int, typer.Option(help="Every Nth call answered 429.")] = 0,
    drop_rate: Annotated[float, typer.Option(help="Share of writes committed, then answered "
                                                  "with a dropped connection.")] = 0.0,
) -> None:
    """An Odoo 19 stand-in speaking /jsonrpc and /json/2 like the real server."""
    from ofm.sandbox.odoo import Faults, OdooSandbox, serve

    sandbox = OdooSandbox(state_file=state_file, api_key=api_key,
                          company_iban=company_iban or None, modules=module or ())
    sandbox.faults = Faults(latency_ms=latency_ms, record_cost_ms=record_cost_ms, transient_error_rate=error_rate,
                            rate_limit_every=rate_limit_every, drop_after_commit_rate=drop_rate)
    typer.echo(f"Odoo sandbox (v19) on http://{host}:{port} - db 'sandbox', "
               "login integration@example.com")
    serve(host=host, port=port, sandbox=sandbox)


@sandbox_app.command("procurement")
def sandbox_procurement(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8071,
    suppliers: Annotated[int, typer.Option(help="How many suppliers to generate.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the generator (same seed, same data).")] = 7,
    token: Annotated[str, typer.Option(help="Bearer token the API expects.")] = "sandbox-token",
    buyer: Annotated[str, typer.Option(help="Who buys in the procure-to-pay story: DE (ACME-DE, VAT19/VAT7, "
                                            "the Odoo sandbox) or BE (ACME-BE, VAT21/VAT6, the real Odoo of "
                                            "`python -m ofm.testbed serve` with mappings/procurement/p2p.real.yaml)."
                                       )] = "DE",
) -> None:
    """A procurement platform API with realistic suppliers, dirty records included."""
    from ofm.sandbox.procurement import serve
    from ofm.sandbox.procurement.buyers import BUYERS

    if buyer not in BUYERS:
        raise typer.BadParameter(f"{buyer!r} is not one of {', '.join(BUYERS)}", param_hint="--buyer")
    typer.echo(f"procurement sandbox on http://{host}:{port} - {suppliers} suppliers, seed {seed}, buyer {buyer}")
    serve(host=host, port=port, n=suppliers, seed=seed, token=token, buyer=buyer)


@sandbox_app.command("ledger")
def sandbox_ledger(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8072,
    token: Annotated[str, typer.Option(help="Bearer token the API expects.")] = "sandbox-token",
    period: Annotated[str | None, typer.Option(help="Serve the sample deliveries (payroll, expenses, sales) of this "
                                                    "period, e.g. 2026-11 (default: none; add them with POST "
                                                    "/admin/deliveries or /admin/samples).")] = None,
    booked_on: Annotated[str | None, typer.Option(help="Their booking date (default: the period's last day).")] = None,
    clean: Annotated[bool, typer.Option(help="Samples without the unbalanced and unknown-account expense "
                                             "reports.")] = False,
) -> None:
    """A sub-ledger platform's ledger-source API: the journal files payroll, expenses and a web shop deliver."""
    from ofm.sandbox.ledger.api import serve

    samples = None
    if period:
        try:
            year, month = (int(x) for x in period.split("-"))
            last = date(year + month // 12, month % 12 + 1, 1).toordinal() - 1
            day = date.fromisoformat(booked_on) if booked_on else date.fromordinal(last)
        except ValueError:
            raise typer.BadParameter("expected --period YYYY-MM and --booked-on YYYY-MM-DD") from None
        samples = (period, day, not clean)
    typer.echo(f"ledger sandbox on http://{host}:{port} - "
               + (f"the {period} sample deliveries" if samples else "no deliveries yet"))
    serve(host=host, port=port, token=token, samples=samples)
