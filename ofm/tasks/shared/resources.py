"""The external systems a run talks to, chosen in one place.

Production builds them from `Settings`; tests and the demo install in-process sandboxes with
`use_resources(...)`. Tasks ask for `resources()` instead of reading globals or settings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ofm.settings import Settings, get_settings

if TYPE_CHECKING:
    from ofm.connectors.odoo import OdooClient
    from ofm.connectors.procurement import ProcurementClient
    from ofm.store import Store


@dataclass
class Resources:
    """Everything a flow run needs from outside its own code."""

    settings: Settings
    store: Store
    odoo: OdooClient
    procurement_factory: Callable[[], ProcurementClient] | None = None
    _procurement: ProcurementClient | None = field(default=None, repr=False)

    @property
    def procurement(self) -> ProcurementClient:
        """The procurement API client, built on first use (file runs never need it)."""
        if self._procurement is None:
            if self.procurement_factory is None:
                raise RuntimeError("no procurement API is configured (set OFM_PROCUREMENT_URL)")
            self._procurement = self.procurement_factory()
        return self._procurement


_override: Resources | None = None
_thread = threading.local()  # resources of one thread (concurrent runs in one process, as tests start them)


def build_resources(settings: Settings | None = None) -> Resources:
    """Real clients from settings (`.env` / environment)."""
    from ofm.connectors.odoo import OdooClient, OdooConfig, RetryPolicy
    from ofm.connectors.procurement import ProcurementClient, ProcurementConfig
    from ofm.store import Store

    s = (settings or get_settings()).require("odoo")
    store = Store(s.database_url, lease_seconds=s.outbox_lease_seconds)
    store.migrate()
    odoo = OdooClient(OdooConfig(
        url=s.odoo_url, db=s.odoo_db, login=s.odoo_login, api_key=s.odoo_api_key,
        protocol=s.odoo_protocol, timeout_seconds=s.odoo_timeout_seconds,
        retry=RetryPolicy(max_attempts=s.odoo_max_attempts)))

    def procurement() -> ProcurementClient:
        s.require("procurement")  # only runs that read the API need a token
        assert s.procurement_token is not None
        return ProcurementClient(ProcurementConfig(
            url=s.procurement_url, token=s.procurement_token, pagination=s.procurement_pagination,
            page_size=s.procurement_page_size))

    return Resources(settings=s, store=store, odoo=odoo, procurement_factory=procurement)


def resources() -> Resources:
    """The resources of the current thread if it has its own, else of the process (the override if one is installed)."""
    global _override
    own = getattr(_thread, "res", None)
    if own is not None:
        return own
    if _override is None:
        _override = build_resources()
    return _override


def current_settings() -> Settings:
    """The settings a run in this process will use (the installed resources', else the environment's)."""
    return _override.settings if _override is not None else get_settings()


@contextmanager
def use_resources(res: Resources) -> Iterator[Resources]:
    """Install `res` for the duration of the block (tests, demo, replays)."""
    global _override
    previous, _override = _override, res
    try:
        yield res
    finally:
        _override = previous


@contextmanager
def use_thread_resources(res: Resources) -> Iterator[Resources]:
    """Install `res` for this thread only, for the block: several runs at once, each with its own clients."""
    previous, _thread.res = getattr(_thread, "res", None), res
    try:
        yield res
    finally:
        _thread.res = previous
