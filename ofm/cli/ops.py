"""Operating commands: quarantine and audit. Fast: no Prefect import unless replaying."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

quarantine_app = typer.Typer(help="Records held or rejected, with their reasons: list, show, replay, discard.",
                             no_args_is_help=True)
audit_app = typer.Typer(help="The append-only, hash-linked audit chain.", no_args_is_help=True)


def _store():
    from ofm.settings import get_settings
    from ofm.store import Store

    store = Store(get_settings().database_url)
    store.migrate()
    return store


@quarantine_app.command("list")
def quarantine_list(
    status: Annotated[str, typer.Option(help="open, replayed, resolved, discarded or all")] = "open",
    category: Annotated[str | None, typer.Option(help="business, technical or approval")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
) -> None:
    """Quarantined records, newest first."""
    rows = _store().list_quarantine(status=None if status == "all" else status, category=category, limit=limit)
    if not rows:
        typer.echo(f"no {status} quarantine entries")
        return
    typer.echo(f"{'id':>5}  {'status':<9} {'category':<9} {'owner':<14} {'record':<28} reason")
    for r in rows:
        typer.echo(f"{r.id:>5}  {r.status:<9} {r.category:<9} {r.owner_team:<14} {r.record_ref:<28} "
                   f"{r.reason[:90]}")


@quarantine_app.command("show")
def quarantine_show(entry_id: Annotated[int, typer.Argument(help="Quarantine id.")]) -> None:
    """One entry in full, with the raw record as received."""
    row = _store().get_quarantine(entry_id)
    if row is None:
        typer.secho(f"error: quarantine entry {entry_id} does not exist", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    for name in ("id", "record_ref", "source", "category", "status", "owner_team", "field", "reason",
                 "created_at", "flow_run_id", "decided_by", "decided_at", "decision_note"):
        typer.echo(f"{name:>13}: {getattr(row, name, '')}")
    typer.echo("      payload:")
    typer.echo(json.dumps(row.payload, indent=2, ensure_ascii=False, default=str))


@quarantine_app.command("replay")
def quarantine_replay(
    entry_ids: Annotated[list[int], typer.Argument(help="Quarantine ids to process again.")],
    actor: Annotated[str, typer.Option(help="Who approves / replays (audit trail).")] = "cli",
) -> None:
    """Process entries again. For `approval` entries this approves the held change; a `deferred` journal entry
    (a locked period under the `defer` policy) is approved and posted now on the first open date; a held ledger
    delivery file is read again from the inbox through today's mappings and posted; bank entries
    run their statement file again (from the inbox) against today's open items; purchase orders,
    receipts and vendor bills go through their flow again (after their cause was fixed)."""
    from ofm.cli.p2p import P2P_FLOWS
    from ofm.cli.printing import print_bank_result, print_match_result, print_p2p_result, print_supplier_result
    from ofm.cli.replay_bank import BANK_TYPES, replay_bank
    from ofm.cli.replay_match import MATCH_TYPES, replay_match
    from ofm.cli.runner import run_flow

    store = _store()
    rows = [store.get_quarantine(i) for i in entry_ids]
    missing = [i for i, r in zip(entry_ids, rows, strict=True) if r is None]
    if missing:
        typer.secho(f"error: quarantine entry {missing[0]} does not exist", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    journal = [r for r in rows if r.object_type in ("journal-entry", "journal-batch-file", "accrual-line")]
    closed = [r for r in journal if r.status != "open"]
    if closed:
        r = closed[0]
        typer.secho(f"error: quarantine entry {r.id} is {r.status}, not open: nothing to replay", err=True,
                    fg=typer.colors.RED)
        raise typer.Exit(1)
    held_files = [r for r in journal if r.object_type == "journal-batch-file"]
    deferred = [r for r in journal if r.object_type == "journal-entry" and r.category == "deferred"]
    refused = [r for r in journal if r not in held_files and r not in deferred]
    if refused:
        r = refused[0]
        typer.secho(f"error: quarantine entry {r.id} ({r.object_type}, {r.category}) is not replayed: a journal "
                    "entry refused by its checks is posted by delivering its batch again once fixed (the entries "
                    "that landed are recognised), then `ofm quarantine discard` this one; only a deferred entry "
                    "(approved) or a held delivery file (read again from the inbox) is replayed here",
                    err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    if journal:
        from ofm.cli.printing import print_ledger_result

        print_ledger_result(run_flow("ledger-batch", approve=[r.id for r in deferred] or None,
                               replay=[r.id for r in held_files] or None, actor=actor))
    rows = [r for r in rows if r not in journal]
    bank = [r for r in rows if r.object_type in BANK_TYPES]
    bills = [r for r in rows if r.object_type in MATCH_TYPES]
    documents = [r for r in rows if r.object_type in P2P_FLOWS]
    others = [r.id for r in rows if r.object_type not in BANK_TYPES | MATCH_TYPES | P2P_FLOWS.keys()]
    for object_type, (flow, key) in P2P_FLOWS.items():
        ids = [r.id for r in documents if r.object_type == object_type]
        if ids:
            print_p2p_result(run_flow(flow, replay=ids, actor=actor), key, as_json=False)
    if others:
        print_supplier_result(run_flow("supplier-onboarding", replay=others, actor=actor), as_json=False)
    try:
        if bills:
            print_match_result(replay_match(bills, run_flow, actor), as_json=False)
        results = replay_bank(bank, store, run_flow, actor) if bank else []
    except ValueError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    for result in results:
        print_bank_result(result, as_json=False)
    for row in [*journal, *bank, *bills, *documents]:
        typer.echo(f"quarantine entry {row.id}: {store.get_quarantine(row.id).status}")


@quarantine_app.command("discard")
def quarantine_discard(
    entry_id: Annotated[int, typer.Argument(help="Quarantine id.")],
    note: Annotated[str, typer.Option(help="Why it is discarded (kept in the audit trail).")],
    actor: Annotated[str, typer.Option(help="Who discards it.")] = "cli",
) -> None:
    """Close an entry without processing it (it can no longer be replayed)."""
    from ofm.store import AuditEntry

    store = _store()
    try:
        row = store.set_quarantine_status(entry_id, "discarded", actor=actor, note=note)
    except (ValueError, LookupError) as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    store.audit([AuditEntry(correlation_id=row.correlation_id, flow_run_id=None, actor=actor,
                            step="quarantine-discarded", record_ref=row.record_ref,
                            summary={"quarantine_id": entry_id, "note": note})])
    typer.echo(f"quarantine entry {entry_id} discarded by {actor}")


@audit_app.command("trail")
def audit_trail(
    record_ref: Annotated[str, typer.Argument(help="e.g. procurement:SUP-000123")],
    as_json: Annotated[bool, typer.Option("--json", help="Every step in full, as JSON.")] = False,
) -> None:
    """A record's whole journey, from intake to its Odoo id: per step the time, flow run, actor, mapping version
    and the Odoo record written."""
    from ofm.store.audit_trail import steps, trail_json, trail_lines

    rows = _store().trail(record_ref)
    if not rows:
        typer.echo(f"no audit rows for {record_ref}")
        raise typer.Exit(1)
    trail = steps(rows)
    typer.echo(trail_json(record_ref, trail) if as_json else "\n".join(trail_lines(record_ref, trail)))


@audit_app.command("export")
def audit_export(
    start: Annotated[str, typer.Option("--from", help="First day (UTC, YYYY-MM-DD) or an ISO date-time.")],
    end: Annotated[str, typer.Option("--to", help="Last day, included (UTC), or an ISO date-time, excluded.")],
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl or csv (default: from --out, else jsonl).")]
    = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: standard output).")]
    = None,
) -> None:
    """The chain's rows of a period with their hashes and hashed content, for a third party to re-verify with
    `python -m ofm.audit_verify_export FILE` (standard library only). Secrets are masked."""
    import sys

    from ofm.store.audit_export import FORMATS, parse_bound, write_export

    try:
        lower, upper = parse_bound(start, end=False), parse_bound(end, end=True)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    fmt = fmt or ("csv" if out is not None and out.suffix.lower() == ".csv" else "jsonl")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    store = _store()
    if out is None:
        done = write_export(store, lower, upper, sys.stdout, fmt)
    else:
        with out.open("w", encoding="utf-8", newline="") as handle:
            done = write_export(store, lower, upper, handle, fmt)
    typer.echo(done.line() + (f" -> {out}" if out else ""), err=out is None)


@audit_app.command("verify")
def audit_verify(
    as_flow: Annotated[bool, typer.Option("--flow", help="Run it as the audit-verify flow: the verdict is kept "
                                                         "in Prefect as the run's artifact.")] = False,
) -> None:
    """Check every row's hash and link: finds an edited or deleted audit row."""
    if as_flow:
        from ofm.cli.runner import run_flow

        result = run_flow("audit-verify")  # a broken chain fails the run: one line, exit 1
        typer.echo(f"{result['verdict']} ({result['ui_url']})")
        return
    verdict = _store().verify_audit()
    if verdict.ok:
        typer.echo(f"audit chain intact: {verdict.rows_checked} rows verified")
        return
    typer.secho(f"audit chain BROKEN at row {verdict.first_bad_id}: {verdict.reason}", err=True,
                fg=typer.colors.RED)
    raise typer.Exit(1)
