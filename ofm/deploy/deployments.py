"""Apply every deployment of `prefect.yaml` in this process: what `prefect --no-prompt deploy --all` does.

The same code as the CLI (Prefect's own `_run_single_deploy`, one deployment at a time, so schedules, triggers,
concurrency limits and pull steps mean exactly what they mean to `prefect deploy`), without a second Python
process: the flows' modules are imported once, and not at all again when this process already ran them (the
demo). A deployment whose entrypoint file is missing is skipped and named, and one that fails does not stop the
others. The work pool must exist (`ensure_work_pool`).
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
PREFECT_FILE = CHECKOUT / "prefect.yaml"
WORK_POOL = "local-pool"


@dataclass
class Deployed:
    """What one deploy did: `flow/deployment` names applied, skipped (with why) and failed (with why)."""

    applied: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self) -> str:
        said = f"{len(self.applied)} deployment(s) applied in {self.seconds:.1f} s"
        said += "".join(f"; {name} skipped: {why}" for name, why in self.skipped.items())
        return said + "".join(f"; {name} FAILED: {why}" for name, why in self.failed.items())


def ensure_work_pool(api_url: str, name: str = WORK_POOL) -> str:
    """Create the process work pool unless it exists; "created" or "exists"."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with _api(api_url), get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return "exists"
        except ObjectNotFound:
            pass
        try:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
        except ObjectAlreadyExists:  # created meanwhile by someone else
            return "exists"
        return "created"


def revision(prefect_file: Path = PREFECT_FILE) -> str:
    """`ofm-<12 hex>`: sha256 of prefect.yaml and of every entrypoint file it names (a flow's signature is its
    deployment's parameter schema). Each deployment carries it as its version."""
    import hashlib

    import yaml

    root = prefect_file.resolve().parent
    text = prefect_file.read_bytes()
    digest = hashlib.sha256(text)
    for config in yaml.safe_load(text).get("deployments") or []:
        path = root / str(config.get("entrypoint") or "").partition(":")[0]
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return f"ofm-{digest.hexdigest()[:12]}"


def up_to_date(api_url: str, prefect_file: Path = PREFECT_FILE) -> bool:
    """Whether the server holds every deployment of `prefect_file` (those whose entrypoint exists) at this
    revision: then deploying again would change nothing."""
    import yaml
    from prefect.client.orchestration import get_client

    root = prefect_file.resolve().parent
    wanted = {str(c.get("name")) for c in yaml.safe_load(prefect_file.read_text()).get("deployments") or []
              if (root / str(c.get("entrypoint") or "").partition(":")[0]).is_file()}
    with _api(api_url), get_client(sync_client=True) as client:
        held = {d.name: d.version for d in client.read_deployments(limit=200)}
    version = revision(prefect_file)
    return all(held.get(name) == version for name in wanted)


def deploy_all(api_url: str, prefect_file: Path = PREFECT_FILE, only: set[str] | None = None) -> Deployed:
    """Apply every deployment of `prefect_file` (or those named in `only`) to the Prefect API at `api_url`."""
    from prefect.cli.deploy._config import _load_deploy_configs_and_actions
    from prefect.cli.deploy._core import _run_single_deploy
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.asyncutils import run_coro_as_sync
    from rich.console import Console

    started = time.monotonic()
    root = prefect_file.resolve().parent
    quiet = Console(file=io.StringIO(), width=200)
    done = Deployed()
    version = revision(prefect_file)
    os.environ.setdefault("OFM_CHECKOUT", str(root))  # the pull step's working directory, read when deploying
    with _api(api_url), contextlib.chdir(root):
        configs, actions = _load_deploy_configs_and_actions(prefect_file=prefect_file, console=quiet)
        todo = {}
        for config in [c for c in configs if only is None or c.get("name") in only]:
            entrypoint = str(config.get("entrypoint") or "")
            name = f"{entrypoint.rpartition(':')[2]}/{config.get('name')}"
            if (root / entrypoint.partition(":")[0]).is_file():
                todo[name] = {**config, "version": config.get("version") or version}
            else:
                done.skipped[name] = f"{entrypoint.partition(':')[0]} does not exist"
        for name, config in todo.items():  # imports first, one at a time (import locks, clearer errors)
            try:
                load_flow_from_entrypoint(config["entrypoint"])
            except Exception as exc:
                done.failed[name] = _why(exc)

        for name, config in todo.items():  # one after the other: overlapping them was slower on SQLite
            if name in done.failed:
                continue
            try:
                run_coro_as_sync(_run_single_deploy(config, actions, prefect_file=prefect_file, console=quiet,
                                                    is_interactive=lambda: False))
            except Exception as exc:  # one bad deployment must not keep the others from the server
                done.failed[name] = _why(exc)
            else:
                done.applied.append(name)
    done.seconds = time.monotonic() - started
    return done


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


@contextlib.contextmanager
def _api(api_url: str):
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url, PREFECT_SERVER_EPHEMERAL_ENABLED: False}):
        yield
