"""Audit export: every row with its chain fields and hashed content, re-verified without the project's code.

The verifier is checked as a third party would run it: the one file, copied out, under `python -I -S`
(no site packages, no project on the path). It finds an edited, deleted or reordered row, and a segment
that starts mid-chain verifies on its own from its anchor.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofm.audit_verify_export as verifier
import ofm.store.audit as chain
from ofm.store import AuditEntry
from ofm.store.audit import GENESIS, append
from ofm.store.audit_export import exported_row, parse_bound, write_export
from ofm.store.engine import transaction

DAY1, DAY2, DAY3 = (datetime(2026, 5, d, 10, 0, tzinfo=UTC) for d in (4, 5, 6))


def entries(n: int, step: str, ref: str = "procurement:SUP-1") -> list[AuditEntry]:
    return [AuditEntry(f"corr-{step}-{i}", f"run-{step}", "scheduler", step, ref,
                       {"i": i, "name": "Müller & Söhne", "amount": "12.50", "odoo_model": "res.partner",
                        "odoo_id": 40 + i, "note": "line one\nline two, \"quoted\""})
               for i in range(n)]


@pytest.fixture
def filled(store):
    """Three days of rows: 3 on May 4, 4 on May 5, 2 on May 6."""
    for day, n, step in ((DAY1, 3, "received"), (DAY2, 4, "mapped"), (DAY3, 2, "loaded")):
        with transaction(store.engine) as conn:
            append(conn, entries(n, step), day)
    return store


def export(store, tmp_path: Path, fmt: str, start: str = "2026-05-01", end: str = "2026-05-31") -> Path:
    path = tmp_path / f"export.{fmt}"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_export(store, parse_bound(start, end=False), parse_bound(end, end=True), out, fmt)
    return path


def rows_of(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        return list(csv.DictReader(io.StringIO(path.read_bytes().decode(), newline="")))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def rewrite(path: Path, change) -> None:
    """Apply `change` to the export's rows (CSV: after the column header; JSONL: between header and end)."""
    if path.suffix == ".csv":
        records = list(csv.reader(io.StringIO(path.read_bytes().decode(), newline="")))
        body = change(records[1:])
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([records[0], *body])
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([lines[0], *change(lines[1:-1]), lines[-1]]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_whole_chain_exports_and_verifies_from_genesis(filled, tmp_path, fmt):
    path = export(filled, tmp_path, fmt)
    report = verifier.verify_file(path)
    assert (report.ok, report.rows, report.anchor) == (True, 9, GENESIS)
    assert "beginning of the chain" in "\n".join(report.lines())
    rows = [r for r in rows_of(path) if r.get("kind", "row") == "row"]
    stored = [r.hash for r in filled.trail("procurement:SUP-1")]
    assert [r["hash"] for r in rows] == stored
    for row in rows:  # the algorithm as written down, by hand: sha256 over prev_hash + content
        assert hashlib.sha256((row["prev_hash"] + row["content"]).encode()).hexdigest() == row["hash"]
        assert row["content"].isascii() and json.loads(row["content"])["actor"] == "scheduler"


def test_jsonl_has_a_header_and_an_end_that_name_the_stretch_and_the_head(filled, tmp_path):
    lines = rows_of(export(filled, tmp_path, "jsonl"))
    header, end = lines[0], lines[-1]
    last = filled.trail("procurement:SUP-1")[-1]
    assert header["kind"] == "header" and header["anchor"] == GENESIS and "sha256" in header["algorithm"]
    assert (end["kind"], end["rows"], end["last_hash"]) == ("end", 9, last.hash)
    assert end["chain_head"] == {"id": last.id, "hash": last.hash}
    assert lines[1]["summary"]["name"] == "Müller & Söhne" and lines[1]["redacted"] is False


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_segment_starting_mid_chain_verifies_on_its_own_and_links_to_the_export_before(filled, tmp_path, fmt):
    trail = filled.trail("procurement:SUP-1")
    (tmp_path / "day1").mkdir()
    first = export(filled, tmp_path / "day1", fmt, "2026-05-04", "2026-05-04")
    second = export(filled, tmp_path, fmt, "2026-05-05", "2026-05-05")
    before, report = verifier.verify_file(first), verifier.verify_file(second)
    assert (before.ok, before.rows, report.ok, report.rows) == (True, 3, True, 4)
    assert (report.first_id, report.last_id) == (trail[3].id, trail[6].id)
    assert report.anchor == trail[2].hash == before.last_hash  # the segment hangs on the export before it
    said = "\n".join(report.lines())
    assert "a segment" in said and trail[2].hash in said


def test_a_range_with_no_rows_exports_an_empty_file_that_says_so(filled, tmp_path):
    path = export(filled, tmp_path, "jsonl", "2026-06-01", "2026-06-30")
    report = verifier.verify_file(path)
    assert (report.ok, report.rows) == (True, 0) and report.lines() == ["intact: the export holds no rows"]


def _edit_content(lines: list, fmt: str) -> list:
    if fmt == "csv":
        lines[3][-1] = lines[3][-1].replace('"i":0', '"i":7')
        return lines
    row = json.loads(lines[3])
    row["content"] = row["content"].replace('"i":0', '"i":7')
    return [*lines[:3], json.dumps(row), *lines[4:]]


def _edit_column(lines: list, fmt: str) -> list:
    if fmt == "csv":
        lines[3][3] = "mallory"
        return lines
    row = json.loads(lines[3])
    row["actor"] = "mallory"
    return [*lines[:3], json.dumps(row), *lines[4:]]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize(("tamper", "found", "why"), [
    (_edit_content, 3, "was edited"),
    (_edit_column, 3, "readable columns were edited"),
    (lambda lines, fmt: lines[:4] + lines[5:], 5, "deleted, inserted or moved"),
    (lambda lines, fmt: [*lines[:4], lines[5], lines[4], *lines[6:]], 5, "deleted, inserted or moved"),
])
def test_the_verifier_names_an_edited_deleted_or_reordered_row(filled, tmp_path, fmt, tamper, found, why):
    path = export(filled, tmp_path, fmt)
    ids = [r.id for r in filled.trail("procurement:SUP-1")]
    rewrite(path, lambda lines: tamper(lines, fmt))
    report = verifier.verify_file(path)
    assert report.ok is False and why in report.problem
    assert report.problem.startswith(f"row {ids[found]}:")


@pytest.mark.parametrize(("cut", "why"), [
    (lambda lines: lines[:-1], "end line is missing"),
    (lambda lines: [*lines[:-2], lines[-1]], "end line says 9 rows"),
    (lambda lines: [lines[0], *lines[2:]], "first rows were removed"),
])
def test_a_jsonl_export_cut_at_either_end_is_found(filled, tmp_path, cut, why):
    path = export(filled, tmp_path, "jsonl")
    path.write_text("\n".join(cut(path.read_text(encoding="utf-8").splitlines())) + "\n", encoding="utf-8")
    report = verifier.verify_file(path)
    assert report.ok is False and why in report.problem


def test_a_row_that_held_a_secret_is_exported_masked_and_the_chain_still_verifies(store, tmp_path, monkeypatch):
    monkeypatch.setattr(chain, "scrub", lambda value: value)  # a row written before masking existed
    store.audit([AuditEntry("c", "run-0", "ofm", "loaded", "procurement:SUP-9",
                            {"api_key": "k-sup3r", "note": "sent with Authorization: Bearer abc.def9"})])
    monkeypatch.undo()
    store.audit(entries(2, "next"))
    assert store.verify_audit().ok
    for fmt in ("jsonl", "csv"):
        path = export(store, tmp_path, fmt, "2000-01-01", "2100-12-31")
        text = path.read_text(encoding="utf-8")
        assert "k-sup3r" not in text and "abc.def9" not in text
        report = verifier.verify_file(path)
        assert (report.ok, report.rows, report.redacted) == (True, 3, [store.trail("procurement:SUP-9")[0].id])
        assert "secrets masked" in "\n".join(report.lines())
    masked = exported_row(store.trail("procurement:SUP-9")[0])
    assert masked["summary"]["api_key"] == "***" and masked["content"] is None and masked["redacted"] is True


def test_the_verifier_runs_alone_with_the_standard_library(filled, tmp_path):
    """Copied out of the project and run with no site packages: it needs nothing else."""
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(verifier.__file__, alone / "verify.py")
    good = export(filled, tmp_path, "csv", "2026-05-05", "2026-05-06")

    def run(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-I", "-S", str(alone / "verify.py"), str(path)], cwd=alone,
                              capture_output=True, text=True, timeout=60, check=False)

    ok = run(good)
    assert ok.returncode == 0 and ok.stdout.startswith("intact: 6 rows") and "a segment" in ok.stdout
    rewrite(good, lambda lines: lines[:2] + lines[3:])
    broken = run(good)
    assert broken.returncode == 1 and broken.stdout.startswith("BROKEN: row")
    assert run(tmp_path / "missing.csv").returncode == 2


def test_parse_bound_takes_days_inclusive_and_date_times():
    assert parse_bound("2026-05-05", end=False) == datetime(2026, 5, 5, tzinfo=UTC)
    assert parse_bound("2026-05-05", end=True) == datetime(2026, 5, 5, tzinfo=UTC) + timedelta(days=1)
    assert parse_bound("2026-05-05T12:30:00+02:00", end=True) == datetime(2026, 5, 5, 10, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="neither a date"):
        parse_bound("yesterday", end=False)


def test_the_cli_exports_to_a_file_and_says_what_it_wrote(filled, store_url, tmp_path, monkeypatch):
    from ofm.cli.main import app
    from ofm.settings import get_settings

    monkeypatch.setenv("OFM_DATABASE_URL", store_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        out = tmp_path / "may.csv"
        done = runner.invoke(app, ["audit", "export", "--from", "2026-05-05", "--to", "2026-05-06", "--out", str(out)])
        assert done.exit_code == 0, done.output
        assert "exported 6 audit rows" in done.output and "anchored at prev hash" in done.output
        assert verifier.verify_file(out).ok and out.read_text(encoding="utf-8").startswith("id,at,flow_run_id")
        streamed = runner.invoke(app, ["audit", "export", "--from", "2026-05-04", "--to", "2026-05-04"])
        assert streamed.exit_code == 0 and streamed.stdout.startswith('{"kind":"header"')
        wrong = runner.invoke(app, ["audit", "export", "--from", "May", "--to", "2026-05-04"])
        assert wrong.exit_code == 2 and "neither a date" in wrong.output
    finally:
        get_settings.cache_clear()
