"""Bank account → Odoo bank journal, declared in `mappings/bank/journals.yaml`.

Routing is data: a new bank account is a new line in the file, not new code. An account
that is not listed is an error for the whole statement file (importing it into a guessed
journal would corrupt the cash position).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

BUNDLED = Path(__file__).parent / "bank" / "journals.yaml"


class RoutingError(ValueError):
    """The routing file is wrong, or a statement's account is not routed."""


@dataclass(frozen=True)
class Route:
    account: str
    journal_code: str
    owner_team: str


@dataclass(frozen=True)
class BankRouting:
    routes: dict[str, Route]
    path: Path

    def route(self, account: str | None) -> Route:
        """The journal of `account`; RoutingError naming the account and the file when unknown."""
        key = _compact(account or "")
        if key not in self.routes:
            raise RoutingError(f"bank account {account or '(none)'} is not routed to an Odoo journal: "
                               f"add it to {self.path}")
        return self.routes[key]


def _compact(account: str) -> str:
    return "".join(str(account).split()).upper()


def load_routing(path: Path | None = None) -> BankRouting:
    """Read and validate the routing file (default: the bundled one)."""
    path = path or BUNDLED
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RoutingError(f"{path}: {exc}") from None
    accounts = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(accounts, dict) or not accounts:
        raise RoutingError(f"{path}: accounts: a mapping of bank account -> {{journal: CODE}} is required")
    routes: dict[str, Route] = {}
    for account, spec in accounts.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("journal"), str) or not spec["journal"]:
            raise RoutingError(f"{path}: accounts.{account}.journal: an Odoo journal code is required")
        unknown = set(spec) - {"journal", "owner_team"}
        if unknown:
            raise RoutingError(f"{path}: accounts.{account}: unknown key(s) {', '.join(sorted(unknown))}")
        key = _compact(str(account))
        routes[key] = Route(key, spec["journal"], str(spec.get("owner_team") or "treasury"))
    return BankRouting(routes, path)
