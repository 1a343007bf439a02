"""`ofm screenshots` (issue 11 part 6): which pages, their file names, and the waiting that keeps a picture from being
taken before the Prefect UI has loaded its data. The Chromium tests drive the real browser against a tiny page served
here; without Chromium they are deselected with one line (`make screenshots` installs it), never under CI=true."""

from __future__ import annotations

import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ofm.cli.main import app
from ofm.cli.screenshots import (
    EXCEPTIONS_STATE,
    Browser,
    Shot,
    find_chromium,
    first_line,
    plan_shots,
    table_cell,
    take,
    wait_for_texts,
)

# --- waiting ------------------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_waits_until_every_text_shows() -> None:
    clock = FakeClock()
    pages = iter(["", "Runs", "Runs\nbank-day1   camt053", "Runs\nBANK-day1 camt053 Artifacts"])
    reads = []

    def read() -> str:
        reads.append(clock.now)
        return next(pages)

    missing = wait_for_texts(read, ["bank-day1 camt053", "artifacts"], timeout=10, interval=0.5,
                             clock=clock, sleep=clock.sleep)
    assert missing == []
    assert reads == [0.0, 0.5, 1.0, 1.5]  # stopped at the first read that showed both, not before


def test_says_what_never_showed() -> None:
    clock = FakeClock()
    missing = wait_for_texts(lambda: "Runs\nNo flow runs", ["Runs", "ledger-api"], timeout=3, interval=1,
                             clock=clock, sleep=clock.sleep)
    assert missing == ["ledger-api"]
    assert clock.now == 3


def test_names_and_texts() -> None:
    assert Shot(2, "run-artifacts", "/runs", (), "").filename == "02-run-artifacts.png"
    assert first_line("bank-reconciliation: entries 14, booked 14, imported 14, reconciled 11, unmatched 3\nmore") \
        == "bank-reconciliation: entries 14, booked 14, imported 14,"
    assert first_line("short") == "short"
    assert table_cell(json.dumps([{"entry": "a" * 60, "reason": "no match"}])) == ("no match",)
    assert table_cell("not json") == ()
    assert table_cell("[]") == ()


# --- which pages --------------------------------------------------------------------------------------------------

FLOWS = [{"id": "f-bank", "name": "bank-reconciliation"}, {"id": "f-ledger", "name": "ledger-batch"},
         {"id": "f-sup", "name": "supplier-onboarding"}]


def run(ident: str, flow: str, state: str = EXCEPTIONS_STATE) -> dict:
    return {"id": ident, "name": f"{ident}-name", "flow_id": flow, "state_name": state}


class FakePrefect:
    """Answers the plan's reads as a Prefect server holding the given objects would."""

    def __init__(self, runs=(), artifacts=(), logs=(), deployments=(), automations=(), related=None, events=()):
        self.runs, self.artifacts, self.logs = list(runs), list(artifacts), list(logs)
        self.deployments, self.automations, self.events = list(deployments), list(automations), list(events)
        self.related = related or {}

    def post(self, path: str, body: dict):
        if path == "/flows/filter":
            return FLOWS
        if path == "/flow_runs/filter":
            return self.runs
        if path in ("/artifacts/filter", "/artifacts/count"):
            wanted = body.get("artifacts", {})
            found = [a for a in self.artifacts
                     if ("flow_run_id" not in wanted or a["flow_run_id"] in wanted["flow_run_id"]["any_"])
                     and ("key" not in wanted or wanted["key"]["like_"] in (a.get("key") or ""))]
            return len(found) if path.endswith("count") else list(reversed(found))  # newest first
        if path == "/logs/filter":
            return [entry for entry in self.logs if entry["flow_run_id"] in body["logs"]["flow_run_id"]["any_"]]
        if path == "/deployments/filter":
            return self.deployments
        if path == "/automations/filter":
            return self.automations
        if path == "/events/filter":
            return {"events": self.events}
        raise AssertionError(f"unexpected read {path}")

    def get(self, path: str):
        return self.related.get(path.rsplit(".", 1)[-1], [])


def artifact(ident: str, run_id: str, key: str, kind: str = "markdown", data: str = "") -> dict:
    return {"id": ident, "flow_run_id": run_id, "key": key, "type": kind, "data": data}


def test_an_empty_server_gives_one_line_and_no_picture() -> None:
    plan = plan_shots(FakePrefect())
    assert plan.shots == []
    assert [(s.number, s.name) for s in plan.skips] == [(1, "runs")]
    assert "make demo" in plan.skips[0].reason


