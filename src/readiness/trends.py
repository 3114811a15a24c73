"""Trends and marks: how each criterion fared in the evaluations before this one, and how it
moved since the baseline.

Pure and below the report: `readiness.recording` turns the store's rows into `TrendPoint`s
(one query per evaluation) and the pipeline puts them in `Report.trends`; the renderers draw
them. `mark` says, per criterion, whether it is new, fixed, regressed or unchanged against the
baseline's status of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from readiness.evaluation import Baseline, CriterionResult

TREND_LENGTH = 10  # evaluations a trend line shows before this one

Mark = Literal["new", "fixed", "regressed", "unchanged"]
MARKS: tuple[Mark, ...] = ("regressed", "fixed", "new", "unchanged")

# How well a status stands, for marks: met, met with reservations, not met. N/A stands apart.
_FAILING = frozenset({"FAIL", "INCONCLUSIVE", "MISSING", "ERROR"})
_LEVEL = {"PASS": 0, "WARN": 1, "WAIVED": 1}


@dataclass(frozen=True)
class TrendPoint:
    """One criterion in one earlier evaluation: a point of its trend line."""

    evaluation: int
    version: str
    generated_at: str  # ISO 8601 UTC
    status: str
    value: float | None
    unit: str
    threshold: str  # the threshold text in force then


def mark(now: str, then: str | None) -> Mark:
    """A criterion's status now against its status in the baseline (`then`; None when the
    baseline has no such criterion).

    - new: not in the baseline, or not applicable there (N/A) and applicable now;
    - fixed: failing then (FAIL, INCONCLUSIVE, MISSING, ERROR), met now (PASS or WARN; a
      WAIVED criterion still fails, it is only excused);
    - regressed: met then (PASS, WARN or WAIVED), worse now: PASS to WARN or WAIVED, anything
      met to failing;
    - unchanged: everything else (the same status, failing in another way, better within the
      met statuses, not applicable now).
    """
    if then is None:
        return "new"
    if now == "N/A":
        return "unchanged"
    if then == "N/A":
        return "new"
    if then in _FAILING:
        return "fixed" if now in ("PASS", "WARN") else "unchanged"
    before = _LEVEL.get(then)
    after = 2 if now in _FAILING else _LEVEL.get(now)
    if before is not None and after is not None and after > before:
        return "regressed"
    return "unchanged"


def marks(results: Iterable[CriterionResult], baseline: Baseline | None) -> dict[str, Mark]:
    """Each result's mark against `baseline`, by key; empty when no earlier evaluation was
    found (nothing to mark against)."""
    if baseline is None or baseline.id is None:
        return {}
    then: Mapping[str, str] = baseline.statuses
    return {r.key: mark(r.status, then.get(r.key)) for r in results}
