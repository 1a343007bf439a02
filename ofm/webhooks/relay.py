"""From the inbox to Prefect: emit the stored approvals not emitted yet, in order, at least once.

Each event goes out through a Prefect events client that confirms it (a websocket ping answered after the
send: the server has read it) before the source's cursor moves past it. `prefect.events.emit_event` is not
used here: it only queues the event for a background worker that logs and drops what it cannot send, so
an event could be marked emitted and still be lost. A failure stops the source's relay at that event; the
next attempt (the next request, the periodic pass, startup, `ofm webhooks emit-pending`) starts there.
The Prefect event id is derived from the intake source and event id, so an event sent again after a crash
between the send and the cursor update carries the same id.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ofm.store import Store
from ofm.store.owners import owner_of, register, unregister
from ofm.store.redaction import redact
from ofm.webhooks.intake import cursor_name, mark_emitted, pending
from ofm.webhooks.schemas import Approval

log = logging.getLogger("ofm.webhooks")
EVENT_NAMESPACE = uuid.UUID("6f1c7c0e-51d5-4c41-9a55-0f0e5c1b7a10")
ClientFactory = Callable[[], Any]  # () -> a Prefect EventsClient (an async context manager with `emit`)


def confirmed_client(api_url: str | None = None) -> ClientFactory:
    """Clients that wait for the server to confirm each event (a ping answered after the send) and raise when
    they cannot; on `api_url`, else on PREFECT_API_URL (or Prefect Cloud) as Prefect's settings say."""

    def make() -> Any:
        from prefect.events.clients import PrefectEventsClient, get_events_client

        if api_url:
            return PrefectEventsClient(api_url=api_url, reconnection_attempts=2, checkpoint_every=1)
        return get_events_client(reconnection_attempts=2, checkpoint_every=1)

    return make


def prefect_event(approval: Approval, intake_source: str, inbox_id: int) -> Any:
    """The Prefect event of a stored approval: resource = the record, related = the approver."""
    from prefect.events import Event

    slug = re.sub(r"[^a-z0-9._-]+", "-", approval.approver.lower()).strip("-") or "unknown"
    return Event(
        id=uuid.uuid5(EVENT_NAMESPACE, f"{intake_source}:{approval.event_id}"),
        occurred=datetime.now(UTC),
        event=approval.event_name,
        resource={"prefect.resource.id": approval.resource_id, "prefect.resource.name": approval.record_ref},
        related=[{"prefect.resource.id": f"ofm.person.{slug}", "prefect.resource.role": "approver",
                  "prefect.resource.name": approval.approver}],
        payload={**approval.as_dict(), "decision": approval.decision, "record_ref": approval.record_ref,
                 "inbox_id": inbox_id},
    )


@dataclass
class RelayPass:
    """What one pass did: inbox ids emitted, and per intake source why it stopped early."""

    emitted: list[int] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    busy: list[str] = field(default_factory=list)  # another process was relaying that source


class Relay:
    """Emits the pending approvals of some intake sources; one pass at a time per process and per source."""

    def __init__(self, store: Store, sources: Sequence[str], client: ClientFactory | None = None,
                 batch: int = 100) -> None:
        self.store = store
        self.sources = list(dict.fromkeys(sources))
        self.client = client or confirmed_client()
        self.batch = batch
        self._lock = asyncio.Lock()
        self._run_id = f"event-relay-{uuid.uuid4().hex[:12]}"

    async def run(self) -> RelayPass:
        """One pass over every source; never raises for a Prefect failure (the events stay pending)."""
        result = RelayPass()
        async with self._lock:
            for source in self.sources:
                await self._source(source, result)
        return result

    async def _source(self, source: str, result: RelayPass) -> None:
        owner = owner_of(self._run_id)
        register(self._run_id)
        try:
            held = await asyncio.to_thread(self.store.acquire_lock, cursor_name(source), owner)
            if held.owner != owner:
                result.busy.append(source)
                return
            try:
                await self._emit_all(source, result)
            finally:
                await asyncio.to_thread(self.store.release_lock, cursor_name(source), owner)
        finally:
            unregister(self._run_id)

    async def _emit_all(self, source: str, result: RelayPass) -> None:
        while rows := await asyncio.to_thread(pending, self.store, source, self.batch):
            try:
                async with self.client() as client:
                    for inbox_id, approval in rows:
                        await client.emit(prefect_event(approval, source, inbox_id))
                        await asyncio.to_thread(mark_emitted, self.store, source, inbox_id)
                        result.emitted.append(inbox_id)
                        log.info("emitted %s %s (inbox %s)", approval.event_name, approval.resource_id, inbox_id)
            except Exception as exc:  # any failure to reach Prefect: the event stays pending, in order
                reason = redact(f"{type(exc).__name__}: {exc}")[:300]
                result.failed[source] = reason
                log.warning("event relay %s: not emitted yet, will retry: %s", source, reason)
                return
            if len(rows) < self.batch:
                return
