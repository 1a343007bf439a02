"""`ofm screenshots`: pictures of the Prefect UI after the demo, taken with headless Chromium.

The Prefect UI is a single-page app that loads its data after the page itself: a screenshot taken when the page
has loaded shows empty tables. So Chromium is driven through its DevTools protocol (a websocket; the `websockets`
package comes with Prefect): open the page, poll `document.body.innerText` until the texts that prove the data is
there appear (a run's name, a deployment's name, ...), then capture. Which pages, and which text each waits for,
is decided first from the Prefect API (`plan_shots`), so a page whose subject does not exist on this server (no
open-work artifact yet, no automation) is skipped with one line instead of a picture of an empty page.

Chromium is the Debian package (`/usr/bin/chromium`, or OFM_CHROMIUM); `make screenshots` installs it if missing.
It runs with a fresh profile, no network features and no sandbox (it runs as root in containers).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from ofm.cli.main import app, fail

WIDTH, HEIGHT = 1440, 900
MAX_HEIGHT = 4000  # a full-page picture stops here
# how much taller than the window the content is, in the page's own scrolling containers (or the document)
HIDDEN_HEIGHT_JS = ("Math.max(document.documentElement.scrollHeight - innerHeight, ...Array.from("
                    "document.querySelectorAll('body *')).filter(e => ['auto', 'scroll'].includes("
                    "getComputedStyle(e).overflowY)).map(e => e.scrollHeight - e.clientHeight), 0)")
PREFERRED_FLOWS = ("bank-reconciliation", "ledger-batch")  # their exception runs have the richest artifacts
EXCEPTIONS_STATE = "Completed with exceptions"
OPEN_WORK_PREFIX = "open-work-"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
                  "--force-color-profile=srgb", f"--window-size={WIDTH},{HEIGHT}")


class ScreenshotError(RuntimeError):
    """Chromium or the Prefect server cannot be used: one line."""


@dataclass(frozen=True)
class Shot:
    """One picture: `docs/screenshots/<nn>-<name>.png` of `route`, once every text of `wait_for` shows (and, with
    `click`, once that button or tab was clicked and every text of `then` shows)."""

    number: int
    name: str
    route: str  # path of the UI page, e.g. /runs/flow-run/<id>
    wait_for: tuple[str, ...]
    caption: str
    full_page: bool = False
    click: str | None = None  # the label of a tab or button to click first, e.g. "Artifacts"
    then: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.number:02d}-{self.name}.png"


@dataclass(frozen=True)
class Skip:
    """A page not taken because its subject is not on this server, and why."""

    number: int
    name: str
    reason: str


@dataclass
class Plan:
    shots: list[Shot] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


# --- which pages ------------------------------------------------------------------------------------------------

class PrefectReader:
    """The few reads of the Prefect REST API the plan needs."""

    def __init__(self, api_url: str, client: httpx.Client | None = None) -> None:
        self.api = api_url.rstrip("/")
        self.client = client or httpx.Client(timeout=15.0)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        answer = self.client.post(f"{self.api}{path}", json=body)
        answer.raise_for_status()
        return answer.json()

    def get(self, path: str) -> Any:
        answer = self.client.get(f"{self.api}{path}")
        answer.raise_for_status()
        return answer.json()


def plan_shots(prefect: PrefectReader) -> Plan:
    """The pages to take, in order, each with the texts that prove its data is on screen."""
    plan = Plan()
    flows = {f["id"]: f["name"] for f in prefect.post("/flows/filter", {"limit": 200})}
    # runs that started: the list's default range ends now, so scheduled runs of the deployments are not on it
    runs = prefect.post("/flow_runs/filter", {"flow_runs": {"start_time": {"is_null_": False}}, "limit": 200,
                                              "sort": "START_TIME_DESC"})
    if not runs:
        plan.skips.append(Skip(1, "runs", "no flow run on this server: run `make demo` first"))
        return plan
    plan.shots.append(Shot(1, "runs", "/runs", (runs[0]["name"],),
                           "The flow runs list: every run of the demo, its state and tags.", full_page=True))

    run = pick_exceptions_run(runs, flows, prefect)
    if run is None:
        for number, name in ((2, "run-artifacts"), (3, "run-exceptions"), (4, "run-logs")):
            plan.skips.append(Skip(number, name, f"no run in the state {EXCEPTIONS_STATE!r}"))
    else:
        flow = flows.get(run["flow_id"], "a flow")
        artifacts = prefect.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}},
                                                       "limit": 50, "sort": "CREATED_DESC"})
        keys = tuple(a["key"] for a in artifacts if a.get("key"))[-1:]  # the run's first keyed artifact
        # the Artifacts tab: clicked, as `?tab=Artifacts` falls back to Logs while the run loads
        plan.shots.append(Shot(2, "run-artifacts", f"/runs/flow-run/{run['id']}", (run["name"],),
                               f"A {flow} run {EXCEPTIONS_STATE!r}: its artifacts (summary, exceptions table).",
                               full_page=True, click="Artifacts", then=keys))
        table = next((a for a in reversed(artifacts) if a.get("type") == "table"), None)
        if table is not None:
            plan.shots.append(Shot(3, "run-exceptions", f"/artifacts/artifact/{table['id']}",
                                   (table.get("key") or "", *table_cell(table.get("data"))),
                                   f"That run's table artifact opened ({table.get('key') or 'table'}): "
                                   "what is left for a person, and why.", full_page=True))
        else:
            plan.skips.append(Skip(3, "run-exceptions", "the run has no table artifact"))
        logs = prefect.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [run["id"]]}}, "limit": 1,
                                             "sort": "TIMESTAMP_ASC"})
        first = (first_line(logs[0]["message"]),) if logs else ()
        plan.shots.append(Shot(4, "run-logs", f"/runs/flow-run/{run['id']}?tab=Logs", (run["name"], *first),
                               "The same run's logs: counts, holds and warnings.", full_page=True))

    latest: dict[str, dict] = {}  # the newest artifact of each open-work-<owner> key: that team's table now
    for found in prefect.post("/artifacts/filter", {"artifacts": {"key": {"like_": OPEN_WORK_PREFIX}}, "limit": 200,
                                                    "sort": "CREATED_DESC"}):
        if (found.get("key") or "").startswith(OPEN_WORK_PREFIX):
            latest.setdefault(found["key"], found)
    if latest:
        key = sorted(latest)[0]
        plan.shots.append(Shot(5, "open-work", f"/artifacts/artifact/{latest[key]['id']}",
                               (key, *table_cell(latest[key].get("data"))),
                               f"The open work of one owner team ({key}): what waits, since when, why.",
                               full_page=True))
    else:
        plan.skips.append(Skip(5, "open-work", f"no artifact named {OPEN_WORK_PREFIX}* on this server "
                                               "(the open-work flow publishes them)"))

    deployments = prefect.post("/deployments/filter", {"limit": 200, "sort": "NAME_ASC"})
    if deployments:
        plan.shots.append(Shot(6, "deployments", "/deployments", (deployments[0]["name"],),
                               "The deployments: one per flow, with its schedule.", full_page=True))
        shown = pick_deployment(deployments, prefect)
        plan.shots.append(Shot(7, "deployment", f"/deployments/deployment/{shown['id']}", (shown["name"],),
                               f"One deployment ({shown['name']}): its schedules and triggers.", full_page=True))
    else:
        plan.skips.append(Skip(6, "deployments", "no deployment on this server (`ofm serve` deploys them)"))
        plan.skips.append(Skip(7, "deployment", "no deployment on this server"))

    automations = prefect.post("/automations/filter", {"limit": 200})
    if automations:
        plan.shots.append(Shot(8, "automations", "/automations", (sorted(a["name"] for a in automations)[0],),
                               "The automations: alerts by business impact.", full_page=True))
    else:
        plan.skips.append(Skip(8, "automations", "no automation on this server (`ofm serve` applies them)"))

    events = prefect.post("/events/filter", {"filter": {"event": {"prefix": ["ofm."]}}, "limit": 1})
    if events.get("events"):
        plan.shots.append(Shot(9, "events", "/events?events=ofm.*", (events["events"][0]["event"],),
                               "The event feed, filtered to the project's events (ofm.*)."))
    else:
        plan.skips.append(Skip(9, "events", "no ofm.* event on this server"))
    return plan


def pick_exceptions_run(runs: list[dict], flows: dict[str, str], prefect: PrefectReader) -> dict | None:
    """A run "Completed with exceptions" of a preferred flow (bank reconciliation, then ledger batch, then any),
    the one with the most artifacts (the first import rather than the re-run that found nothing new)."""
    waiting = [r for r in runs if r.get("state_name") == EXCEPTIONS_STATE]
    for wanted in (*PREFERRED_FLOWS, None):
        candidates = [r for r in waiting if wanted is None or flows.get(r["flow_id"]) == wanted][:10]
        if candidates:
            def artifacts(run: dict) -> int:
                return prefect.post("/artifacts/count", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})

            return max(reversed(candidates), key=artifacts)  # of equals the earliest: the story's first import
    return None


def pick_deployment(deployments: list[dict], prefect: PrefectReader) -> dict:
    """The deployment to show alone: one with triggers (automations related to it) and a schedule if there is
    one, else one with a schedule, else the first."""
    def score(deployment: dict) -> tuple[bool, bool]:
        try:
            related = prefect.get(f"/automations/related-to/prefect.deployment.{deployment['id']}")
        except httpx.HTTPError:
            related = []
        return bool(related), bool(deployment.get("schedules"))

    return max(deployments, key=score)


def table_cell(data: Any) -> tuple[str, ...]:
    """A text the page of a table artifact shows once its rows are there: the first row's first short value (a
    long one is cut in the table), else nothing to wait for beyond the key."""
    try:
        rows = json.loads(data) if isinstance(data, str) else data
        first = rows[0] if isinstance(rows, list) and rows else None
        values = [str(v) for v in first.values()] if isinstance(first, dict) else []
    except (ValueError, TypeError):
        values = []
    return tuple(v for v in values if 0 < len(v.strip()) <= 40)[:1]


def first_line(message: str, limit: int = 60) -> str:
    """A piece of a log message that the Logs tab shows as it is (its first line, cut at a word)."""
    line = message.strip().splitlines()[0] if message.strip() else ""
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0]


# --- waiting --------------------------------------------------------------------------------------------------

def wait_for_texts(read_text: Callable[[], str], expected: Iterable[str], timeout: float = 30.0,
                   interval: float = 0.25, clock: Callable[[], float] = time.monotonic,
                   sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """Poll `read_text` until every expected text is in it (case-insensitive, whitespace collapsed). Returns
    the texts still missing at the timeout (empty: all shown)."""
    wanted = [" ".join(t.split()) for t in expected if t.strip()]
    deadline = clock() + timeout
    while True:
        shown = " ".join(read_text().split()).casefold()
        missing = [t for t in wanted if t.casefold() not in shown]
        if not missing or clock() >= deadline:
            return missing
        sleep(interval)


# --- Chromium through the DevTools protocol -------------------------------------------------------------------

def find_chromium() -> str | None:
    """OFM_CHROMIUM, /usr/bin/chromium (the Debian package), or a chromium on the PATH."""
    for candidate in (os.environ.get("OFM_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Browser:
    """A headless Chromium with a fresh profile, and one page driven over its DevTools websocket."""

    def __init__(self, executable: str, startup_seconds: float = 30.0) -> None:
        self.profile = tempfile.mkdtemp(prefix="ofm-chromium-")
        self.proc = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "--remote-allow-origins=*", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self._next_id = 0
        try:
            port = self._devtools_port(startup_seconds)
            page = httpx.put(f"http://127.0.0.1:{port}/json/new?about:blank", timeout=10.0).json()
            from websockets.sync.client import connect

            self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10.0)
            self.call("Page.enable")
            self._viewport(HEIGHT)
        except Exception:
            self.close()
            raise

    def _devtools_port(self, startup_seconds: float) -> int:
        marker = Path(self.profile) / "DevToolsActivePort"  # Chromium writes the port it chose here
        deadline = time.monotonic() + startup_seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = (self.proc.stderr.read() if self.proc.stderr else b"").decode(errors="replace").strip()
                last = err.splitlines()[-1] if err else "no message"
                raise ScreenshotError(f"chromium exited at start (code {self.proc.returncode}): {last}")
            if marker.exists() and (lines := marker.read_text().split()):
                return int(lines[0])
            time.sleep(0.1)
        raise ScreenshotError(f"chromium did not open its DevTools port within {startup_seconds:.0f} s")

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30.0) -> dict[str, Any]:
        """Send one command and return its result, passing over the events Chromium sends meanwhile."""
        self._next_id += 1
        ident = self._next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == ident:
                if "error" in message:
                    raise ScreenshotError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})

    def text(self) -> str:
        return str(self.evaluate("document.body ? document.body.innerText : ''") or "")

    def open(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})

    def click(self, label: str) -> bool:
        """Click the innermost element whose whole text is `label` (a tab, a button); False if there is none."""
        script = ("(() => { const label = %s; const hits = Array.from(document.querySelectorAll('body *'))"
                  ".filter(e => e.offsetParent !== null && (e.innerText || '').trim() === label);"
                  " if (!hits.length) return false; hits[hits.length - 1].click(); return true; })()")
        return bool(self.evaluate(script % json.dumps(label)))

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        """A PNG of the page; `full_page`: the window is made as tall as the content first (the Prefect UI scrolls
        inside its own container, so the document itself is never taller than the window)."""
        import base64

        height = HEIGHT
        if full_page:
            hidden = self.evaluate(HIDDEN_HEIGHT_JS)
            height = min(HEIGHT + int(hidden or 0), MAX_HEIGHT)
        if height != HEIGHT:
            self._viewport(height)
            time.sleep(1.0)  # charts and virtual lists lay out again
        try:
            data = self.call("Page.captureScreenshot", {"format": "png"}, timeout=60.0)["data"]
        finally:
            if height != HEIGHT:
                self._viewport(HEIGHT)
        path.write_bytes(base64.b64decode(data))

    def _viewport(self, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}
                         ).get("result", {}).get("value")

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Taken:
    shot: Shot
    path: Path
    missing: tuple[str, ...]  # texts that never showed (the picture was still taken)


def take(browser: Browser, ui_url: str, shot: Shot, out: Path, timeout: float = 30.0, settle: float = 1.5) -> Taken:
    """Open the page, wait for its texts (then a moment for charts and fonts), capture it."""
    browser.open(ui_url.rstrip("/") + shot.route)
    missing = wait_for_texts(browser.text, shot.wait_for, timeout=timeout)
    if shot.click is not None:
        if not missing:
            time.sleep(settle)  # the tabs appear with the run; those hidden while it loads come a moment later
        if not browser.click(shot.click):
            missing.append(f"a tab or button {shot.click!r}")
        missing += wait_for_texts(browser.text, shot.then, timeout=timeout)
    time.sleep(settle)
    path = out / shot.filename
    browser.screenshot(path, full_page=shot.full_page)
    return Taken(shot, path, tuple(missing))


def ui_and_api(ui: str | None) -> tuple[str, str]:
    """(UI URL, API URL): --ui, else PREFECT_API_URL, else the project's own server (not started here)."""
    if ui:
        ui = ui.rstrip("/")
        return ui, f"{ui}/api"
    from ofm.cli.prefect_server import resolve_prefect
    from ofm.settings import load_settings

    api = resolve_prefect(load_settings().prefect_port, start=False).api_url
    return api.removesuffix("/api"), api


