"""Different values on many records in as few Odoo calls as the server allows: shared by the flows that
write a value per record (a picking's mark, a statement line's partner, a journal item's account).

`write` sets the same values on every record of a call; records that take the same values share one.
When more than one set of values remains and the server is Odoo 19 or later, one `web_save_multi` call
(addons/web/models/models.py: `record.write(vals)` per record, one transaction) writes them all; Odoo 18
has no such method, so there it is one `write` per set of values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ofm.tasks.shared.resources import resources


def write_each(model: str, vals_by_id: Mapping[int, dict[str, Any]]) -> int:
    """Write each record's own values; returns the Odoo calls it took."""
    groups: dict[str, list[int]] = {}
    for rid, vals in vals_by_id.items():
        groups.setdefault(json.dumps(vals, sort_keys=True, default=str), []).append(rid)
    if not groups:
        return 0
    odoo = resources().odoo
    if len(groups) > 1 and odoo.version.major >= 19:
        ids = sorted(vals_by_id)
        odoo.call(model, "web_save_multi", ids=ids, kwargs={"vals_list": [vals_by_id[i] for i in ids],
                                                            "specification": {}})
        return 1
    for key, ids in groups.items():
        odoo.write(model, sorted(ids), json.loads(key))
    return len(groups)
