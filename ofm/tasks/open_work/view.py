"""The open work as a whole: every open quarantine entry, per owner team, against the team's backlog threshold.

`collect` reads the store (the open entries, and in one read per chunk the audit trails that name an entry's
Odoo record) and, for what the entries did not store, Odoo: the names of suggested documents of bank entries
quarantined before names were stored (one `search_read` of account.move.line for all of them) and their
statement lines' journal entries (one `search_read` by anchor). It writes nothing anywhere. No Prefect import:
`ofm open-work` prints what the `open-work` flow publishes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ofm.tasks.open_work.rows import (
    NO_OPEN_WORK,
    OpenRow,
    age_text,
    facts_of,
    hours_since,
    odoo_url,
    suggestions_of,
    unnamed_lines,
)

WHOLE = 1_000_000  # the whole open quarantine: a limit no backlog reaches
KEY_PREFIX = "open-work"
STATEMENT_LINE = "account.bank.statement.line"


@dataclass(frozen=True)
class Backlog:
    """One owner team's open entries against its threshold (None: no threshold applies)."""

    team: str
    open: int
    threshold: int | None
    oldest_hours: float

    @property
    def over(self) -> bool:
        return self.threshold is not None and self.open > self.threshold


@dataclass(frozen=True)
class OpenWork:
    """The open quarantine at one moment, oldest entry first, and what could not be read for it."""

    rows: list[OpenRow]
    at: datetime
    notes: tuple[str, ...] = ()

    def by_team(self) -> dict[str, list[OpenRow]]:
        teams: dict[str, list[OpenRow]] = {}
        for row in self.rows:
            teams.setdefault(row.owner_team, []).append(row)
        return dict(sorted(teams.items()))

    def backlogs(self, thresholds: Mapping[str, int]) -> list[Backlog]:
        return [Backlog(team, len(rows), threshold_for(team, thresholds), round(max(r.age_hours for r in rows), 1))
                for team, rows in self.by_team().items()]


def threshold_for(team: str, thresholds: Mapping[str, int]) -> int | None:
    """The team's own threshold, else `default`, else none."""
    return thresholds.get(team, thresholds.get("default"))


def team_key(team: str) -> str:
    """The team's artifact key, the same on every run (`open-work-accounts-payable`): the Artifacts page
    shows the latest of each."""
    return f"{KEY_PREFIX}-{re.sub(r'[^a-z0-9-]+', '-', team.lower()).strip('-') or 'unowned'}"


def one_line(work: OpenWork) -> str:
    """`open work: treasury 3, vendor-master 12 (oldest 2 d)`, or `open work: none`."""
    if not work.rows:
        return f"open work: none ({NO_OPEN_WORK})"
    teams = ", ".join(f"{team} {len(rows)}" for team, rows in work.by_team().items())
    return f"open work: {teams} (oldest {age_text(max(r.age_hours for r in work.rows))})"


def summary_markdown(work: OpenWork, thresholds: Mapping[str, int]) -> str:
    """Counts per team and category, each team's threshold and oldest entry; the empty quarantine said plainly."""
    at = f"{work.at:%Y-%m-%d %H:%M} UTC"
    if not work.rows:
        return "\n".join(["# Open work: none", "", f"**No open work**: the quarantine has no open entry ({at}).",
                          *(f"- {n}" for n in work.notes)])
    oldest = max(work.rows, key=lambda r: r.age_hours)
    lines = [f"# Open work: {len(work.rows)} open entries, {len(work.by_team())} teams", "",
             f"As of {at}. Oldest: **{oldest.age}** (quarantine #{oldest.quarantine_id}, {oldest.owner_team}). "
             f"Each team's entries are in its own table artifact (`{KEY_PREFIX}-<team>`), oldest first.", "",
             "| team | open | threshold | oldest | over threshold |", "|---|---:|---:|---:|---|"]
    lines += [f"| {b.team} | {b.open} | {'-' if b.threshold is None else b.threshold} | {age_text(b.oldest_hours)} "
              f"| {'**yes**' if b.over else 'no'} |" for b in work.backlogs(thresholds)]
    per = Counter((r.owner_team, r.category) for r in work.rows)
    lines += ["", "| team | category | open |", "|---|---|---:|"]
    lines += [f"| {team} | {category} | {n} |" for (team, category), n in sorted(per.items())]
    lines += [f"- {n}" for n in work.notes]
    return "\n".join(lines)


