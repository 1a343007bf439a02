"""The ORM methods the middleware uses, as thin typed wrappers over `call`.

They exist to make the efficient call the easy one: `create` takes a whole list (one request for
a batch is ~13x faster than one per record), and `search_read` insists on `fields` (reading
every field is ~100x slower, per the contract's throughput measurements) and pages for you.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ofm.connectors.odoo.config import OdooConfig

Domain = Sequence[Any]


class RecordMethods:
    """CRUD and search helpers; the concrete client supplies `call` and `config`."""

    config: OdooConfig

    def call(self, model: str, method: str, args: list[Any] | None = None,
             kwargs: dict[str, Any] | None = None, ids: list[int] | None = None,
             retry: bool | None = None) -> Any:  # pragma: no cover - provided by OdooClient
        raise NotImplementedError

    def create(self, model: str, vals_list: list[dict[str, Any]],
               context: dict[str, Any] | None = None) -> list[int]:
        """Create all `vals_list` records in ONE request (one transaction: all or none)."""
        if not vals_list:
            return []
        kwargs = {"context": context} if context else {}
        result = self.call(model, "create", args=[list(vals_list)], kwargs=kwargs)
        return [result] if isinstance(result, int) else list(result)

    def write(self, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
        """Write the same `vals` on every record of `ids`."""
        return bool(self.call(model, "write", args=[vals], ids=list(ids)))

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        """Read `fields` of `ids`; ids that do not exist are silently absent (Odoo returns [])."""
        _require_fields(fields)
        return list(self.call(model, "read", ids=list(ids), kwargs={"fields": list(fields)}))

    def search(self, model: str, domain: Domain, limit: int | None = None, offset: int = 0,
               order: str | None = None) -> list[int]:
        """Ids matching `domain`."""
        kwargs: dict[str, Any] = {"offset": offset}
        if limit is not None:
            kwargs["limit"] = limit
        if order is not None:
            kwargs["order"] = order
        return list(self.call(model, "search", args=[list(domain)], kwargs=kwargs))

    def search_read(self, model: str, domain: Domain, fields: list[str], limit: int | None = None,
                    order: str = "id", page_size: int = 2000) -> list[dict[str, Any]]:
        """Records matching `domain`, read page by page (`offset`) so no answer grows unbounded.

        `order` should be unique and stable (the default, `id`), or pages may overlap.
        """
        _require_fields(fields)
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        rows: list[dict[str, Any]] = []
        while True:
            want = page_size if limit is None else min(page_size, limit - len(rows))
            if want <= 0:
                return rows
            page = self.call(model, "search_read", args=[list(domain)],
                             kwargs={"fields": list(fields), "offset": len(rows), "limit": want, "order": order})
            rows.extend(page)
            if len(page) < want:
                return rows

    def search_count(self, model: str, domain: Domain) -> int:
        """Number of records matching `domain`."""
        return int(self.call(model, "search_count", args=[list(domain)]))

    def fields_get(self, model: str,
                   attributes: Iterable[str] = ("type", "required", "relation", "selection")) -> dict[str, Any]:
        """Field definitions of `model`, limited to `attributes` (the full answer is large)."""
        return dict(self.call(model, "fields_get", kwargs={"attributes": list(attributes)}))


def _require_fields(fields: Sequence[str]) -> None:
    """Reading without `fields` reads every field, computed ones included: never do it by accident."""
    if isinstance(fields, str) or not fields:
        raise ValueError("name the fields to read: a non-empty list (reading all fields is ~100x slower)")
