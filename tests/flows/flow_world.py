"""The flow tests' world lives in `chaos.world` (the fault suite builds its worlds the same way)."""

from chaos.world import Crash, Slow, World, at_once, kill_after, odoo_client, outbox_states, revive, world

__all__ = ["Crash", "Slow", "World", "at_once", "kill_after", "odoo_client", "outbox_states", "revive", "world"]
