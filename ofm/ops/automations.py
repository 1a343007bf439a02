"""Apply the automations file to a Prefect server: alerts ranked by business impact, sent by a notification block.

Each automation of `ofm/ops/automations.yaml` becomes one Prefect automation, found again by its name: applying
twice leaves one per name (an unchanged one is left as it is, so a proactive deadline keeps counting; a changed
one is replaced in place; extra copies of a name are deleted), and an automation tagged `ofm` that the file no
longer declares is deleted. The action sends the alert through the block `ofm-alerts`, saved from the settings:
OFM_ALERT_CHANNEL webhook (a JSON POST with the header X-OFM-Alert-Token), slack or teams, to
OFM_ALERT_WEBHOOK_URL, a secret the Prefect server keeps in the block and that nothing here prints. Without a URL
the automations still fire and show in the Prefect UI's event feed, and send nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ofm.ops.automation_spec import TAG, AutomationSpec, load_automations, spoken

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.events.schemas.automations import AutomationCore

    from ofm.settings import Settings

TOKEN_HEADER = "X-OFM-Alert-Token"
_RUN_LINK = re.compile(r"\{\{\s*run_link\s*\}\}")
_WINDOW = re.compile(r"\{\{\s*window\s*\}\}")
_COMPARED = ("name", "description", "enabled", "tags", "trigger", "actions", "actions_on_trigger",
             "actions_on_resolve")


@dataclass(frozen=True)
class Applied:
    """What `apply` did to one automation: created, updated, unchanged or deleted (no longer declared)."""

    name: str
    outcome: str
    automation_id: UUID | None = None


def apply_automations(api_url: str, path: Path | None = None, settings: Settings | None = None) -> list[str]:
    """Apply the automations file (default: OFM_AUTOMATIONS_FILE or the bundled one) to the Prefect API at
    `api_url`; the names now declared there, P1 first. Idempotent: re-applying replaces, never duplicates."""
    return [a.name for a in sync_automations(api_url, path, settings) if a.outcome != "deleted"]


def sync_automations(api_url: str, path: Path | None = None, settings: Settings | None = None) -> list[Applied]:
    """`apply_automations`, saying per automation what was done."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    settings = settings or _settings()
    spec = load_automations(path or settings.automations_file)
    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        block_id = save_notification_block(settings, spec.notification_block)
        existing = client.read_automations()
        done = [_apply_one(client, build_automation(a, api_url, block_id), existing) for a in spec.ranked()]
        declared = {a.name for a in spec.automations}
        for stale in existing:
            if TAG in (stale.tags or []) and stale.name not in declared:
                client.delete_automation(stale.id)
                done.append(Applied(stale.name, "deleted", stale.id))
    return done


def list_automations(api_url: str) -> list[Any]:
    """The automations on the server that `apply` manages (tagged `ofm`), P1 first."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        found = [a for a in client.read_automations() if TAG in (a.tags or [])]
    return sorted(found, key=lambda a: a.name)


def build_automation(spec: AutomationSpec, api_url: str, block_id: UUID | None) -> AutomationCore:
    """The Prefect automation for one entry of the file, every field set (an update replaces them all)."""
    from prefect.events.actions import DoNothing, SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    t = spec.trigger
    trigger = EventTrigger(posture=Posture(t.posture), expect=set(t.expect), match=t.match,
                           match_related=t.match_related or {}, for_each=set(t.for_each), threshold=t.threshold,
                           within=t.within)
    subject, body = render_text(spec, api_url)
    action = DoNothing() if block_id is None else SendNotification(block_document_id=block_id, subject=subject,
                                                                     body=body)
    return AutomationCore(name=spec.name, description=f"{spec.priority}: {spec.description}", enabled=spec.enabled,
                          tags=spec.tags, trigger=trigger, actions=[action], actions_on_trigger=[],
                          actions_on_resolve=[])


def render_text(spec: AutomationSpec, api_url: str) -> tuple[str, str]:
    """Subject and body as Prefect will render them: the priority first, `{{ run_link }}` and `{{ window }}`
    filled in. The link is the server's own UI URL for the run when it knows one (PREFECT_UI_URL), else the UI
    beside `api_url`."""
    ui = api_url.rstrip("/").removesuffix("/api")
    link = "{{ (flow_run|ui_url) or ('" + ui + "/runs/flow-run/' ~ flow_run.id) }}"
    window = spoken(spec.trigger.within)

    def fill(text: str) -> str:
        return _WINDOW.sub(window, _RUN_LINK.sub(link, text))

    subject = f"[{spec.priority}] {fill(spec.subject)}"
    body = f"[{spec.priority}] {spec.title}\n{fill(spec.body).rstrip()}\n(automation: {spec.name})"
    return subject, body


def save_notification_block(settings: Settings, name: str) -> UUID | None:
    """Save the alert destination as the notification block `name`; its id, or None when no URL is set."""
    block = notification_block(settings, name)
    return None if block is None else block.save(name, overwrite=True)


def notification_block(settings: Settings, name: str) -> Any:
    """The Prefect notification block of the settings' channel, or None without OFM_ALERT_WEBHOOK_URL.

    The webhook channel's URL and token are kept in the block's secrets (the URL field holds the template
    `{{url}}`), so the block as the Prefect UI and API show it carries neither."""
    if settings.alert_webhook_url is None:
        return None
    from prefect.blocks.notifications import CustomWebhookNotificationBlock, MicrosoftTeamsWebhook, SlackWebhook
    from pydantic import ValidationError

    from ofm.settings import SettingsError

    url = settings.alert_webhook_url
    kind = {"slack": SlackWebhook, "teams": MicrosoftTeamsWebhook}.get(settings.alert_channel)
    if kind is not None:
        try:
            return kind(url=url)
        except (ValidationError, ValueError):  # the message would not name the value, but say only what is wrong
            raise SettingsError(f"OFM_ALERT_WEBHOOK_URL is not a {settings.alert_channel} webhook URL "
                                f"(OFM_ALERT_CHANNEL={settings.alert_channel})") from None
    secrets = {"url": url.get_secret_value()}  # a token in the URL's path or query stays hidden
    headers = None
    if settings.alert_token is not None:
        secrets["token"] = settings.alert_token.get_secret_value()
        headers = {TOKEN_HEADER: "{{token}}"}
    return CustomWebhookNotificationBlock(name=name, url="{{url}}", method="POST", headers=headers,
                                          json_data={"subject": "{{subject}}", "body": "{{body}}"}, secrets=secrets)


def _apply_one(client: SyncPrefectClient, wanted: AutomationCore, existing: list) -> Applied:
    same_name = [a for a in existing if a.name == wanted.name]
    if not same_name:
        return Applied(wanted.name, "created", client.create_automation(wanted))
    keep, *extra = same_name
    for duplicate in extra:
        client.delete_automation(duplicate.id)
    if comparable(keep) == comparable(wanted):
        return Applied(wanted.name, "unchanged", keep.id)
    client.update_automation(keep.id, wanted)
    return Applied(wanted.name, "updated", keep.id)


def comparable(automation: Any) -> dict:
    """The fields `apply` sets, without the ids Prefect gives triggers, sets (expect, for_each) in order."""
    dumped = automation.model_dump(mode="json")
    dumped["trigger"].pop("id", None)
    return _ordered({k: dumped.get(k) for k in _COMPARED})


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _ordered(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_ordered(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value


def _settings() -> Settings:
    from ofm.settings import get_settings

    return get_settings()

