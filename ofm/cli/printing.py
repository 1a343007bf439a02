"""What `ofm run ...`, `ofm quarantine replay` and `ofm demo` print of a flow's result."""

from __future__ import annotations

import json

import typer


def elsewhere_note(counts: dict) -> str:
    """Records another live run owns (it writes and acknowledges them): shown only when runs overlapped."""
    n = counts.get("in progress elsewhere", 0)
    return f", in progress elsewhere {n}" if n else ""


def print_supplier_result(result: dict, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    c = result["counts"]
    typer.echo(f"received {c['received']}: created {c['created']}, updated {c['updated']}, "
               f"unchanged {c['unchanged']}, held {c['held']}, quarantined {c['quarantined']}"
               + elsewhere_note(c) + f"  (reconciles: {'yes' if result['reconciles'] else 'NO'})")
    writes = result["odoo_writes"]
    typer.echo(f"Odoo write calls: {writes}" + (" - nothing to write, Odoo already agrees" if writes == 0 else ""))
    for row in result["exceptions"][:20]:
        reasons = "; ".join(r.removeprefix(f"{row['record']}: ") for r in row["reasons"])
        typer.echo(f"  {row['outcome']:<11} {row['record']}: {reasons[:160]}")
    if len(result["exceptions"]) > 20:
        typer.echo(f"  ... {len(result['exceptions']) - 20} more: ofm quarantine list")
    if result.get("ui_url"):
        typer.echo(f"Prefect run: {result['ui_url']}")


def print_bank_result(result: dict, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    f, c = result["file"], result["counts"]
    if f["error"] or f["held"]:
        typer.echo(f"{f['file']}: nothing imported - {f['error'] or '; '.join(f['held'])}")
    typer.echo(f"{f['file']}: {c['entries']} entries, {c['booked']} booked; imported {c['imported']} "
               f"(before: {c['already_imported']}); reconciled {c['reconciled']}, unmatched {c['unmatched']}"
               + elsewhere_note(c))
    if result["rules"]:
        rate = 100.0 * c["reconciled"] / max(c["reconciled"] + c["unmatched"], 1)
        typer.echo("  by rule: " + ", ".join(f"{rule} {n}" for rule, n in sorted(result["rules"].items()))
                   + f" (match rate {rate:.1f} %)")
    for warning in f["warnings"]:
        typer.echo(f"  warning: {warning}")
    for p in result["cash_position"]:
        typer.echo(f"  cash position {p['account']}: bank {p['bank_closing']}, Odoo {p['odoo_balance']}, "
                   f"difference {p['difference']} (unexplained {p['unexplained']})")
        for reason in p["explained_by"]:
            typer.echo(f"    explained by {reason}")
    for u in result["unmatched"][:10]:
        typer.echo(f"  unmatched {u['entry'][:12]}: {u['reason'][:150]}")
    if result.get("ui_url"):
        typer.echo(f"Prefect run: {result['ui_url']}")


def print_match_result(result: dict, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    c = result["counts"]
    typer.echo(f"bills {c['received']}: posted {c['posted']}, draft {c['draft']}, held {c['held']}, "
               f"rejected {c['rejected']}, unchanged {c['unchanged']}{elsewhere_note(c)} "
               f"(match rate {100 * result['match_rate']:.1f} %)")
    typer.echo(f"Odoo write calls: {result['odoo_writes']}")
    for row in result["exceptions"][:20]:
        typer.echo(f"  {row['outcome']:<8} {row['record']} ({row['owner']}): {'; '.join(row['reasons'])[:160]}")
    if result.get("ui_url"):
        typer.echo(f"Prefect run: {result['ui_url']}")


def print_ledger_result(result: dict) -> None:
    c = result["counts"]
    pulled = result.get("pulled")
    if pulled is not None:  # the run read the ledger-source API
        typer.echo(f"ledger API: {len(pulled)} new deliver{'y' if len(pulled) == 1 else 'ies'}"
                   + (f": {', '.join(pulled[:5])}{' ...' if len(pulled) > 5 else ''}" if pulled else ""))
    typer.echo(f"entries {c['received']}: posted {c['posted']}, already posted {c['already posted']}, "
               f"quarantined {c['quarantined']}, deferred {c['deferred']}"
               + (f", in progress elsewhere {c['in progress elsewhere']}" if c["in progress elsewhere"] else "")
               + f"  (reconciles: {'yes' if result['reconciles'] else 'NO'})")
    writes = result["odoo_writes"]
    typer.echo(f"Odoo write calls: {writes}" + (" - nothing to write, Odoo already agrees" if writes == 0 else ""))
    for line in result["refused_runs"] + result["held_files"]:
        typer.echo(f"  {line}")
    shown = 0
    for ref, entry in result["entries"].items():
        if entry["status"] in ("posted", "already posted") and not entry["reasons"]:
            continue
        if shown == 25:
            typer.echo("  ... more: ofm quarantine list")
            break
        move = f" [{entry['move']} {entry['date']}]" if entry.get("move") else ""
        typer.echo(f"  {entry['status']:<11} {ref}{move}: {'; '.join(entry['reasons'])[:200]}")
        shown += 1
    if result.get("ui_url"):
        typer.echo(f"Prefect run: {result['ui_url']}")


def print_p2p_result(result: dict, key: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    counts = {k: v for k, v in result["counts"].items() if k != "received"}
    typer.echo(f"received {result['counts']['received']}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
               + f"  (reconciles: {'yes' if result['reconciles'] else 'NO'})")
    writes = result["odoo_writes"]
    typer.echo(f"Odoo write calls: {writes}" + (" - nothing to write, Odoo already agrees" if writes == 0 else ""))
    shown = 0
    for ref, doc in result[key].items():
        if doc["status"] in ("created", "updated", "applied", "cancelled", "unchanged") and not doc["reasons"]:
            continue
        if shown == 25:
            typer.echo("  ... more: ofm quarantine list")
            break
        odoo = f" [{doc['odoo']}]" if doc.get("odoo") else ""
        typer.echo(f"  {doc['status']:<10} {ref}{odoo}: {'; '.join(doc['reasons'])[:160]}")
        shown += 1
    if result.get("ui_url"):
        typer.echo(f"Prefect run: {result['ui_url']}")