def collect(store: Any, odoo: Any, base_url: str, now: datetime | None = None) -> OpenWork:
    """Every open quarantine entry as an OpenRow (reads the store, and Odoo only for what was not stored);
    `odoo` None: nothing is read from Odoo, suggested lines without a stored name show as `line <id>`."""
    now = now or datetime.now(UTC)
    entries = sorted(store.list_quarantine(status="open", limit=WHOLE), key=lambda r: (r.created_at, r.id))
    notes: list[str] = []
    bank = [r for r in entries if r.object_type == "bank-entry" and isinstance(r.payload, dict)]
    names = _names(odoo, unnamed_lines([r.payload for r in bank]), notes)
    moves = {r.id: r.payload["statement_move"] for r in bank if isinstance(r.payload.get("statement_move"), int)}
    moves |= _statement_moves(odoo, [r for r in bank if r.id not in moves], notes)
    targets = _audit_targets(store, [r.record_ref for r in entries if r.id not in moves])
    rows = []
    for r in entries:
        model, oid = ("account.move", moves[r.id]) if r.id in moves else targets.get(r.record_ref, (None, None))
        rows.append(OpenRow(r.id, r.owner_team, r.category, r.object_type, r.record_ref, r.reason, r.created_at,
                            hours_since(r.created_at, now), facts_of(r.object_type, r.payload),
                            suggestions_of(r.payload, names) if r.object_type == "bank-entry" else (),
                            odoo_url(base_url, model, oid)))
    return OpenWork(rows, now, tuple(notes))


def _audit_targets(store: Any, record_refs: Sequence[str]) -> dict[str, tuple[str | None, int | None]]:
    """Record -> the last Odoo record its audit trail names (a partner created, a bill held as a draft...)."""
    from ofm.store.audit_trail import steps

    out = {}
    for ref, rows in store.trails(record_refs).items():
        named = [(s.odoo_model, s.odoo_id) for s in steps(rows) if s.odoo_id is not None and s.odoo_model]
        if named:
            out[ref] = named[-1]
    return out


def _names(odoo: Any, line_ids: list[int], notes: list[str]) -> dict[int, str]:
    """Suggested open items -> their document's name, one read for all of them."""
    if not line_ids:
        return {}
    if odoo is None:
        notes.append(f"{len(line_ids)} suggested Odoo line(s) shown by id: no Odoo connection to read their names")
        return {}
    rows = _read(odoo, "account.move.line", [("id", "in", line_ids)], ["move_name", "move_id"], notes)
    return {r["id"]: r.get("move_name") or (r["move_id"][1] if isinstance(r.get("move_id"), list) else None)
            for r in rows if r.get("move_name") or isinstance(r.get("move_id"), list)}


def _statement_moves(odoo: Any, entries: Sequence[Any], notes: list[str]) -> dict[int, int]:
    """Bank entries stored without their statement line: quarantine id -> the line's journal entry, one read by
    the lines' anchors (`unique_import_id` where Odoo has it, else `ref` = `ofm:<entry id>`)."""
    if not entries or odoo is None:
        return {}
    ids = {r.record_ref.removeprefix("bank:"): r.id for r in entries}
    fields = _call(lambda: odoo.fields_get(STATEMENT_LINE, attributes=("type",)), notes) or {}
    anchor, prefix = ("unique_import_id", "") if "unique_import_id" in fields else ("ref", "ofm:")
    rows = _read(odoo, STATEMENT_LINE, [(anchor, "in", [prefix + e for e in ids])], [anchor, "move_id"], notes) \
        if fields else []
    return {ids[str(r[anchor]).removeprefix(prefix)]: r["move_id"][0] for r in rows
            if str(r.get(anchor) or "").removeprefix(prefix) in ids and isinstance(r.get("move_id"), list)}


def _read(odoo: Any, model: str, domain: list, fields: list[str], notes: list[str]) -> list[dict[str, Any]]:
    return _call(lambda: odoo.search_read(model, domain, fields), notes) or []


def _call(read: Any, notes: list[str]) -> Any:
    """An Odoo read; an Odoo that cannot answer leaves the view without those names or links, said in a note."""
    from ofm.connectors.odoo import OdooError

    try:
        return read()
    except OdooError as exc:
        notes.append(f"Odoo could not be read ({type(exc).__name__}): names or links are missing")
        return None
