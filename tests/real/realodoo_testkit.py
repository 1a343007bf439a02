"""What a real-Odoo test needs: the database's coordinates, clients, the settings that point a flow at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ofm.connectors.odoo import OdooClient, OdooConfig

MAPPINGS = Path(__file__).resolve().parents[2] / "ofm" / "mappings"


@dataclass
class RealOdoo:
    """One database on the real server; `client()` gives a connector client over JSON-2 or JSON-RPC."""

    url: str
    db: str
    login: str
    api_key: str
    version: int = 19
    _clients: list[OdooClient] = field(default_factory=list, repr=False)

    @property
    def p2p_policy(self) -> Path:
        """The procure-to-pay policy naming this server's company and chart's taxes (they differ in 18)."""
        return MAPPINGS / "procurement" / ("p2p.real.yaml" if self.version >= 19 else f"p2p.real{self.version}.yaml")

    @property
    def bank_policy(self) -> Path:
        """The bank matching policy naming this chart's bank-fees account (657200 in 19, 656000 in 18)."""
        return MAPPINGS / "bank" / ("matching.real.yaml" if self.version >= 19 else f"matching.real{self.version}.yaml")

    def config(self, protocol: str = "auto") -> OdooConfig:
        return OdooConfig(url=self.url, db=self.db, login=self.login, api_key=self.api_key, protocol=protocol,
                          timeout_seconds=120)

    def client(self, protocol: str = "auto") -> OdooClient:
        """A client of the middleware's own connector (closed with the module's database)."""
        client = OdooClient(self.config(protocol))
        self._clients.append(client)
        return client

    def env(self) -> dict[str, str]:
        """OFM_* variables that point the middleware (a CLI run, a flow's settings) at this database."""
        return {"OFM_ODOO_URL": self.url, "OFM_ODOO_DB": self.db, "OFM_ODOO_LOGIN": self.login,
                "OFM_ODOO_API_KEY": self.api_key}

    def read(self, model: str, domain: list, fields: list[str], **kwargs: Any) -> list[dict[str, Any]]:
        """Odoo's state read back (what the tests assert), with a client of its own."""
        if not self._clients:
            self.client()
        return self._clients[0].call(model, "search_read", args=[domain], kwargs={"fields": fields, **kwargs})

    def close(self) -> None:
        for client in self._clients:
            client.close()