# --- the command ----------------------------------------------------------------------------------------------

@app.command("screenshots")
def screenshots(
    out: Annotated[Path, typer.Option(help="Folder of the PNG files (<nn>-<name>.png).")]
    = Path("docs/screenshots"),
    ui: Annotated[str | None, typer.Option(help="The Prefect UI, e.g. http://127.0.0.1:4200 (default: "
                                                "PREFECT_API_URL without /api, else the project's server).")]
    = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a page's data to show.")] = 30.0,
) -> None:
    """Screenshots of the Prefect UI after `make demo`, with headless Chromium: the runs, one run's artifacts
    and logs, the open work, the deployments, the automations and the project's events.

    Exits 1 when a page never showed its data (its picture is still written) or Chromium cannot run."""
    from ofm.cli.prefect_server import PrefectUnavailable

    executable = find_chromium()
    if executable is None:
        fail("chromium is not installed: `make screenshots` installs it (apt-get install -y chromium), "
             "or set OFM_CHROMIUM to a Chromium binary")
    try:
        ui_url, api_url = ui_and_api(ui)
        plan = plan_shots(PrefectReader(api_url))
    except PrefectUnavailable as exc:
        fail(f"{exc}; run `make demo` first, or give --ui")
    except httpx.HTTPError as exc:
        fail(f"the Prefect API at {ui or 'the project server'} cannot be read: {type(exc).__name__}: {exc}")
    typer.echo(f"Prefect UI: {ui_url}; {len(plan.shots)} page(s) to take, into {out}/")
    out.mkdir(parents=True, exist_ok=True)
    for skip in plan.skips:
        earlier = out / f"{skip.number:02d}-{skip.name}.png"
        typer.echo(f"  skipped {skip.number:02d}-{skip.name}: {skip.reason}"
                   + (f" (the picture of an earlier run stays: {earlier})" if earlier.exists() else ""))
    incomplete = 0
    try:
        with Browser(executable) as browser:
            for shot in plan.shots:
                taken = take(browser, ui_url, shot, out, timeout=timeout)
                if taken.missing:
                    incomplete += 1
                    typer.secho(f"  {taken.path}: taken, but the page never showed "
                                f"{', '.join(repr(t) for t in taken.missing)} within {timeout:.0f} s",
                                fg=typer.colors.YELLOW)
                else:
                    typer.echo(f"  {taken.path}: {shot.caption}")
    except (ScreenshotError, OSError, TimeoutError) as exc:
        fail(f"chromium: {exc}")
    if incomplete:
        raise typer.Exit(1)

