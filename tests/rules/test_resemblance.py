import pytest

from ofm.rules.resemblance import group_by_country, normalise_name, similar_partners

ROWS = [{"id": 1, "name": "Müller Präzisionsteile GmbH", "country_id": [57, "Germany"]},
        {"id": 2, "name": "Schmidt Logistik AG", "country_id": [57, "Germany"]},
        {"id": 3, "name": "Mueller Praezisionsteile", "country_id": [75, "France"]}]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Müller Präzisionsteile GmbH", "mueller praezisionsteile"),
    ("ACME, Ltd.", "acme"),
    ("Société Générale S.A.", "societe generale"),
])
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(("name", "country", "ids"), [
    ("Mueller Praezisionsteile G.m.b.H.", 57, [1]),     # dotted legal form
    ("Mueller Präzisionsteile GmbH", 57, [1]),          # same company, other spelling
    ("Mueller Praezisionsteile", 75, [3]),              # only in its own country
    ("Schmidt Logistik", 75, []),
    ("Totally Different Ltd", 57, []),
])
def test_similar_partners_same_country_only(name, country, ids):
    hits = similar_partners(name, country, group_by_country(ROWS))
    assert [h[0] for h in hits] == ids
