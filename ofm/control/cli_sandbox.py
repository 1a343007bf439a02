"""`ofm sandbox ...`: the stand-in Odoo and procurement platform, for demos and tests only."""

from __future__ import annotations

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
