"""The data-quality checkpoint: a supplier batch against its expectation suite, one GX run.

A failed check is a result, not an exception: each (record, check) that fails becomes a
CheckFailure with a message a person can act on, and the rest of the batch goes on. Great
Expectations costs ~7 s to import, so it is imported on first use and its ephemeral context
is built once per process and reused.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from ofm.canonical import Supplier
from ofm.mappings.checkpoint_report import markdown_report
from ofm.mappings.frame import supplier_rows
from ofm.mappings.suite import Expectation, Suite, SuiteError, bundled_suite, load_suite

__all__ = ["CheckFailure", "CheckResult", "Suite", "SuiteError", "bundled_suite", "evaluate", "load_suite",
           "run_checkpoint", "unique_columns"]

_LOCK = threading.Lock()  # a GX context is not thread-safe; Prefect may run tasks in threads
_CONTEXT: list[Any] = []  # the process's one ephemeral GX context, built on first use
_VALIDATIONS: dict[Suite, Any] = {}  # one GX validation definition per suite, built once


@dataclass(frozen=True)
class CheckFailure:
    """One failed check of one record, and who must fix it."""

    record_ref: str
    check: str
    message: str
    category: str
    owner_team: str
    column: str = ""


@dataclass(frozen=True)
class CheckResult:
    """Suppliers that passed every check, the failures of the others, and the run's report."""

    passed: list[Supplier]
    failures: list[CheckFailure]
    markdown: str
    stats: dict[str, Any]


def run_checkpoint(suite: Suite, suppliers: Sequence[Supplier],
                   references: Mapping[str, set[str]]) -> CheckResult:
    """Validate a batch with Great Expectations; a record passes only if no expectation lists it as unexpected."""
    return _checked(suite, suppliers, references, _validate)


def evaluate(suite: Suite, suppliers: Sequence[Supplier], references: Mapping[str, set[str]],
             batch_counts: Mapping[str, Mapping[Any, int]] | None = None) -> CheckResult:
    """The same suite evaluated in plain Python, for a part of a batch: what `run_checkpoint` decides for these
    records, without GX's ~0.4 s per validation run. `batch_counts`: for each column a uniqueness check reads,
    how many records of the whole batch hold each value (a part alone cannot tell a value used in another part);
    None: the part is the batch. Nulls pass every check but not-null, as in GX."""
    return _checked(suite, suppliers, references, partial(_evaluate, counts=batch_counts))


def unique_columns(suite: Suite) -> list[str]:
    """The columns a uniqueness expectation of the suite reads."""
    return sorted({e.column for e in suite.expectations if e.expectation == "expect_column_values_to_be_unique"})


def _checked(suite: Suite, suppliers: Sequence[Supplier], references: Mapping[str, set[str]],
             engine: Callable[..., dict[str, tuple[bool, int, list[str]]]]) -> CheckResult:
    missing = sorted({e.reference for e in suite.expectations if e.reference} - set(references))
    if missing:
        raise KeyError(f"suite {suite.name!r} needs references {', '.join(missing)}")
    outcomes: dict[str, tuple[bool, int, list[str]]] = {}
    display: list[dict[str, str]] = []
    if suppliers:
        columns, display = supplier_rows(suppliers)
        outcomes = engine(suite, columns, references)
    index = {row["record"]: row for row in reversed(display)}
    failed: dict[str, list[CheckFailure]] = {}
    for exp in suite.expectations:
        for row_id in outcomes.get(exp.check, (True, 0, []))[2]:
            row = index[row_id]
            text = exp.message.format_map(row | {"value": row[exp.column]})
            failed.setdefault(row_id, []).append(CheckFailure(row_id, exp.check, f"{row_id}: {text}",
                                                              exp.category, exp.owner_team, exp.column))
    passed = [s for s in suppliers if s.record_ref not in failed]
    failures = [f for ref in dict.fromkeys(s.record_ref for s in suppliers) for f in failed.get(ref, [])]
    per_check = {e.check: outcomes.get(e.check, (True, 0, []))[:2] for e in suite.expectations}
    stats = {
        "suite": suite.name, "records": len(suppliers), "records_passed": len(passed),
        "records_failed": len(suppliers) - len(passed), "evaluated": len(per_check) if suppliers else 0,
        "successful": sum(ok for ok, _ in per_check.values()) if suppliers else 0,
        "unexpected": {check: n for check, (_, n) in per_check.items()},
    }
    return CheckResult(passed, failures, markdown_report(suite, per_check, stats, failures), stats)


