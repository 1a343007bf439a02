"""The automations file (`ofm/ops/automations.yaml`): what alerts, how urgent, and the text it sends. No Prefect here.

Each automation is a Prefect event trigger plus a subject and a body (Prefect templates). Loading validates the
whole file at once: an unknown key, a priority other than P1-P3, a duration that does not parse, two automations
with one key or a body Prefect would refuse are errors naming the automation, never a silent default.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

BUNDLED = Path(__file__).with_name("automations.yaml")
PRIORITIES = ("P1", "P2", "P3")
TAG = "ofm"  # every automation applied from the file carries it: how `apply` finds the ones it owns
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class AutomationsError(ValueError):
    """The automations file is missing or invalid: one message naming the file and the automation."""


def _duration(value: object) -> timedelta:
    """Seconds (int/float) or "30s", "15m", "26h", "2d"."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    found = _DURATION.match(str(value))
    if not found:
        raise ValueError(f"{value!r} is not a duration: seconds, or a number with s, m, h or d")
    return timedelta(seconds=float(found[1]) * _UNITS[found[2]])


Duration = Annotated[timedelta, BeforeValidator(_duration)]
ResourceSpec = dict[str, str | list[str]]


def spoken(window: timedelta) -> str:
    """A window as people say it: "26 h", "15 min", "8 s"."""
    seconds = window.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} s"


class TriggerSpec(BaseModel):
    """A Prefect event trigger, in Prefect's own words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    posture: Literal["Reactive", "Proactive"] = "Reactive"
    expect: list[str] = Field(min_length=1)
    match: ResourceSpec
    match_related: ResourceSpec | None = None
    for_each: list[str] = Field(default_factory=list)
    threshold: int = Field(default=1, ge=1)
    within: Duration = timedelta(0)

    @model_validator(mode="after")
    def _proactive_needs_a_window(self) -> TriggerSpec:
        if self.posture == "Proactive" and self.within < timedelta(seconds=10):
            raise ValueError("a Proactive trigger needs a window of 10 s or more (`within`; Prefect's least)")
        return self


class AutomationSpec(BaseModel):
    """One alert: when (trigger), how urgent (priority), what it says (subject, body)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    priority: Literal["P1", "P2", "P3"]
    title: str = Field(min_length=3)
    description: str
    enabled: bool = True
    trigger: TriggerSpec
    subject: str
    body: str

    @property
    def name(self) -> str:
        """The automation's name in Prefect, rank first: the Automations page sorts P1 on top."""
        return f"{self.priority} {self.title}"

    @property
    def tags(self) -> list[str]:
        return [TAG, f"priority:{self.priority}", f"ofm-automation:{self.key}"]


class AutomationsFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notification_block: str = Field(default="ofm-alerts", pattern=r"^[a-z0-9-]+$")
    flows: list[str] = Field(default_factory=list)
    automations: list[AutomationSpec]

    @model_validator(mode="after")
    def _unique(self) -> AutomationsFile:
        for attr in ("key", "name"):
            seen = [getattr(a, attr) for a in self.automations]
            twice = sorted({v for v in seen if seen.count(v) > 1})
            if twice:
                raise ValueError(f"two automations with the {attr} {twice[0]!r}")
        return self

    def ranked(self) -> list[AutomationSpec]:
        """P1 first, then in the file's order."""
        return sorted(self.automations, key=lambda a: PRIORITIES.index(a.priority))


def load_automations(path: Path | None = None) -> AutomationsFile:
    """The automations of `path` (default: the bundled file), validated; AutomationsError otherwise."""
    path = path or BUNDLED
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return AutomationsFile.model_validate(raw)
    except OSError as exc:
        raise AutomationsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise AutomationsError(f"{path}: not YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AutomationsError(f"{path}: {where}: {first['msg']}") from None
