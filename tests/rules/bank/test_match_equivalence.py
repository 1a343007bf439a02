"""The optimised engine decides exactly what the previous one did (issue 13): a differential test.

`previous_engine` is the engine as it was before the last round (a frozen copy in previous_bank_engine/:
its pandas rule cascade, group-by resolution and joins) with the plain implementations it had before
the 1M x 1M work swapped back in (reference tokens by one `findall` per text, normalisation value by
value, the plain partner look-up with `normalise_name` name by name, currencies by `get_indexer`,
matches sorted by pandas, the suggestions' texts one by one); both engines then run on random months
(the bench's generator, its texts and partner names roughened: lower case, references glued to
letters, unicode spaces, the separator the fast paths join on, items known by references written
loosely, some currencies missing), and every match, every unmatched entry with its reason and
suggestions, their order and the counts must be equal.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from previous_bank_engine import engine as old_engine
from previous_bank_engine import state as old_state
from previous_bank_engine import suggest as old_suggest

from bench.bank_matching import generate
from ofm.rules.bank import load_policy, match
from ofm.rules.bank import state as bank_state
from ofm.rules.bank import suggest as bank_suggest
from ofm.rules.bank.amounts import from_minor
from ofm.rules.resemblance import normalise_name

POLICY = load_policy()


def _old_normal(values: pd.Series) -> pd.Series:
    return pd.Series(["".join(v.split()).upper() for v in values.tolist()], index=values.index, dtype=object)


def _old_tokens(columns: list[list[str]], regex: str) -> pd.Series:
    text = pd.Series(columns[0], dtype=object)
    for column in columns[1:]:
        text = text + " " + pd.Series(column, dtype=object)
    found = text.str.findall(regex, flags=re.IGNORECASE).explode().dropna()
    if re.compile(regex).groups > 1:
        found = pd.Series([t[0] for t in found.tolist()], index=found.index, dtype=object)
    return _old_normal(found)


def _old_find_partners(state) -> tuple[np.ndarray, np.ndarray]:
    partner = np.zeros(state.n, dtype=np.int64)
    source = np.zeros(state.n, dtype=np.int8)
    todo = state.open_entries()
    by_iban = old_state._unique_map(state.partner_banks.iban, state.partner_banks.partner_id)
    found = pd.Series(state.entries.counterparty_iban.to_numpy()[todo]).map(by_iban).to_numpy()
    hit = ~pd.isna(found)
    partner[todo[hit]], source[todo[hit]] = found[hit].astype(np.int64), old_state.IBAN
    todo = todo[~hit]
    names = state.entries.counterparty_name.to_numpy()[todo]
    known = state.items[["partner_id", "partner_name"]].drop_duplicates()
    known = known[known.partner_id > 0]
    by_name = old_state._unique_map(known.partner_name.map(normalise_name, na_action="ignore"), known.partner_id)
    distinct = pd.unique(pd.Series(names).dropna())
    normal = pd.Series(distinct, index=distinct).map(normalise_name).map(by_name)
    found = pd.Series(names).map(normal).to_numpy()
    hit = ~pd.isna(found)
    partner[todo[hit]], source[todo[hit]] = found[hit].astype(np.int64), old_state.NAME
    return partner, source


def _old_currency_codes(*columns: pd.Series) -> tuple[list[np.ndarray], pd.Index]:
    currencies = pd.Index(sorted(set().union(*(set(c.dropna().unique()) for c in columns))))
    return [currencies.get_indexer(c) for c in columns], currencies


def _old_matches(s, rows: pd.DataFrame) -> pd.DataFrame:
    lines = s.items.line_id.to_numpy()
    rows = rows.assign(line=lines[rows.i.to_numpy()]).sort_values(["e", "line"], kind="stable")
    e = rows.e.to_numpy()
    starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]]) if len(e) else np.array([], dtype=np.int64)
    bounds = np.r_[starts, len(e)].tolist()
    spans = list(zip(bounds[:-1], bounds[1:], strict=True))
    line_list, applied = rows.line.tolist(), rows.applied.tolist()
    writeoff = np.add.reduceat(rows.writeoff.to_numpy(), starts) if len(e) else np.array([], dtype=np.int64)
    first = rows.i.to_numpy()[starts]
    account = s.policy.writeoff_account
    return pd.DataFrame({
        "entry_id": s.entries.entry_id.to_numpy()[e[starts]],
        "rule": rows.rule.to_numpy()[starts],
        "line_ids": [tuple(line_list[a:b]) for a, b in spans],
        "applied_minor": [tuple(applied[a:b]) for a, b in spans],
        "writeoff_minor": writeoff.astype(np.int64),
        "writeoff_account": pd.Series(np.where(writeoff != 0, account, None), dtype=object),
        "partner_id": s.i_partner[first],
        "e": e[starts],
    })


def _old_why(ref: bool, same_partner: bool, residual: int, amount: int, currency: str, days: int | None) -> str:
    parts = ["reference found"] if ref else []
    parts += ["same partner"] if same_partner else []
    parts.append("exact amount" if residual == amount else
                 f"residual {from_minor(residual, currency)} vs amount {from_minor(amount, currency)} {currency}")
    parts += [f"{days} days from due date"] if days is not None else []
    return "; ".join(parts)


def _old_suggestions(s, todo: np.ndarray) -> dict[int, list[tuple[tuple[int, ...], float, str]]]:
    ranked = old_suggest.ranked(s, todo)
    names = s.currencies.to_numpy()
    out: dict[int, list[tuple[tuple[int, ...], float, str]]] = {}
    for ee, sc, line, ref, sp, res, amt, cur, dt, dd in zip(*(ranked[c].tolist() for c in ranked.columns),
                                                            strict=True):
        why = _old_why(bool(ref), sp, res, amt, str(names[cur]), dd if dt else None)
        out.setdefault(ee, []).append(((line,), sc, why))
    return out


@pytest.fixture
def previous_engine(monkeypatch):
    """A callable running the engine with the previous implementations patched back in."""
    def run(*args):
        with monkeypatch.context() as patch:
            patch.setattr(old_state, "_normal", _old_normal)
            patch.setattr(old_state, "_tokens", _old_tokens)
            patch.setattr(old_state, "_find_partners", _old_find_partners)
            patch.setattr(old_state, "_currency_codes", _old_currency_codes)
            patch.setattr(old_engine, "_matches", _old_matches)
            patch.setattr(old_engine, "suggestions", _old_suggestions)
            return old_engine.match(*args)
    return run


NOISE = ("", " ", "\u00a0", "\u2003", "x", "ß", "Ǆ", "\x00", "/", "\t", "ﬁ", "1")


def _roughen(column: pd.Series, rng: np.random.Generator, share: float) -> pd.Series:
    """Some texts cut to the reference alone, lower-cased, glued to a neighbour or padded with odd characters."""
    out = []
    for text in column.astype(object).tolist():
        if isinstance(text, str) and len(text.split()) > 2 and rng.random() < share:  # the reference alone
            text = text.split()[1]
        if isinstance(text, str) and rng.random() < share:
            left, right = (NOISE[k] for k in rng.integers(0, len(NOISE), 2))  # (numpy drops a trailing NUL)
            text = left + (text.lower() if rng.random() < 0.5 else text) + right
        out.append(text)
    return pd.Series(out, index=column.index, dtype=object)


def _month(seed: int, separator: bool):
    entries, items, banks = generate(1500, seed=seed)
    rng = np.random.default_rng(seed)
    entries["remittance"] = _roughen(entries.remittance, rng, 0.3)
    entries["creditor_reference"] = _roughen(entries.creditor_reference, rng, 0.1)
    entries["counterparty_name"] = _roughen(entries.counterparty_name, rng, 0.2)
    items["partner_name"] = _roughen(items.partner_name, rng, 0.02)
    entries.loc[rng.random(len(entries)) < 0.02, "currency"] = None
    items["ref"] = _roughen(items.move_name, rng, 0.05).where(rng.random(len(items)) < 0.05, None)
    if not separator:
        for column in ("remittance", "creditor_reference", "ref"):
            frame = items if column == "ref" else entries
            frame[column] = frame[column].str.replace("\x00", "\x01")
    return entries, items, banks


def _same(new, old) -> None:
    pd.testing.assert_frame_equal(new.matches, old.matches)
    assert new.unmatched == old.unmatched
    assert new.stats == old.stats
    ambiguous = sum(u.ambiguous for u in new.unmatched)
    assert new.stats["unmatched"] == {"entries": len(new.unmatched), "ambiguous": ambiguous}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_engine_decides_as_the_previous_one_on_random_months(seed, previous_engine):
    entries, items, banks = _month(seed, separator=False)
    new = match(entries, items, banks, POLICY)
    _same(new, previous_engine(entries, items, banks, POLICY))
    assert new.stats["matched"] > 0 and any(u.ambiguous for u in new.unmatched)


def test_texts_holding_the_separator_are_searched_one_by_one(previous_engine):
    entries, items, banks = _month(4, separator=True)
    assert entries.remittance.str.contains("\x00").any()
    _same(match(entries, items, banks, POLICY), previous_engine(entries, items, banks, POLICY))


@pytest.mark.parametrize("pattern", [r"\bINV/\d{4}/\d{2}/\d{5}", r"(?<=Payment )INV/\d{4}/\d{2}/\d{5}",
                                     r"INV/\d{4}/\d{2}/\d{5}(?:\s+\w+)?", r"[^/]+/2026/\d\d/\d+"])
def test_patterns_with_anchors_lookarounds_or_wide_classes(pattern, previous_engine):
    entries, items, banks = _month(5, separator=True)
    policy = dataclasses.replace(POLICY, reference_patterns={"invoice": pattern})
    _same(match(entries, items, banks, policy), previous_engine(entries, items, banks, policy))


def test_the_fast_path_is_taken_only_for_plain_patterns():
    assert bank_state.joinable(POLICY.reference_regex)
    for pattern in (r"^INV/\d+", r"INV\b", r"(?=INV)INV/\d+", r"INV/\d+$"):
        assert not bank_state.joinable(dataclasses.replace(POLICY, reference_patterns={"x": pattern}).reference_regex)


NAMES = ("Partner 1 GmbH", "  Müller  S.A. ", "ΟΔΟΣ ΑΣ", "ΣΑΣ.Σ", "İstanbul Co.", "℃ co company", "", "gmbh", "AG AG",
         "x\u00a0y\u2003GmbH", "ﬁne Ǆ ltd.", "a.b.c", "co-op", "Café déjà vu", "ßtraße", ".", "ЁЛКА oy", "Sp. z o.o.")


def test_names_are_normalised_as_one_by_one():
    assert bank_state.normal_names(list(NAMES)) == [normalise_name(n) for n in NAMES]
    assert bank_state.normal_names(["a\x00b GmbH", "Co"]) == ["a b", ""]
    assert bank_state.normal_names([]) == []


def test_amounts_are_written_as_decimal_writes_them():
    minor = np.array([0, 5, -5, 100, -100, 123456789012, -1, 10**15, -999], dtype=np.int64)
    for code in ("EUR", "JPY", "KWD", "CLF"):
        expected = [str(from_minor(m, code)) for m in minor.tolist()]
        assert bank_suggest.amount_texts(minor, np.full(len(minor), code, dtype=object)).tolist() == expected


TEXTS = ("Payment INV/2026/01/00001 and inv/2026/00002", "(x)a]b RINV/2026/12/12345x RF18ABC", "a(b)c [b] \\ ((",
         "BILL/2026/03/00042/BILL/2026/03/00043", "?abxc :ab)c ]x (abxc ?b", "")


@pytest.mark.parametrize("pattern", [r"(INV|BILL|RINV)/\d{4}/(\d{2}/)?\d{4,5}", r"RF\d{2}[A-Z0-9]{1,21}",
                                     r"[(]a(b)[^]()]c", r"[]](x)|\((b)\)", r"[\]()](b)", r"(a)(?:b|(c))",
                                     r"(\()b", r"(?i:(b))"])
def test_the_split_finds_with_one_group_what_the_policy_pattern_finds(pattern):
    """The token scan drops the inner groups (re.split returns one piece per group): same tokens, one group."""
    regex = dataclasses.replace(POLICY, reference_patterns={"x": pattern}).reference_regex
    single = bank_state._one_group(regex)
    assert re.compile(single).groups == 1
    for text in TEXTS:
        assert ([m.group(1) for m in re.finditer(single, text, re.IGNORECASE)]
                == [m.group(1) for m in re.finditer(regex, text, re.IGNORECASE)])


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(a)?(?(1)b|c)", r"(?x)(a) # [", r"(?ix)(a)"])
def test_groups_named_by_number_or_verbose_patterns_keep_their_groups(pattern):
    regex = dataclasses.replace(POLICY, reference_patterns={"x": pattern}).reference_regex
    assert bank_state._one_group(regex) == regex


def test_texts_taken_as_normal_are_exactly_those_normal_text_leaves_alone():
    """`_normal` keeps the texts `is_normal` passes: every character it lets pass must be one `normal_text`
    keeps, and every one it stops one `normal_text` changes (or a non-ASCII one, always done the long way)."""
    for char in map(chr, range(256)):
        text = f"INV{char}1"
        assert bank_state.is_normal(text) == (bank_state.normal_text(text) == text and char.isascii()), repr(char)
    values = pd.Series(["INV/1", "RF18 1", "inv/2", "A\x1fB"], index=[3, 1, 4, 1])
    assert bank_state._normal(values).tolist() == ["INV/1", "RF181", "INV/2", "AB"]
    assert bank_state._normal(values[:1]).index.tolist() == [3]


CASE_TEXTS = ("Payment inv/2026/01/00001 and INV/2026/00002 rf18abc", "x_inv ~INV| `a` {b} [M] m]", "kelvin k K s S _~",
              "Inv/2026/7 bill/2026/03/00042", "AbC aBc abc ABC")


@pytest.mark.parametrize("pattern", [r"(INV|BILL|RINV)/\d{4}/(\d{2}/)?\d{4,5}", r"RF\d{2}[A-Z0-9]{1,21}", r"inv/\d+",
                                     r"(?-i:INV)", r"(?i:INV)", r"[M-~]", r"[!-\~]+", r"\x61BC", r"ABC|\w{3}",
                                     r"[^A-Z ]+", r"(?P<k>K)", r"[`-~]", r"[\[-`]|[A-Z-]"])
def test_the_upper_case_scan_finds_what_ignorecase_finds(pattern):
    """Where `case_free` lets the scan run on the upper-cased ASCII text without IGNORECASE, it finds the
    same matches, upper case; patterns that could tell the cases apart are refused."""
    regex = dataclasses.replace(POLICY, reference_patterns={"x": pattern}).reference_regex
    if not bank_state.case_free(regex):
        assert pattern in (r"inv/\d+", r"(?-i:INV)", r"(?i:INV)", r"[M-~]", r"[!-\~]+", r"\x61BC", r"(?P<k>K)",
                           r"[`-~]")
        return
    for text in CASE_TEXTS + TEXTS:
        assert ([m.group(1) for m in re.finditer(regex, text.upper())]
                == [m.group(1).upper() for m in re.finditer(regex, text, re.IGNORECASE)]), text


def test_the_policy_pattern_is_scanned_in_upper_case():
    assert bank_state.case_free(bank_state._one_group(POLICY.reference_regex))


@pytest.mark.parametrize("names", ["one per partner", "some missing"])
def test_partners_found_once_per_partner_name_and_known_iban_as_before(names, previous_engine):
    """Items whose partners each carry one name are read one row per partner; empty or missing IBANs
    (of bank accounts and entries) and missing names name nobody."""
    entries, items, banks = _month(6, separator=False)
    items["partner_name"] = generate(1500, seed=6)[1].partner_name.astype(object)  # not roughened
    if names == "some missing":
        items.loc[::40, "partner_name"] = None
    banks = pd.concat([banks, pd.DataFrame({"partner_id": [7, 8], "iban": ["", None]})], ignore_index=True)
    entries.loc[::7, "counterparty_iban"] = ""
    entries.loc[3::11, "counterparty_iban"] = None
    one_row_each = len(bank_state._partner_names(items)[0]) == items.partner_id.nunique()
    assert one_row_each == (names == "one per partner")
    _same(match(entries, items, banks, POLICY), previous_engine(entries, items, banks, POLICY))


def test_pairs_are_ordered_as_lexsort_orders_them():
    rng = np.random.default_rng(3)
    for first, second in ((rng.integers(0, 50, 500), rng.integers(0, 9, 500)),
                          (rng.integers(0, 50, 500), rng.integers(-3, 9, 500)),
                          (rng.integers(0, 2**40, 500), rng.integers(0, 2**40, 500)),
                          (np.zeros(0, np.int64), np.zeros(0, np.int64))):
        assert bank_state.by_pair(first, second).tolist() == np.lexsort((second, first)).tolist()
