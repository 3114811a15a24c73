"""The lxml parser target for one JUnit file: it sees each element once (`start`, `data`,
`end`) and keeps nothing but the current case, the open suites and a small batch of ended
cases, feeding the `Tally`.

lxml calls `start`, `data` and `end` for every element and text run, so their Python is the
whole cost above libxml2's own, and it is kept to a few attribute reads and writes. A case with
no result child is only put in a batch; the batch is tallied in document order before anything
else is (a suite's start or end, a case with results, the end of each chunk fed to libxml2 or
of the file), all at once at C speed (`map`, `zip`, `hash`) when every case in it is a plain
pass (a name, no status, a valid time), one at a time as before otherwise. Per suite counts are
running totals over the file, a suite's own being the difference between its end and its start
(only a suite with no suite inside it is judged on them, so every case is its own suite's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import repeat
from operator import add, itemgetter

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
from readiness.evidence.junit.stream import MAX_DEPTH, Source, stream
from readiness.evidence.junit.tally import Tally

PASSED = RANK["passed"]
_INF = math.inf
# a case that has them all (most do): its merge key's parts and its time in one C call each
_KEY_PARTS = itemgetter("file", "classname", "name")
_TIME = itemgetter("time")
_NAME = itemgetter(2)


@dataclass
class _Suite:
    """One open `<testsuite>`: its declared counts and the file's running totals at its start."""

    declared: dict[str, int]
    at_start: tuple[int, int, int, int]
    nested: bool = False


