"""Text that reaches Odoo is sent as a JSON value, never composed into a domain, a format string or code: names,
vendor codes (an anchor the middleware searches Odoo by) and addresses holding quotes, domain fragments, `%s`,
`${...}`, HTML, RTL overrides and zero-width characters reach the Odoo sandbox byte for byte (read back), and a
NUL byte (PostgreSQL under Odoo refuses one) quarantines its record naming the field while the rest of the file
is delivered. Runs the real supplier-onboarding flow on a file drop, against the in-process Odoo sandbox."""

from __future__ import annotations

import json

import pytest
from flow_world import world
from hostile_kit import DEEP, INJECTIONS, examples, hostile_text
from hypothesis import Phase, example, given
from hypothesis import strategies as st

from ofm.flows.supplier_onboarding import supplier_onboarding
from ofm.sandbox.procurement import generate_suppliers

pytestmark = pytest.mark.usefixtures("prefect_harness")
GOOD = 4


def _hostile_batch(names: list[str], codes: list[str], cities: list[str]) -> list[dict]:
    records = generate_suppliers(GOOD + len(names), seed=11, dirty=False, id_prefix="HOS")
    for i, (name, code, city) in enumerate(zip(names, codes, cities, strict=True)):
        record = records[GOOD + i]
        # a distinct word in front keeps two hostile names from looking alike to the lookalike rule
        record["legal_name"], record["vendor_code"] = f"Hostile{i} {name}", f"H{i}-{code}"
        record["addresses"][0]["city"] = city
    return records


# a flow run per example: `make test` runs the explicit one, the deep profile 12 generated ones too, reported
# as generated, not shrunk (shrinking took minutes)
@examples(1, deep=12, phases=[Phase.explicit, Phase.generate] if DEEP else [Phase.explicit])
@given(names=st.lists(hostile_text(), min_size=1, max_size=4), data=st.data())
@example(names=[*INJECTIONS[:7], "Null\x00Byte GmbH"], data=None)
def test_hostile_text_reaches_odoo_as_a_value_or_its_record_is_quarantined_by_field(tmp_path_factory, names, data):
    n = len(names)
    codes = [data.draw(hostile_text(), label="code") for _ in range(n)] if data else INJECTIONS[-n:]
    cities = [data.draw(hostile_text(), label="city") for _ in range(n)] if data else ["${7*7}"] * n
    records = _hostile_batch(names, codes, cities)
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "suppliers.json"
    path.write_text(json.dumps({"suppliers": records}), encoding="utf-8")
    with world(folder, suppliers=1) as w:
        result = supplier_onboarding(source=str(path), actor="test")
        partners = {p["ref"]: p for p in w.partners()}
        quarantined = {r.record_ref.rsplit(":", 1)[-1]: r for r in w.store.list_quarantine(status="all", limit=100)}
    assert result["reconciles"] is True
    assert result["counts"]["received"] == len(records)
    for record in records[:GOOD]:  # the good records beside the hostile ones are delivered
        assert record["vendor_code"] in partners, f"{record['id']} was not delivered"
    for record in records[GOOD:]:
        name, code, city = record["legal_name"], record["vendor_code"], record["addresses"][0]["city"]
        sent = code.strip()
        if sent in partners:  # delivered: byte for byte what the source sent (trimmed like every text field)
            got = partners.pop(sent)
            # (Python's strip also trims \x1c-\x1f, which pydantic's does not: compare trimmed on both sides)
            assert (got["name"].strip(), got["ref"]) == (name.strip(), sent)
            assert (got["city"] or "").strip() == city.strip()
            assert "\x00" not in name + code + city
            continue
        row = quarantined.get(record["id"])
        assert row is not None, f"{record['id']} was neither delivered nor quarantined"
        assert row.reason and row.field, "a quarantined record names its field and why"
        if "\x00" in name:
            assert "NUL" in row.reason and "legal_name" in f"{row.field} {row.reason}"
    assert not [p for p in partners.values() if p["ref"] not in {r["vendor_code"] for r in records}], \
        "a partner appeared that no record asked for (a domain matched more than its anchor?)"
