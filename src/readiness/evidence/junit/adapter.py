"""JUnit / xUnit XML: pytest (xunit1, xunit2), Surefire/Gradle, jest-junit, go-junit-report,
gotestsum, PHPUnit, GoogleTest, CTest, ... streamed through libxml2 (`stream`).

Counts are recounted from the `<testcase>` elements, never taken from the declared attributes,
which are only cross-checked (a mismatch is a warning; declared errors or failures with no case
to hold them, like gotestsum's build failure, become a synthetic error case: fail closed).
Several results for one logical test (pytest teardown errors, rerun duplicates, Gradle without
mergeReruns) are merged by (file, classname, name), keeping the worst outcome, except that a
failed call followed by pytest's teardown error stays failed, as pytest reports it. A case
without a name is a test of its own, never merged. Surefire's `flakyFailure`/`flakyError` mean
"passed on a rerun": a pass, flagged flaky.

Outcomes that look green but are not: a case's `status` attribute (GoogleTest, CTest,
go-junit-report) of `disabled`, `notrun`, `skipped`... is skipped, `fail`/`error` fail, and a
status readiness does not know is an error. Within a suite, childless cases beyond what its
declared counts allow are demoted from passed to skipped: declared `disabled=`/`skipped=` with
no case marked so, and childless zero-time cases its `tests=` leaves out (jest-junit's
`test.todo`, which `tests=` does not count).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from readiness.errors import EvidenceError
from readiness.evidence.base import Bound, LazyParams
from readiness.evidence.junit import split
from readiness.evidence.junit.case import (
    RANK,
)
from readiness.evidence.junit.parser import FileParser
from readiness.evidence.junit.tally import Tally
from readiness.evidence.records import TestRun

if TYPE_CHECKING:
    from readiness.evidence.junit.params import JUnitParams

MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class JUnitDefaults:
    """`JUnitParams()` without pydantic (a test holds them equal)."""

    min_tests: int = 1

    BOUNDS: ClassVar[dict[str, Bound]] = {"min_tests": Bound(int, ge=1)}


class JUnitAdapter:
    """JUnit/xUnit XML test results, one or many files (sharded CI jobs).

    Metrics: tests, passed, failed, errors, skipped, flaky, xfailed, pass_rate (%, passed over
    tests run, skipped excluded), duration (s). Zero test cases is never a pass: the check fails
    with an error below `min-tests` (default 1).
    """

    kind: ClassVar[str] = "junit"
    Params: LazyParams[JUnitParams] = LazyParams("readiness.evidence.junit.params:JUnitParams")
    defaults: ClassVar[JUnitDefaults] = JUnitDefaults()
    record: ClassVar[str] = "TestRun"

    def read(self, files: list[Path], display: dict[Path, str], params: Any) -> TestRun:
        opts = self.Params.model_validate(params) if isinstance(params, Mapping) else params
        tally = Tally()
        for path in files:
            self._read_file(path, display.get(path, str(path)), tally)
        counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        rank_names = {v: k for k, v in RANK.items()}
        for rank in tally.outcomes.values():
            counts[rank_names[rank]] += 1
        demoted = min(tally.demoted, counts["passed"])
        counts["passed"] -= demoted
        counts["skipped"] += demoted
        total = len(tally.outcomes)
        shown = ", ".join(display.get(p, str(p)) for p in files)
        if total < opts.min_tests:
            what = "no test cases" if total == 0 else f"only {total} test case(s)"
            raise EvidenceError(
                f"{what}; the check requires at least {opts.min_tests} (an empty or partial "
                "run proves nothing)",
                path=shown,
            )
        merged = tally.elements - total
        if merged:
            tally.warnings.append(
                f"{merged} duplicate result(s) for the same test merged, keeping the worst outcome"
            )
        problems = sorted(
            tally.problems.values(),
            key=lambda c: (-RANK[c.outcome], not c.flaky, c.id),
        )
        return TestRun(
            tests=total,
            passed=counts["passed"],
            failed=counts["failed"],
            errors=counts["error"],
            skipped=counts["skipped"],
            flaky=len(tally.flaky),
            duration_s=round(tally.duration, 6),
            xfailed=len(tally.xfailed),
            xpassed=len(tally.xpassed),
            duplicates_merged=merged,
            problems=tuple(problems[:MAX_PROBLEMS]),
            warnings=tuple(tally.warnings),
        )

    def _read_file(self, path: Path, shown: str, tally: Tally) -> None:
        try:
            if path.stat().st_size == 0:
                raise EvidenceError("empty file: expected JUnit XML", path=shown)
            if not split.read_split(path, shown, tally):
                with path.open("rb") as fh:
                    FileParser(shown, tally).parse(fh)
        except OSError as exc:
            raise EvidenceError(f"cannot read ({exc.strerror})", path=shown) from None
