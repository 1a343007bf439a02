"""The bank matching policy: rules, order and tolerances as data (`mappings/bank/matching.yaml`).

A wrong key must stop the run before a single entry is matched, with one message naming the
file and the key (`matching.yaml: fees.tolerances.EUR.percent: ...`). Parsing is pure
(`parse_policy`); `load_policy` only adds reading the file, cached per modification time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ofm.rules.policy_file import PolicyReader, load_policy_file

RULES = ("reference", "partner_amount", "multi_invoice", "partial", "fees")
IDENTIFY_BY = ("reference", "iban")
WEIGHTS = ("reference", "partner", "amount", "date")
BUNDLED = Path(__file__).resolve().parents[2] / "mappings" / "bank" / "matching.yaml"
_TOP = {"rules", "date_window_days", "reference_patterns", "multi_invoice", "partial", "fees", "suggestions"}


class PolicyError(ValueError):
    """The matching policy file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Tolerance:
    """Largest difference written off: absolute (minor units) and/or percent of the residual."""

    absolute_minor: int | None
    percent: Decimal | None


@dataclass(frozen=True)
class MatchingPolicy:
    """A validated matching policy; see matching.yaml for what each value means."""

    source: str
    rules: tuple[str, ...]
    date_window_days: int
    reference_patterns: MappingProxyType[str, str]
    max_items: int
    max_candidates: int
    partial_identify_by: tuple[str, ...]
    writeoff_account: str
    tolerances: MappingProxyType[str, Tolerance]
    suggestion_limit: int
    suggestion_pool: int
    weights: MappingProxyType[str, float]

    @property
    def reference_regex(self) -> str:
        """All patterns as one whole-word alternation; group 1 is the token found."""
        body = "|".join(f"(?:{p})" for p in self.reference_patterns.values())
        return f"(?<![A-Z0-9])({body})(?![A-Z0-9])"


def load_policy(path: str | Path | None = None) -> MatchingPolicy:
    """Read and validate a policy file (default: the bundled one), cached per modification time."""
    return load_policy_file(path, BUNDLED, parse_policy, PolicyError, "matching policy")


def parse_policy(doc: Any, source: str = "matching.yaml") -> MatchingPolicy:
    """Validate a parsed policy document completely; the first wrong key raises PolicyError."""
    return _Reader(source).policy(doc)


class _Reader(PolicyReader):
    error = PolicyError

    def integer(self, node: dict, key: str, where: str, low: int, high: int | None = None) -> int:
        value = node.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high and value > high):
            bound = f"between {low} and {high}" if high else f">= {low}"
            raise self.fail(where + key, f"must be an integer {bound}, got {value!r}")
        return value

    def policy(self, doc: Any) -> MatchingPolicy:
        doc = self.mapping(doc, "(top)", _TOP)
        missing = sorted(_TOP - set(doc))
        if missing:
            raise self.fail(missing[0], "required")
        rules = doc["rules"]
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise self.fail("rules", f"must be a list of rule names ({', '.join(RULES)})")
        for rule in rules:
            if rule not in RULES:
                raise self.fail("rules", f"unknown rule {rule!r} (known: {', '.join(RULES)})")
        if len(set(rules)) != len(rules):
            raise self.fail("rules", "names a rule twice")
        multi = self.mapping(doc["multi_invoice"], "multi_invoice", {"max_items", "max_candidates"})
        partial = self.mapping(doc["partial"], "partial", {"identify_by"})
        identify = partial.get("identify_by")
        if not isinstance(identify, list) or not identify or any(i not in IDENTIFY_BY for i in identify):
            raise self.fail("partial.identify_by", f"must be a non-empty list of {', '.join(IDENTIFY_BY)}")
        fees = self.mapping(doc["fees"], "fees", {"writeoff_account", "tolerances"})
        account = fees.get("writeoff_account")
        if not isinstance(account, str) or not account.strip():
            raise self.fail("fees.writeoff_account", "required, an account code as a quoted string")
        sugg = self.mapping(doc["suggestions"], "suggestions", {"limit", "max_pool", "weights"})
        return MatchingPolicy(
            source=self.source, rules=tuple(rules),
            date_window_days=self.integer(doc, "date_window_days", "", 0, 3660),
            reference_patterns=self.patterns(doc["reference_patterns"]),
            max_items=self.integer(multi, "max_items", "multi_invoice.", 2, 6),
            max_candidates=self.integer(multi, "max_candidates", "multi_invoice.", 2, 16),
            partial_identify_by=tuple(identify), writeoff_account=account.strip(),
            tolerances=self.tolerances(fees.get("tolerances")),
            suggestion_limit=self.integer(sugg, "limit", "suggestions.", 1, 3),
            suggestion_pool=self.integer(sugg, "max_pool", "suggestions.", 1, 10_000),
            weights=self.weights(sugg.get("weights")))

    def patterns(self, node: Any) -> MappingProxyType[str, str]:
        node = self.mapping(node, "reference_patterns")
        if not node:
            raise self.fail("reference_patterns", "at least one pattern is required")
        for name, pattern in node.items():
            if not isinstance(pattern, str) or not pattern:
                raise self.fail(f"reference_patterns.{name}", "must be a regular expression (a quoted string)")
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise self.fail(f"reference_patterns.{name}", f"not a valid regular expression: {exc}") from None
            if compiled.groupindex:
                raise self.fail(f"reference_patterns.{name}", "named groups are not allowed")
            if compiled.match(""):
                raise self.fail(f"reference_patterns.{name}", "matches the empty text")
        return MappingProxyType({str(k): v for k, v in node.items()})

    def tolerances(self, node: Any) -> MappingProxyType[str, Tolerance]:
        node = self.mapping(node, "fees.tolerances")
        out: dict[str, Tolerance] = {}
        for currency, spec in node.items():
            key = f"fees.tolerances.{currency}"
            if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
                raise self.fail(key, "must be an ISO 4217 currency code like EUR")
            spec = self.mapping(spec, key, {"absolute_minor", "percent"})
            if not spec:
                raise self.fail(key, "give absolute_minor and/or percent")
            absolute = self.integer(spec, "absolute_minor", key + ".", 0) if "absolute_minor" in spec else None
            out[currency] = Tolerance(absolute, self.percent(spec, key) if "percent" in spec else None)
        return MappingProxyType(out)

    def percent(self, spec: dict, key: str) -> Decimal:
        value = spec["percent"]
        try:
            percent = Decimal(str(value)) if not isinstance(value, bool) else None
        except InvalidOperation:
            percent = None
        if percent is None or not percent.is_finite() or not 0 <= percent <= 100 or percent.as_tuple().exponent < -4:
            raise self.fail(f"{key}.percent", f"must be a number from 0 to 100 (at most 4 decimals), got {value!r}")
        return percent

    def weights(self, node: Any) -> MappingProxyType[str, float]:
        node = self.mapping(node, "suggestions.weights", set(WEIGHTS))
        out = {}
        for name in WEIGHTS:
            value = node.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise self.fail(f"suggestions.weights.{name}", f"must be a number >= 0, got {value!r}")
            out[name] = float(value)
        if not sum(out.values()):
            raise self.fail("suggestions.weights", "at least one weight must be positive")
        return MappingProxyType(out)
