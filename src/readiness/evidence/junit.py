"""JUnit / xUnit XML: pytest (xunit1, xunit2), Surefire/Gradle, jest-junit, go-junit-report,
gotestsum, PHPUnit, GoogleTest, CTest, ... streamed through libxml2 (`junit_xml`).

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

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from pydantic import BaseModel, Field

from readiness.errors import EvidenceError
from readiness.evidence.base import AdapterParams
from readiness.evidence.junit_case import (
    MAX_MESSAGE,
    RANK,
    RESULT_TAGS,
    Child,
    case_outcome,
    local_name,
    parse_count,
    parse_time,
    quote,
)
from readiness.evidence.junit_xml import MAX_DEPTH, stream
from readiness.evidence.records import Outcome, TestCase, TestRun

_RANK = RANK
_PASSED = RANK["passed"]
MAX_PROBLEMS = 1000


class JUnitParams(AdapterParams):
    """Options of a `junit` check."""

    min_tests: int = Field(
        default=1,
        ge=1,
        description="fewer test cases in all the files is an evidence error (zero tests is "
        "never a pass: a collection error or an emptied suite must not read as green)",
        json_schema_extra={"unit": "test cases"},
    )


@dataclass
class _Tally:
    """Running state across all files of one check."""

    # keyed by hash((file, classname, name)): a fixed ~100 bytes per case, not the case itself
    outcomes: dict[int, int] = field(default_factory=dict)  # key -> outcome rank
    problems: dict[int, TestCase] = field(default_factory=dict)
    flaky: set[int] = field(default_factory=set)
    teardown: set[int] = field(default_factory=set)  # error only from pytest's teardown
    xfailed: set[int] = field(default_factory=set)
    xpassed: set[int] = field(default_factory=set)
    elements: int = 0
    unnamed: int = 0
    demoted: int = 0  # passes counted as skipped: suites' declared counts leave them out
    duration: float = 0.0
    warnings: list[str] = field(default_factory=list)


class JUnitAdapter:
    """JUnit/xUnit XML test results, one or many files (sharded CI jobs).

    Metrics: tests, passed, failed, errors, skipped, flaky, xfailed, pass_rate (%, passed over
    tests run, skipped excluded), duration (s). Zero test cases is never a pass: the check fails
    with an error below `min-tests` (default 1).
    """

    kind: ClassVar[str] = "junit"
    Params: ClassVar[type[BaseModel]] = JUnitParams
    record: ClassVar[str] = "TestRun"

    def read(self, files: list[Path], display: dict[Path, str], params: Any) -> TestRun:
        opts = params if isinstance(params, JUnitParams) else JUnitParams.model_validate(params)
        tally = _Tally()
        for path in files:
            self._read_file(path, display.get(path, str(path)), tally)
        counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        rank_names = {v: k for k, v in _RANK.items()}
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
            key=lambda c: (-_RANK[c.outcome], not c.flaky, c.id),
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

    def _read_file(self, path: Path, shown: str, tally: _Tally) -> None:
        try:
            if path.stat().st_size == 0:
                raise EvidenceError("empty file: expected JUnit XML", path=shown)
            with path.open("rb") as fh:
                _FileParser(shown, tally, self).parse(fh)
        except OSError as exc:
            raise EvidenceError(f"cannot read ({exc.strerror})", path=shown) from None

    def _declared(self, attrs: dict[str, str], shown: str, tally: _Tally) -> dict[str, int]:
        out: dict[str, int] = {}
        for attr in ("tests", "failures", "errors", "skipped", "disabled"):
            try:
                value = parse_count(attrs.get(attr))
            except ValueError:
                tally.warnings.append(
                    f"{shown}: declared {attr}={attrs.get(attr)!r} is not a count"
                )
                continue
            if value is not None:
                out[attr] = value
        return out

    def _cross_check(
        self,
        declared: dict[str, int],
        counted: dict[str, int],
        elements: int,
        shown: str,
        tally: _Tally,
    ) -> None:
        for attr in ("failures", "errors"):
            extra = declared.get(attr, 0) - counted[attr]
            if extra > 0:
                digest = hash((shown, "<declared>", attr))
                tally.outcomes[digest] = _RANK["error"]
                tally.elements += 1
                tally.problems[digest] = TestCase(
                    id=f"{shown} <root>",
                    outcome="error",
                    message=(
                        f"the file declares {declared[attr]} {attr} but only {counted[attr]} "
                        "test case(s) hold one (e.g. a build failure): counted as an error"
                    ),
                    file=shown,
                )
        if "tests" in declared and declared["tests"] != elements:
            tally.warnings.append(
                f"{shown}: declares tests={declared['tests']} but holds {elements} test case "
                "element(s); the cases were counted"
            )

    def _key(self, attrs: dict[str, str], tally: _Tally, shown: str) -> tuple[int, str]:
        """(merge key, shown id) of a case; a case without a name is never merged."""
        name = attrs.get("name")
        classname = attrs.get("classname") or ""
        if not name:
            tally.unnamed += 1
            name = f"<unnamed #{tally.unnamed}>"
            return hash((shown, "<unnamed>", tally.unnamed)), f"{classname}::{name}"
        digest = hash((attrs.get("file") or "", classname, name))
        return digest, f"{classname}::{name}" if classname else name

    def _record(
        self,
        digest: int,
        case_id: str,
        outcome: Outcome,
        message: str,
        flags: tuple[bool, bool, bool, bool],
        shown: str,
        tally: _Tally,
    ) -> bool:
        """Merge one result into the tally, worst outcome first; True if the test is new."""
        flaky, xfail, xpass, teardown = flags
        tally.elements += 1
        rank = _RANK[outcome]
        previous = tally.outcomes.get(digest)
        if previous is not None:
            if teardown and previous == _RANK["failed"]:
                return False  # pytest: a failed call, then a teardown error: failed
            after_teardown = outcome == "failed" and digest in tally.teardown
            if previous >= rank and not after_teardown:
                return False
        tally.outcomes[digest] = rank
        if teardown:
            tally.teardown.add(digest)
        else:
            tally.teardown.discard(digest)
        if xfail:
            tally.xfailed.add(digest)
        if xpass:
            tally.xpassed.add(digest)
        if flaky and outcome == "passed":
            tally.flaky.add(digest)
        else:
            tally.flaky.discard(digest)
        if outcome in ("failed", "error") or (flaky and outcome == "passed"):
            tally.problems[digest] = TestCase(
                id=case_id,
                outcome=outcome,
                message=message,
                flaky=flaky,
                file=shown,
            )
        else:
            tally.problems.pop(digest, None)
        return previous is None


@dataclass
class _Suite:
    """One open `<testsuite>`: its declared counts and what its own cases added."""

    declared: dict[str, int]
    nested: bool = False
    new: int = 0  # tests first seen in this suite
    passes: int = 0  # ... of which childless passes
    zero_time: int = 0  # ... of which with time 0 (or none)
    skipped: int = 0  # skipped results, any reason


class _FileParser:
    """The parser target for one file: nothing but the current case is kept in memory."""

    def __init__(self, shown: str, tally: _Tally, adapter: JUnitAdapter) -> None:
        self.shown = shown
        self.tally = tally
        self.adapter = adapter
        self.depth = 0
        self.root_tag = ""
        self.root_declared: dict[str, int] = {}
        self.root_has_counts = False
        self.root_time: float | None = None
        self.case_time = 0.0
        self.top_suites_time = 0.0
        self.counted = {"failures": 0, "errors": 0}
        self.start_elements = tally.elements
        self.case: dict[str, str] | None = None
        self.case_depth = 0
        self.children: list[Child] = []
        self.child: Child | None = None
        self.suites: list[_Suite] = []
        self._suite_time: str | None = None

    def parse(self, fh: BinaryIO) -> None:
        stream(fh, self, self.shown)
        if not self.root_tag:
            raise EvidenceError("no root element: expected JUnit XML", path=self.shown)
        self.tally.duration += (
            self.root_time
            if self.root_time is not None
            else (self.top_suites_time or self.case_time)
        )
        self.adapter._cross_check(
            self.root_declared,
            self.counted,
            self.tally.elements - self.start_elements,
            self.shown,
            self.tally,
        )

    def close(self) -> None:
        """End of document (lxml's target protocol)."""

    def _time(self, raw: str | None, what: str) -> float:
        try:
            return parse_time(raw) or 0.0
        except ValueError:
            shown = raw if raw is None else quote(raw)
            self.tally.warnings.append(f"{self.shown}: invalid time {shown!r} on {what}")
            return 0.0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = local_name(name)
        depth = self.depth
        self.depth += 1
        if depth >= MAX_DEPTH:
            raise EvidenceError(f"refused: elements nested deeper than {MAX_DEPTH} levels")
        if depth == 0:
            if tag not in ("testsuites", "testsuite"):
                raise EvidenceError(
                    f"root element <{quote(tag)}> is not <testsuites> or <testsuite>"
                )
            self.root_tag = tag
            self.root_declared = self.adapter._declared(attrs, self.shown, self.tally)
            self.root_has_counts = bool(self.root_declared)
            if attrs.get("time") is not None:
                self.root_time = self._time(attrs.get("time"), "the root")
            if tag == "testsuite":
                self.suites.append(_Suite(dict(self.root_declared)))
            return
        if self.case is not None:
            if depth == self.case_depth + 1 and tag in RESULT_TAGS:
                self.child = Child(tag, attrs)
                self.children.append(self.child)
            return
        if tag == "testcase":
            self.case = attrs
            self.case_depth = depth
            if self.children:
                self.children = []
            return
        if tag != "testsuite":
            return
        declared = self.adapter._declared(attrs, self.shown, self.tally)
        if self.suites:
            self.suites[-1].nested = True
        self.suites.append(_Suite(declared))
        if depth == 1:
            self._suite_time = attrs.get("time")
            if self.root_tag == "testsuites" and not self.root_has_counts:
                for attr, value in declared.items():
                    self.root_declared[attr] = self.root_declared.get(attr, 0) + value

    def data(self, text: str) -> None:
        child = self.child
        if child is not None and child.size < MAX_MESSAGE and "message" not in child.attrs:
            child.text.append(text)
            child.size += len(text)

    def end(self, name: str) -> None:
        self.depth -= 1
        depth = self.depth
        case = self.case
        if case is None:
            if local_name(name) == "testsuite" and self.suites:
                self._close_suite(self.suites.pop())
                if depth == 1 and self.root_tag == "testsuites":
                    self.top_suites_time += self._time(self._suite_time, "a suite")
            return
        if depth != self.case_depth:
            if depth == self.case_depth + 1:
                self.child = None
            return
        self.case = None
        raw_time = case.get("time")
        seconds = 0.0
        if raw_time:
            try:  # fast path for the common "0.001"; dialects and nonsense go the long way
                seconds = float(raw_time)
                if not 0 <= seconds < math.inf:
                    raise ValueError(raw_time)
            except ValueError:
                seconds = self._time(raw_time, repr(quote(case.get("name", ""))))
            self.case_time += seconds
        tally = self.tally
        children = self.children
        case_name = case.get("name")
        if not children and case_name and "status" not in case and "result" not in case:
            # a plain pass: the overwhelmingly common case, without the general machinery
            key = hash((case.get("file") or "", case.get("classname") or "", case_name))
            tally.elements += 1
            if key not in tally.outcomes:
                tally.outcomes[key] = _PASSED
                if self.suites:
                    top = self.suites[-1]
                    top.new += 1
                    top.passes += 1
                    top.zero_time += seconds == 0.0
            return
        self.children = []
        outcome, message, flaky, xfail, xpass, teardown = case_outcome(case, children)
        self.counted["failures"] += outcome == "failed"
        self.counted["errors"] += outcome == "error"
        digest, case_id = self.adapter._key(case, tally, self.shown)
        new = self.adapter._record(
            digest, case_id, outcome, message, (flaky, xfail, xpass, teardown), self.shown, tally
        )
        suite = self.suites[-1] if self.suites else None
        if suite is not None:
            suite.new += new
            suite.skipped += outcome == "skipped"
            if new and outcome == "passed" and not children:
                suite.passes += 1
                suite.zero_time += seconds == 0.0

    def _close_suite(self, suite: _Suite) -> None:
        """Demote the passes a suite's declared counts say are not passes."""
        if suite.nested or not suite.passes:
            return
        declared = suite.declared
        todo = 0
        if "tests" in declared and suite.new > declared["tests"]:
            todo = min(suite.zero_time, suite.new - declared["tests"])
        hidden = declared.get("skipped", 0) + declared.get("disabled", 0) - suite.skipped
        demote = min(suite.passes, todo + max(hidden, 0))
        if not demote:
            return
        self.tally.demoted += demote
        why = []
        if todo:
            why.append(
                f"{todo} childless zero-time case(s) beyond its tests={declared['tests']} "
                "(jest-junit's test.todo)"
            )
        if hidden > 0:
            why.append(f"{hidden} skipped or disabled case(s) it declares but does not mark")
        self.tally.warnings.append(
            f"{self.shown}: a suite holds {'; '.join(why)}: {demote} pass(es) counted as skipped"
        )
