"""Name resemblance between a new supplier and existing Odoo partners. Pure.

Used only to *flag* a possible duplicate for review (a supplier without VAT/vendor-code
match whose name looks like an existing partner's in the same country). Never to merge.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

# Legal forms carry no identity: "Müller GmbH" and "Mueller" are the same company name.
LEGAL_FORMS = frozenset({
    "gmbh", "ag", "kg", "ohg", "ug", "se", "sa", "sas", "sarl", "sl", "srl", "spa", "bv", "nv",
    "ltd", "limited", "plc", "llc", "inc", "corp", "co", "company", "ab", "as", "aps", "oy", "oyj",
    "sp", "zoo", "kft", "sro",
})
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise_name(name: str) -> str:
    """Lower case, umlauts spelled out, accents and punctuation and legal forms removed."""
    text = name.lower().replace(".", "").translate(UMLAUTS)  # "S.A." is "SA"
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in LEGAL_FORMS]
    return " ".join(words)


def similar_partners(
    name: str,
    country_id: int | None,
    candidates: Mapping[int | None, Sequence[tuple[int, str]]],
    cutoff: float = 90.0,
    limit: int = 3,
) -> list[tuple[int, str, float]]:
    """Existing partners (id, name, score) in the same country whose name resembles `name`."""
    pool = candidates.get(country_id) or ()
    if not pool:
        return []
    choices = {pid: normalise_name(pname) for pid, pname in pool}
    names = dict(pool)
    hits = process.extract(normalise_name(name), choices, scorer=fuzz.token_sort_ratio,
                           score_cutoff=cutoff, limit=limit)
    return [(pid, names[pid], float(score)) for _, score, pid in hits]


def group_by_country(rows: Iterable[Mapping]) -> dict[int | None, list[tuple[int, str]]]:
    """Odoo search_read rows (id, name, country_id) grouped by country id."""
    grouped: dict[int | None, list[tuple[int, str]]] = {}
    for row in rows:
        country = row.get("country_id")
        key = country[0] if isinstance(country, list | tuple) and country else None
        grouped.setdefault(key, []).append((row["id"], row.get("name") or ""))
    return grouped
