"""The `:86:` text of an MT940 transaction, read into counterparty, references and remittance.

Three shapes occur: German banks' `?NN` sub-fields (DK/ZKA: `166?00GUTSCHRIFT?20EREF+…?21SVWZ+…
?30BIC?31IBAN?32Name`), Dutch banks' `/CODE/value` pairs (`/EREF/…/REMI/USTD//…/NAME/…`, ABN
AMRO's `/CNTP/IBAN/BIC/NAME/CITY/`), and free text. Structured text is wrapped at fixed widths,
so its lines are joined without a separator; free text is joined with spaces.
"""

from __future__ import annotations

import re

from ofm.connectors.bank.common import counterparty_account, creditor_reference, join_text, value

_GERMAN = re.compile(r"^\d{3}\?\d{2}")
_SUBFIELD = re.compile(r"\?(\d{2})")
_SEPA = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|PURP|COAM|OAMT|SQTP|MDAT|ORCR|ORMR|DDAT)\+")
_DUTCH_CODES = ("EREF|MARF|CSID|CNTP|REMI|PURP|ULTC|ULTD|ULTB|RTRN|IBAN|NAME|BIC|ADDR|TRCD|ORDP|BENM|ISDT|PREF"
                "|CREF|ID|CITY|SVCL|RTYP|EXCH|OCMT|CHGS|IREF|TRTP|BUSP")
_DUTCH = re.compile(rf"/({_DUTCH_CODES})/")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")
_NON_SWIFT_LINE = re.compile(r"^(\d{2})(.*)$")
_RF_IN_TEXT = re.compile(r"\bRF\d{2}[0-9A-Z]{1,21}\b")
FIELDS = ("counterparty_name", "counterparty_iban", "counterparty_bic", "end_to_end_id", "creditor_reference",
          "creditor_reference_type", "remittance")


def parse_details(lines: list[str]) -> dict[str, str | None]:
    """The canonical entry fields found in one transaction's `:86:` lines (absent ones are None)."""
    joined = "".join(lines)
    if _GERMAN.match(joined.strip()):
        found = _german(joined.strip())
    elif _DUTCH.match(joined.strip()):
        found = _dutch(joined.strip())
    else:
        found = {"remittance": join_text(lines)}
    result: dict[str, str | None] = dict.fromkeys(FIELDS)
    result.update(found)
    if result["creditor_reference"] is None and result["remittance"]:
        # No structured slot in MT940: an RF reference often travels in the remittance text.
        for token in _RF_IN_TEXT.findall(result["remittance"]):
            ref, kind = creditor_reference(token)
            if kind == "RF":
                result["creditor_reference"], result["creditor_reference_type"] = ref, kind
                break
    return result


def _german(text: str) -> dict[str, str | None]:
    """DK format: ?00 posting text, ?20-?29 and ?60-?63 purpose, ?30 BIC/BLZ, ?31 IBAN/account, ?32-?33 name."""
    parts = _SUBFIELD.split(text[3:])
    sub = list(zip(parts[1::2], parts[2::2], strict=True))
    purpose, starts = "", {0}
    for code, part in sub:
        if "20" <= code <= "29" or "60" <= code <= "63":
            starts.add(len(purpose))
            purpose += part
    sepa = _sepa_fields(purpose, starts)
    get = {code: part for code, part in sub}.get
    bic = value(get("30"))
    return {
        "counterparty_name": value((get("32") or "") + (get("33") or "")),
        "counterparty_iban": counterparty_account(get("31") or sepa.get("IBAN")),
        "counterparty_bic": bic if bic and _BIC.match(bic) else value(sepa.get("BIC")),
        "end_to_end_id": value(sepa.get("EREF")),
        "remittance": value(sepa.get("SVWZ") if "SVWZ" in sepa else sepa.get("")),
    }


def _sepa_fields(purpose: str, starts: set[int]) -> dict[str, str]:
    """SEPA keywords (EREF+, KREF+, MREF+, SVWZ+, …) that open a purpose line or follow a space."""
    cuts = [m for m in _SEPA.finditer(purpose)
            if m.start() in starts or purpose[m.start() - 1: m.start()] == " "]
    fields = {"": purpose[: cuts[0].start()] if cuts else purpose}
    ends = [m.start() for m in cuts[1:]] + [len(purpose)]
    for m, end in zip(cuts, ends, strict=False):  # no cuts: nothing to pair
        fields.setdefault(m.group(1), purpose[m.end(): end])
    return {key: text.strip() for key, text in fields.items()}


def _dutch(text: str) -> dict[str, str | None]:
    """`/CODE/value` pairs: EREF, REMI (USTD text or STRD reference), NAME, IBAN, BIC, CNTP."""
    parts = _DUTCH.split(text)
    pairs: dict[str, str] = {}
    for code, part in zip(parts[1::2], parts[2::2], strict=True):
        pairs.setdefault(code, part.strip().rstrip("/").strip())
    cntp = (pairs.get("CNTP") or "").split("/")
    cntp += [""] * (3 - len(cntp))
    remi, ref, kind = pairs.get("REMI") or "", None, None
    if remi.startswith("STRD/"):
        ref, kind = creditor_reference(remi.rsplit("/", 1)[-1])
        remi = ""
    elif remi.startswith("USTD/"):
        remi = remi[5:].lstrip("/")
    return {
        "counterparty_name": value(pairs.get("NAME") or cntp[2]),
        "counterparty_iban": counterparty_account(pairs.get("IBAN") or cntp[0]),
        "counterparty_bic": value(pairs.get("BIC") or cntp[1]),
        "end_to_end_id": value(pairs.get("EREF")),
        "creditor_reference": ref, "creditor_reference_type": kind,
        "remittance": value(remi),
    }


def parse_non_swift(lines: list[str]) -> dict[str, str | None]:
    """A transaction's `:NS:` lines as German banks write them (`2!n35x` per line): 01-14 purpose,
    15-16 the counterparty's name; other sub-fields (17 posting text, 18 primanota, …) are not ours.
    Only the fields found are returned, so an `:86:` of the same transaction keeps precedence."""
    sub: dict[str, str] = {}
    for line in lines:
        match = _NON_SWIFT_LINE.match(line.strip())
        if match:
            sub.setdefault(match.group(1), match.group(2))
    found = {"remittance": join_text([sub.get(f"{i:02d}") for i in range(1, 15)]),
             "counterparty_name": join_text([sub.get("15"), sub.get("16")])}
    return {key: text for key, text in found.items() if text}