class FileParser:
    """The parser target for one file: nothing but the current case is kept in memory."""

    def __init__(self, shown: str, tally: Tally) -> None:
        self.shown = shown
        self.tally = tally
        self.outcomes = tally.outcomes
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
        self.batch: list[dict[str, str]] = []  # ended childless cases not yet tallied
        self.case_depth = -1
        self.children: list[Child] = []
        self.child: Child | None = None
        self.suites: list[_Suite] = []
        self._suite_time: str | None = None
        # running totals over the file's cases (a suite's own: end minus start)
        self.plain = 0  # plain passes first seen here (a name, no result, no status)
        self.new = 0  # other cases first seen here
        self.passes = 0  # ... of which childless passes
        self.zero_time = 0  # first-seen childless passes with time 0 (or none), plain or not
        self.skipped = 0  # skipped results, any reason
        self.plain_elements = 0  # plain passes, new or not (the tally's elements at the end)

    def parse(self, fh: Source) -> None:
        self.read(fh)
        self.finish()

    def read(self, fh: Source) -> None:
        """Stream the file (or a part of it: `split`) through this target."""
        stream(fh, self, self.shown, between=self._flush)
        if not self.root_tag:
            raise EvidenceError("no root element: expected JUnit XML", path=self.shown)

    def finish(self) -> None:
        """The file's totals into the tally, and its declared counts cross-checked."""
        self.tally.elements += self.plain_elements
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
        self._flush()

    def _time(self, raw: str | None, what: str) -> float:
        try:
            return parse_time(raw) or 0.0
        except ValueError:
            shown = raw if raw is None else quote(raw)
            self.tally.warnings.append(f"{self.shown}: invalid time {shown!r} on {what}")
            return 0.0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        depth = self.depth
        self.depth = depth + 1
        if self.case is None:
            if name == "testcase" and 0 < depth < MAX_DEPTH:  # the common case
                self.case = attrs
                self.case_depth = depth
            else:
                self._start_outside(local_name(name), attrs, depth)
        elif depth >= MAX_DEPTH:
            self._too_deep()
        elif depth == self.case_depth + 1:
            if name in RESULT_TAGS:
                self.child = Child(name, attrs)
                self.children.append(self.child)
            elif "}" in name or ":" in name:  # a namespaced result: rare
                tag = local_name(name)
                if tag in RESULT_TAGS:
                    self.child = Child(tag, attrs)
                    self.children.append(self.child)

    @staticmethod
    def _too_deep() -> None:
        raise EvidenceError(f"refused: elements nested deeper than {MAX_DEPTH} levels")

    def _start_outside(self, tag: str, attrs: dict[str, str], depth: int) -> None:
        """An element outside any case: the root, a (namespaced) case, a suite, or another."""
        if depth >= MAX_DEPTH:
            self._too_deep()
        if depth == 0:
            self._start_root(tag, attrs)
        elif tag == "testcase":
            self.case = attrs
            self.case_depth = depth
        elif tag == "testsuite":
            self._start_suite(attrs, depth)

    def _totals(self) -> tuple[int, int, int, int]:
        """(new, childless passes, zero-time passes, skipped) over the file so far."""
        return (self.new + self.plain, self.passes + self.plain, self.zero_time, self.skipped)

    def _start_root(self, tag: str, attrs: dict[str, str]) -> None:
        if tag not in ("testsuites", "testsuite"):
            raise EvidenceError(f"root element <{quote(tag)}> is not <testsuites> or <testsuite>")
        self.root_tag = tag
        self.root_declared = self.tally.declared(attrs, self.shown)
        self.root_has_counts = bool(self.root_declared)
        if attrs.get("time") is not None:
            self.root_time = self._time(attrs.get("time"), "the root")
        if tag == "testsuite":
            self.suites.append(_Suite(dict(self.root_declared), self._totals()))

    def _start_suite(self, attrs: dict[str, str], depth: int) -> None:
        """A `<testsuite>` below the root; a top-level one's counts add up to the root's when
        the root `<testsuites>` declares none."""
        self._flush()
        declared = self.tally.declared(attrs, self.shown)
        if self.suites:
            self.suites[-1].nested = True
        self.suites.append(_Suite(declared, self._totals()))
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
        depth = self.depth - 1
        self.depth = depth
        case = self.case
        if case is None:
            if self.suites and local_name(name) == "testsuite":
                self._end_suite(depth)
            return
        if depth != self.case_depth:
            if depth == self.case_depth + 1:
                self.child = None
            return
        self.case = None
        children = self.children
        if children:
            self.children = []
            self._flush()
            self._case_with_results(case, children)
            return
        self.batch.append(case)

    def _case_with_results(self, case: dict[str, str], children: list[Child]) -> None:
        """A case with result children, after the batch before it."""
        self._end_case(case, self._case_seconds(case), children)

    def _case_seconds(self, case: dict[str, str]) -> float:
        """A case's time (0 when absent or invalid, with a warning), added to the file's."""
        raw_time = case.get("time")
        if not raw_time:
            return 0.0
        try:  # fast path for the common "0.001"; dialects and nonsense go the long way
            seconds = float(raw_time)
            if not 0 <= seconds < _INF:
                raise ValueError(raw_time)
        except ValueError:
            seconds = self._time(raw_time, repr(quote(case.get("name", ""))))
        self.case_time += seconds
        return seconds

    def _flush(self) -> None:
        """Tally the batch of childless cases, in document order."""
        batch = self.batch
        if not batch:
            return
        self.batch = []
        if not self._plain_passes(batch):
            self._cases(batch)

    def _cases(self, batch: list[dict[str, str]]) -> None:
        """A batch of childless cases one at a time, in order (some not plain passes)."""
        for case in batch:
            seconds = self._case_seconds(case)
            if not case.get("name") or "status" in case or "result" in case:
                self._end_case(case, seconds, [])
            else:
                self._plain_pass(case, seconds)

    def _plain_pass(self, case: dict[str, str], seconds: float) -> None:
        """A named case with no result and no status: a pass, unless already seen."""
        key = hash((case.get("file") or "", case.get("classname") or "", case.get("name")))
        self.plain_elements += 1
        previous = self.outcomes.get(key)
        if previous is None:
            self.outcomes[key] = PASSED
            self.plain += 1
            if seconds == 0.0:
                self.zero_time += 1
        elif previous < PASSED:
            self.tally.passed_again(key)

    def _plain_passes(self, batch: list[dict[str, str]]) -> bool:
        """`_plain_pass` for a whole batch at C speed (map, zip, hash), or False, with nothing
        changed, when one case needs the long way: no name, a status, or a time that is not a
        plain non-negative number."""
        checked = self._plain_batch(batch)
        if checked is None:
            return False
        self._add_plain(*checked)
        return True

    def _add_plain(self, keys: Sequence[int], seconds: Sequence[float], total: float) -> None:
        """Tally a batch of plain passes: their merge keys and times, and the file's case time
        with them."""
        outcomes = self.outcomes
        before = len(outcomes)
        if 0.0 in seconds:  # which cases are new matters: one at a time, in order
            for key, time in zip(keys, seconds, strict=True):
                previous = outcomes.get(key)
                if previous is None:
                    outcomes[key] = PASSED
                    self.zero_time += time == 0.0
                elif previous < PASSED:
                    self.tally.passed_again(key)
        elif min(map(outcomes.setdefault, keys, repeat(PASSED))) < PASSED:
            for key in keys:  # a test skipped before, now passed: passed
                self.tally.passed_again(key)
        self.plain += len(outcomes) - before
        self.plain_elements += len(keys)
        self.case_time = total

    def _plain_batch(
        self, batch: list[dict[str, str]]
    ) -> tuple[list[int], list[float], float] | None:
        """(merge keys, times, the file's case time with them) if every case of the batch is
        a plain pass with a plain time; None if one is not."""
        try:  # every case with a file, classname, name and time (a pytest file's do)
            parts = list(map(_KEY_PARTS, batch))
            seconds = list(map(float, map(_TIME, batch)))
        except (KeyError, ValueError):
            return self._plain_batch_any(batch)
        if not all(map(_NAME, parts)) or self._has_status(batch):
            return None
        total = reduce(add, seconds, self.case_time)  # the same additions, in the same order
        if not (total < _INF and min(seconds) >= 0):  # also false for any NaN (total is NaN)
            return None
        return list(map(hash, parts)), seconds, total

    def _plain_batch_any(
        self, batch: list[dict[str, str]]
    ) -> tuple[list[int], list[float], float] | None:
        """`_plain_batch` when a case lacks a file, classname or time (read as "", "" and 0)."""
        if not all(map(isinstance, batch, repeat(dict))):
            return None  # lxml passes an immutable empty mapping for no attributes at all
        get = dict.get
        names = list(map(get, batch, repeat("name")))
        if not all(names) or self._has_status(batch):
            return None
        try:  # values are str: a missing time reads as "0", which adds 0.0 as before
            seconds = list(map(float, map(get, batch, repeat("time"), repeat("0"))))
        except ValueError:
            return None
        total = reduce(add, seconds, self.case_time)  # the same additions, in the same order
        if not (total < _INF and min(seconds) >= 0):  # also false for any NaN (total is NaN)
            return None
        files = map(get, batch, repeat("file"), repeat(""))
        classnames = map(get, batch, repeat("classname"), repeat(""))
        return list(map(hash, zip(files, classnames, names, strict=True))), seconds, total

    @staticmethod
    def _has_status(batch: list[dict[str, str]]) -> bool:
        has = dict.__contains__
        return any(map(has, batch, repeat("status"))) or any(map(has, batch, repeat("result")))

    def _end_suite(self, depth: int) -> None:
        self._flush()
        self._close_suite(self.suites.pop())
        if depth == 1 and self.root_tag == "testsuites":
            self.top_suites_time += self._time(self._suite_time, "a suite")

    def _end_case(self, case: dict[str, str], seconds: float, children: list[Child]) -> None:
        """A case with results, a status or no name: its outcome merged into the tally."""
        tally = self.tally
        outcome, message, flaky, xfail, xpass, teardown = case_outcome(case, children)
        self.counted["failures"] += outcome == "failed"
        self.counted["errors"] += outcome == "error"
        digest, case_id = tally.key(case, self.shown)
        new = tally.record(
            digest, case_id, outcome, message, (flaky, xfail, xpass, teardown), self.shown
        )
        self.new += new
        self.skipped += outcome == "skipped"
        if new and outcome == "passed" and not children:
            self.passes += 1
            self.zero_time += seconds == 0.0

    def _close_suite(self, suite: _Suite) -> None:
        """Demote the passes a suite's declared counts say are not passes."""
        if suite.nested:
            return
        new, passes, zero_time, skipped = (
            now - then for now, then in zip(self._totals(), suite.at_start, strict=True)
        )
        if not passes:
            return
        declared = suite.declared
        todo = 0
        if "tests" in declared and new > declared["tests"]:
            todo = min(zero_time, new - declared["tests"])
        hidden = declared.get("skipped", 0) + declared.get("disabled", 0) - skipped
        demote = min(passes, todo + max(hidden, 0))
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