@contextmanager
def _quiet() -> Iterator[None]:
    """GX warns and logs freely; the run's own report says what matters."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _validation(suite: Suite) -> Any:
    """The suite's validation definition in the process-wide ephemeral context (built once)."""
    if suite in _VALIDATIONS:
        return _VALIDATIONS[suite]
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if not _CONTEXT:
        for name in ("great_expectations", "great_expectations.data_context.types.base"):
            logging.getLogger(name).setLevel(logging.WARNING)  # GX sets its own levels on import
        ctx = gx.get_context(mode="ephemeral")  # no files, no network
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)  # else tqdm on stderr
        _CONTEXT.append(ctx)
    ctx = _CONTEXT[0]
    name = f"ofm-{suite.name}-{len(_VALIDATIONS)}"
    batch = ctx.data_sources.add_pandas(name).add_dataframe_asset("rows").add_batch_definition_whole_dataframe("all")
    gx_suite = ctx.suites.add(gx.ExpectationSuite(name=name))
    for exp in suite.expectations:
        gx_suite.add_expectation(_gx_expectation(gx, exp))
    _VALIDATIONS[suite] = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=gx_suite))
    return _VALIDATIONS[suite]


def _gx_expectation(gx: Any, exp: Expectation) -> Any:
    cls = getattr(gx.expectations, "".join(p.title() for p in exp.expectation.split("_")))
    kwargs: dict[str, Any] = {"column": exp.column, "meta": {"check": exp.check}}
    if exp.reference:
        kwargs["value_set"] = {"$PARAMETER": f"references_{exp.reference}"}
    elif exp.value_set is not None:
        kwargs["value_set"] = list(exp.value_set)
    return cls(**kwargs)


def _evaluate(suite: Suite, columns: dict[str, list[Any]], references: Mapping[str, set[str]],
              counts: Mapping[str, Mapping[Any, int]] | None) -> dict[str, tuple[bool, int, list[str]]]:
    """check -> (success, unexpected count, failing row ids), as `_validate` gives them from GX."""
    ids = columns["row_id"]
    outcomes: dict[str, tuple[bool, int, list[str]]] = {}
    for exp in suite.expectations:
        values = columns[exp.column]
        if exp.expectation == "expect_column_values_to_not_be_null":
            rows = [i for i, v in zip(ids, values, strict=True) if v is None]
        elif exp.expectation == "expect_column_values_to_be_in_set":
            allowed = set(references[exp.reference]) if exp.reference else set(exp.value_set or ())
            rows = [i for i, v in zip(ids, values, strict=True) if v is not None and v not in allowed]
        elif exp.expectation == "expect_column_values_to_be_unique":
            seen = Counter(v for v in values if v is not None) if counts is None else counts[exp.column]
            rows = [i for i, v in zip(ids, values, strict=True) if v is not None and seen.get(v, 0) > 1]
        else:  # the suite loader admits no other kind
            raise SuiteError(f"{exp.check}: no plain evaluation of {exp.expectation}")
        outcomes[exp.check] = (not rows, len(rows), rows)
    return outcomes


def _validate(suite: Suite, columns: dict[str, list[Any]],
              references: Mapping[str, set[str]]) -> dict[str, tuple[bool, int, list[str]]]:
    """check -> (success, unexpected count, failing row ids)."""
    import pandas as pd

    frame = pd.DataFrame(columns)
    params = {f"references_{k}": sorted(references[k]) for k in {e.reference for e in suite.expectations} if k}
    with _LOCK, _quiet():
        result = _validation(suite).run(
            batch_parameters={"dataframe": frame}, expectation_parameters=params,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]})
    outcomes: dict[str, tuple[bool, int, list[str]]] = {}
    for res in result.results:
        check = res.expectation_config.meta["check"]
        info = res.exception_info or {}
        if info.get("raised_exception") or any(isinstance(v, dict) and v.get("raised_exception")
                                               for v in info.values()):
            raise RuntimeError(f"data-quality check {check!r} could not run: {info}")
        rows = [str(item["row_id"]) for item in res.result.get("unexpected_index_list") or []]
        outcomes[check] = (bool(res.success), int(res.result.get("unexpected_count") or 0), rows)
    return outcomes