def test_the_pages_after_the_demo() -> None:
    runs = [run("sup-1", "f-sup"), run("bank-2", "f-bank"), run("bank-1", "f-bank"), run("led-1", "f-ledger"),
            run("bank-0", "f-bank", state="Completed")]
    artifacts = [artifact("a1", "bank-1", "bank-reconciliation-summary"),
                 artifact("a2", "bank-1", "bank-reconciliation-unmatched", "table",
                          json.dumps([{"entry": "x" * 50, "reason": "no match: unknown counterparty"}])),
                 artifact("a3", "bank-2", "bank-reconciliation-summary"),
                 artifact("a4", "bank-2", "bank-reconciliation-unmatched", "table"),
                 artifact("w2", "ow-1", "open-work-treasury", "table"),
                 artifact("w1", "ow-1", "open-work-accounts-payable", "table"),
                 artifact("w3", "ow-2", "open-work-accounts-payable", "table", json.dumps([{"id": "Q-7"}]))]
    logs = [{"flow_run_id": "bank-2", "message": "second"}, {"flow_run_id": "bank-1", "message": "entries 14\nmore"}]
    deployments = [{"id": "d1", "name": "bank-reconciliation", "schedules": [{"x": 1}]},
                   {"id": "d2", "name": "po-sync", "schedules": [{"x": 1}]},
                   {"id": "d3", "name": "supplier-onboarding", "schedules": []}]
    plan = plan_shots(FakePrefect(runs, artifacts, logs, deployments,
                                  automations=[{"name": "quarantine backlog"}, {"name": "failed run"}],
                                  related={"d2": [{"name": "po approved"}]},
                                  events=[{"event": "ofm.run.exceptions"}]))
    assert plan.skips == []
    shots = {s.name: s for s in plan.shots}
    assert [s.filename for s in plan.shots] == [
        "01-runs.png", "02-run-artifacts.png", "03-run-exceptions.png", "04-run-logs.png", "05-open-work.png",
        "06-deployments.png", "07-deployment.png", "08-automations.png", "09-events.png"]
    assert shots["runs"].wait_for == ("sup-1-name",)  # the newest run is on the first page of the list
    # a bank run with exceptions, the first import (the re-run of equal artifacts is later in the story)
    assert shots["run-artifacts"].route == "/runs/flow-run/bank-1"
    assert shots["run-artifacts"].click == "Artifacts"
    assert shots["run-artifacts"].then == ("bank-reconciliation-summary",)
    assert shots["run-exceptions"].route == "/artifacts/artifact/a2"
    assert shots["run-exceptions"].wait_for == ("bank-reconciliation-unmatched", "no match: unknown counterparty")
    assert shots["run-logs"].wait_for == ("bank-1-name", "entries 14")
    assert shots["open-work"].route == "/artifacts/artifact/w3"  # the newest table of the first team
    assert shots["open-work"].wait_for == ("open-work-accounts-payable", "Q-7")
    assert shots["deployment"].route == "/deployments/deployment/d2"  # the one with a trigger
    assert shots["automations"].wait_for == ("failed run",)
    assert shots["events"].route == "/events?events=ofm.*"


def test_pages_whose_subject_is_missing_are_skipped_with_a_reason() -> None:
    runs = [run("led-1", "f-ledger"), run("sup-1", "f-sup", state="Completed")]
    plan = plan_shots(FakePrefect(runs, [artifact("a1", "led-1", "ledger-batch-summary")]))
    assert [s.name for s in plan.shots] == ["runs", "run-artifacts", "run-logs"]
    assert plan.shots[1].route == "/runs/flow-run/led-1"  # no bank run with exceptions: the ledger batch
    skips = {s.name: s.reason for s in plan.skips}
    assert set(skips) == {"run-exceptions", "open-work", "deployments", "deployment", "automations", "events"}
    assert "open-work-*" in skips["open-work"] and "ofm serve" in skips["deployments"]


def test_without_an_exceptions_run_its_pages_are_skipped() -> None:
    plan = plan_shots(FakePrefect([run("sup-1", "f-sup", state="Completed")]))
    assert [s.name for s in plan.shots] == ["runs"]
    assert {s.name for s in plan.skips} >= {"run-artifacts", "run-exceptions", "run-logs"}


# --- Chromium -----------------------------------------------------------------------------------------------------

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.chromium  # without Chromium: deselected in one line by tests/conftest.py, never under CI

# Like the Prefect UI: an empty shell first, the data a moment later, a tab that shows more when clicked, and
# content taller than the window scrolling inside a container.
PAGE = b"""<!doctype html><html><body style="margin:0">
<div id="app" style="height:100vh;overflow:auto"><p>loading</p></div>
<script>
setTimeout(() => {
  document.getElementById('app').innerHTML = '<h1>run-42</h1><button id="t">Artifacts</button>'
    + '<div id="more"></div><div style="height:1500px;background:#c33">tall</div>';
  document.getElementById('t').onclick = () => setTimeout(() => {
    document.getElementById('more').innerText = 'bank-reconciliation-summary'; }, 400);
}, 1200);
</script></body></html>"""


@pytest.fixture(scope="module")
def page_url():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM) as b:
        yield b


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@needs_chromium
def test_the_picture_waits_for_the_data_and_the_clicked_tab(browser, page_url, tmp_path) -> None:
    shot = Shot(2, "run-artifacts", "/runs/flow-run/42", ("run-42",), "", full_page=True, click="Artifacts",
                then=("bank-reconciliation-summary",))
    taken = take(browser, page_url, shot, tmp_path, timeout=15, settle=0.2)
    assert taken.missing == ()
    assert taken.path == tmp_path / "02-run-artifacts.png"
    assert "bank-reconciliation-summary" in browser.text()  # what the page showed when it was captured
    width, height = png_size(taken.path)
    assert width == 1440 and height > 1500  # the container's hidden content included


@needs_chromium
def test_a_page_that_never_shows_its_data_is_reported(browser, page_url, tmp_path) -> None:
    shot = Shot(1, "runs", "/runs", ("run-43",), "")
    taken = take(browser, page_url, shot, tmp_path, timeout=2, settle=0.1)
    assert taken.missing == ("run-43",)
    assert png_size(taken.path) == (1440, 900)  # taken anyway, the window's size


@needs_chromium
def test_the_command_says_in_one_line_that_prefect_is_not_there(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    result = CliRunner().invoke(app, ["screenshots", "--ui", f"http://127.0.0.1:{port}", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "cannot be read" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
