"""Finding records by their business anchors, and creating them exactly once.

An anchor is a field of the record itself that identifies it in the source system (`vat`, `ref`,
`partner_ref`, `origin`, `payment_reference`): unlike external ids in `ir.model.data`, these
work for a least-privilege integration user (observed in the contract, trace k).

`create_idempotent` is how a lost answer is resolved: if a create fails *ambiguously* (sent, no
answer), the records are looked up by anchor before anything is sent again, so a retry never
creates a second vendor or a second bill. Odoo runs each request in one transaction, so a lost
create is either fully applied or not at all; the lookup tells which.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ofm.connectors.odoo.errors import OdooAmbiguousError
from ofm.connectors.odoo.records import RecordMethods
from ofm.connectors.odoo.retry import sleep_time_seconds

log = logging.getLogger("ofm.connectors.odoo")


def _present(value: Any) -> bool:
    """Odoo reads an empty field as False; neither it nor "" nor None is an anchor."""
    return value is not None and value is not False and value != ""


def _key(value: Any) -> Any:
    """A many2one reads as [id, name]; match it on the id."""
    return value[0] if isinstance(value, list | tuple) and value else value


class AnchorMethods(RecordMethods):
    """Anchor lookups and idempotent creation on top of the record helpers."""

    _sleep: Callable[[float], None]
    _jitter: Callable[[], float]

    def find_by_anchors(self, model: str, anchors: list[str], records: list[dict[str, Any]],
                        fields: list[str], domain: list | None = None) -> list[dict[str, Any] | None]:
        """For each record, the Odoo record matched by its first anchor that has a value and a match.

        One `search_read` per anchor field for the whole batch (`field in [values]`), never one
        per record. Anchors are tried in order, each only for the records still unmatched. When
        several Odoo records share a value, the oldest (lowest id) wins. Archived records are not
        searched (Odoo's default `active` filter) unless `domain` says so: it is AND-ed to each
        lookup, e.g. `["|", ("active", "=", True), ("active", "=", False)]`.
        """
        found: list[dict[str, Any] | None] = [None] * len(records)
        read_fields = list(dict.fromkeys([*fields, *anchors]))
        for anchor in anchors:
            pending = [i for i, rec in enumerate(records) if found[i] is None and _present(rec.get(anchor))]
            if not pending:
                continue
            values = list(dict.fromkeys(_key(records[i][anchor]) for i in pending))
            rows = self.call(model, "search_read", args=[[*(domain or []), [anchor, "in", values]]],
                             kwargs={"fields": read_fields, "order": "id"})
            by_value: dict[Any, dict[str, Any]] = {}
            for row in rows:
                by_value.setdefault(_key(row.get(anchor)), row)
            for i in pending:
                found[i] = by_value.get(_key(records[i][anchor]))
        return found

    def create_idempotent(self, model: str, vals_list: list[dict[str, Any]], anchors: list[str],
                          fields: list[str]) -> list[int]:
        """Create `vals_list` (ids aligned with it), never twice, even when answers are lost.

        Every record needs a value for at least one anchor: without one, a lost create could not
        be told from one that never happened. After an ambiguous failure it waits a backoff (to
        let a still-running request commit), looks the records up and creates only the missing.
        """
        unanchored = [i for i, vals in enumerate(vals_list) if not any(_present(vals.get(a)) for a in anchors)]
        if unanchored:
            raise ValueError(f"create_idempotent needs an anchor value ({', '.join(anchors)}) "
                             f"for every record; missing at positions {unanchored}")
        ids: list[int | None] = [None] * len(vals_list)
        todo = list(range(len(vals_list)))
        policy = self.config.retry
        attempt = 0
        while todo:
            attempt += 1
            try:
                created = self.create(model, [vals_list[i] for i in todo])
            except OdooAmbiguousError as err:
                if attempt >= policy.max_attempts:
                    raise
                delay = sleep_time_seconds(attempt, policy, err.retry_after, self._jitter)
                log.warning("%s; looking %d record(s) up by %s in %.2f s before creating again",
                            err, len(todo), "/".join(anchors), delay)
                self._sleep(delay)
                matches = self.find_by_anchors(model, anchors, [vals_list[i] for i in todo], fields)
                for i, match in zip(todo, matches, strict=True):
                    if match is not None:
                        ids[i] = int(match["id"])
                todo = [i for i in todo if ids[i] is None]
                continue
            for i, new_id in zip(todo, created, strict=True):
                ids[i] = new_id
            todo = []
        return [int(i) for i in ids if i is not None]
