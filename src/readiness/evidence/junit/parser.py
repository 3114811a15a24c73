"""The lxml parser target for one JUnit file: it sees each element once (`start`, `data`,
`end`) and keeps nothing but the current case and the open suites, feeding the `Tally`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import BinaryIO

from readiness.errors import EvidenceError
from readiness.evidence.junit.case import (
    MAX_MESSAGE,
    RANK,
    RESULT_TAGS,
    Child,
    case_outcome,
    local_name,
    parse_time,
    quote,
)
from readiness.evidence.junit.stream import MAX_DEPTH, stream
from readiness.evidence.junit.tally import Tally

PASSED = RANK["passed"]


@dataclass
class _Suite:
    """One open `<testsuite>`: its declared counts and what its own cases added."""

    declared: dict[str, int]
    nested: bool = False
    new: int = 0  # tests first seen in this suite
    passes: int = 0  # ... of which childless passes
    zero_time: int = 0  # ... of which with time 0 (or none)
    skipped: int = 0  # skipped results, any reason


class FileParser:
    """The parser target for one file: nothing but the current case is kept in memory."""

    def __init__(self, shown: str, tally: Tally) -> None:
        self.shown = shown
        self.tally = tally
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
        self.tally.cross_check(
            self.root_declared,
            self.counted,
            self.tally.elements - self.start_elements,
            self.shown,
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
            self._start_root(tag, attrs)
        elif self.case is not None:
            if depth == self.case_depth + 1 and tag in RESULT_TAGS:
                self.child = Child(tag, attrs)
                self.children.append(self.child)
        elif tag == "testcase":
            self.case = attrs
            self.case_depth = depth
            if self.children:
                self.children = []
        elif tag == "testsuite":
            self._start_suite(attrs, depth)

    def _start_root(self, tag: str, attrs: dict[str, str]) -> None:
        if tag not in ("testsuites", "testsuite"):
            raise EvidenceError(f"root element <{quote(tag)}> is not <testsuites> or <testsuite>")
        self.root_tag = tag
        self.root_declared = self.tally.declared(attrs, self.shown)
        self.root_has_counts = bool(self.root_declared)
        if attrs.get("time") is not None:
            self.root_time = self._time(attrs.get("time"), "the root")
        if tag == "testsuite":
            self.suites.append(_Suite(dict(self.root_declared)))

    def _start_suite(self, attrs: dict[str, str], depth: int) -> None:
        """A `<testsuite>` below the root; a top-level one's counts add up to the root's when
        the root `<testsuites>` declares none."""
        declared = self.tally.declared(attrs, self.shown)
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
                self._end_suite(depth)
            return
        if depth != self.case_depth:
            if depth == self.case_depth + 1:
                self.child = None
            return
        self.case = None
        seconds = self._case_seconds(case)
        case_name = case.get("name")
        if self.children or not case_name or "status" in case or "result" in case:
            self._end_case(case, seconds)
            return
        # a plain pass: the overwhelmingly common case, without the general machinery
        tally = self.tally
        key = hash((case.get("file") or "", case.get("classname") or "", case_name))
        tally.elements += 1
        if key not in tally.outcomes:
            tally.outcomes[key] = PASSED
            if self.suites:
                top = self.suites[-1]
                top.new += 1
                top.passes += 1
                top.zero_time += seconds == 0.0

    def _end_suite(self, depth: int) -> None:
        self._close_suite(self.suites.pop())
        if depth == 1 and self.root_tag == "testsuites":
            self.top_suites_time += self._time(self._suite_time, "a suite")

    def _case_seconds(self, case: dict[str, str]) -> float:
        """A case's time (0 when absent or invalid, with a warning), added to the file's."""
        raw_time = case.get("time")
        if not raw_time:
            return 0.0
        try:  # fast path for the common "0.001"; dialects and nonsense go the long way
            seconds = float(raw_time)
            if not 0 <= seconds < math.inf:
                raise ValueError(raw_time)
        except ValueError:
            seconds = self._time(raw_time, repr(quote(case.get("name", ""))))
        self.case_time += seconds
        return seconds

    def _end_case(self, case: dict[str, str], seconds: float) -> None:
        """A case with results, a status or no name: its outcome merged into the tally."""
        tally = self.tally
        children = self.children
        self.children = []
        outcome, message, flaky, xfail, xpass, teardown = case_outcome(case, children)
        self.counted["failures"] += outcome == "failed"
        self.counted["errors"] += outcome == "error"
        digest, case_id = tally.key(case, self.shown)
        new = tally.record(
            digest, case_id, outcome, message, (flaky, xfail, xpass, teardown), self.shown
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
