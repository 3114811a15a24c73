"""What changed since the baseline, and each criterion's trend line, shaped once for the HTML and
Markdown renderers (a helper like `view`, `safe` and `svg`: it reads `readiness.report` only).

`since(report)` is None when no earlier evaluation was found (or no store was consulted), so
reports without history are unchanged. `trend(report, result)` puts the points of the
evaluations before this one and the value now on one axis, in the unit of the value now; a
point whose unit cannot be converted is left out rather than drawn on the wrong scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from readiness import units
from readiness.errors import DefinitionError
from readiness.report import STATUS_ORDER, CriterionResult, Mark, marks

if TYPE_CHECKING:
    from readiness.report import Report

# What a mark says, in words and as an icon (for the Markdown summary).
MARK_WORDS: dict[Mark, str] = {
    "regressed": "regressed",
    "fixed": "fixed",
    "new": "new",
    "unchanged": "unchanged",
}
MARK_ICONS: dict[Mark, str] = {"regressed": "🔻", "fixed": "🔧", "new": "🆕", "unchanged": ""}


@dataclass(frozen=True)
class Change:
    """One criterion that moved since the baseline: its status then and now, and the delta."""

    key: str
    title: str
    mark: Mark
    then: str  # the status in the baseline; empty for a new criterion
    now: str
    delta: str = ""  # `+0.9 ms vs 2026.11.2`, when both values are known


@dataclass(frozen=True)
class Since:
    """The baseline (or, when none met the rule, the previous evaluation) and what moved."""

    evaluation: int
    version: str
    generated_at: str
    judges: bool  # false: not a baseline, merely the previous evaluation
    verdict_then: str
    verdict_now: str
    regressed: tuple[Change, ...]
    fixed: tuple[Change, ...]
    new: tuple[Change, ...]
    unchanged: int

    @property
    def what(self) -> str:
        """`the baseline` or `the previous evaluation`, for headings."""
        return "the baseline" if self.judges else "the previous evaluation"


def since(report: Report) -> Since | None:
    """What changed since the evaluation the report compared with; None without one."""
    b = report.baseline
    if b is None or b.id is None:
        return None
    marked = marks(report.verdict.results, b)
    moved: dict[Mark, list[Change]] = {"regressed": [], "fixed": [], "new": [], "unchanged": []}
    ordered = sorted(
        (r for r in report.verdict.results if r.mode != "shadow"),
        key=lambda r: STATUS_ORDER.get(r.status, len(STATUS_ORDER)),
    )
    for r in ordered:
        m = marked[r.key]
        moved[m].append(
            Change(
                key=r.key,
                title=r.title or r.key,
                mark=m,
                then=b.statuses.get(r.key, ""),
                now=r.status,
                delta=r.baseline.text if r.baseline is not None else "",
            )
        )
    return Since(
        evaluation=b.id,
        version=b.version,
        generated_at=b.generated_at,
        judges=b.judges,
        verdict_then=b.verdict,
        verdict_now=report.verdict.verdict.value,
        regressed=tuple(moved["regressed"]),
        fixed=tuple(moved["fixed"]),
        new=tuple(moved["new"]),
        unchanged=len(moved["unchanged"]),
    )


@dataclass(frozen=True)
class TrendDot:
    """One value of a trend line: which evaluation, its value (in the line's unit), status."""

    label: str  # `2026.11.2` or `now`
    value: float
    status: str
    tip: str  # `#3 2026.11.2, 2026-12-05: 8.1 ms (PASS)`
    now: bool = False  # the value of this evaluation


@dataclass(frozen=True)
class Trend:
    """A criterion's trend line: earlier values then the value now, and its threshold now."""

    dots: tuple[TrendDot, ...]
    unit: str
    threshold: float | None  # the pass threshold now, in `unit` (relative ones resolved)
    earlier: int  # how many of the dots are earlier evaluations


def _in(value: float | None, unit: str, wanted: str) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    if unit == wanted:
        return value
    try:
        return units.convert(value, unit, wanted)
    except DefinitionError:
        return None


def trend(report: Report, r: CriterionResult) -> Trend | None:
    """The trend line of `r`: its values in the evaluations before this one, then now; None
    when the store has no earlier value of it that can be drawn beside the value now."""
    points = report.trends.get(r.key, ())
    if not points or not r.unit:
        return None
    dots = []
    for p in points:
        value = _in(p.value, p.unit, r.unit)
        if value is None:
            continue
        shown = units.fmt(p.value, p.unit) if p.value is not None else "-"
        dots.append(
            TrendDot(
                p.version,
                value,
                p.status,
                f"#{p.evaluation} {p.version}, {p.generated_at[:10]}: {shown} ({p.status})",
            )
        )
    if not dots:
        return None
    earlier = len(dots)
    if r.value is not None and math.isfinite(r.value):
        dots.append(TrendDot("now", r.value, r.status, f"now: {r.observed} ({r.status})", now=True))
    t = r.pass_threshold
    threshold = _in(t.value, t.unit, r.unit) if t is not None and not t.relative else None
    return Trend(tuple(dots), r.unit, threshold, earlier)
