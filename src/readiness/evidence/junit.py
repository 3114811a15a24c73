"""JUnit / xUnit XML: pytest (xunit1, xunit2), Surefire/Gradle, jest-junit, go-junit-report,
gotestsum, PHPUnit, ... streamed with entity expansion and network access off.

Counts are recounted from the `<testcase>` elements, never taken from the declared attributes,
which are only cross-checked (a mismatch is a warning; declared errors or failures with no case
to hold them, like gotestsum's build failure, become a synthetic error case: fail closed).
Several results for one logical test (pytest teardown errors, rerun duplicates, Gradle without
mergeReruns) are merged by (file, classname, name), keeping the worst outcome. Surefire's
`flakyFailure`/`flakyError` mean "passed on a rerun": a pass, flagged flaky.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar
from xml.parsers import expat

from pydantic import BaseModel, Field

from readiness.errors import EvidenceError
from readiness.evidence.base import AdapterParams
from readiness.evidence.records import Outcome, TestCase, TestRun

_RANK = {"skipped": 0, "passed": 1, "failed": 2, "error": 3}
_PASSED = _RANK["passed"]
MAX_MESSAGE = 500
MAX_PROBLEMS = 1000


class JUnitParams(AdapterParams):
    """Options of a `junit` check."""

    min_tests: int = Field(default=1, ge=1)


def _local(tag: str) -> str:
    """`ns:testcase` -> `testcase` (expat runs without namespace processing)."""
    return tag.rsplit(":", 1)[-1]


_RESULT_TAGS = frozenset(
    {"failure", "error", "skipped", "rerunFailure", "rerunError", "flakyFailure", "flakyError"}
)


@dataclass
class _Child:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    size: int = 0


def parse_time(raw: str | None) -> float | None:
    """Parse a `time` attribute: `1.5`, Surefire's `1,234.567`, a locale's `0,5`.

    Returns None for an absent value; raises ValueError for a non-numeric, negative or
    non-finite one.
    """
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if "," in text:
        text = text.replace(",", "") if "." in text else text.replace(",", ".")
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(raw)
    return value


def parse_count(raw: str | None) -> int | None:
    """Parse a declared count (`3`, or `3.0` as some tools write); ValueError if not a count."""
    if raw is None or raw.strip() == "":
        return None
    value = float(raw)
    if not math.isfinite(value) or value < 0 or not value.is_integer():
        raise ValueError(raw)
    return int(value)


@dataclass
class _Tally:
    """Running state across all files of one check."""

    # keyed by hash((file, classname, name)): a fixed ~100 bytes per case, not the case itself
    outcomes: dict[int, int] = field(default_factory=dict)  # key -> outcome rank
    problems: dict[int, TestCase] = field(default_factory=dict)
    flaky: set[int] = field(default_factory=set)
    xfailed: set[int] = field(default_factory=set)
    xpassed: set[int] = field(default_factory=set)
    elements: int = 0
    duration: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _case_outcome(children: list[_Child]) -> tuple[Outcome, str, bool, bool, bool]:
    """(outcome, message, flaky, xfail, strict-xpass) of one `<testcase>` from its children."""
    outcome: Outcome = "passed"
    message = ""
    flaky = xfail = xpass = False
    for child in children:
        tag = child.tag
        text = (child.attrs.get("message") or "".join(child.text)).strip()
        if tag in ("error", "rerunError"):
            if _RANK["error"] > _RANK[outcome]:
                outcome, message = "error", text
        elif tag in ("failure", "rerunFailure"):
            if _RANK["failed"] > _RANK[outcome]:
                outcome, message = "failed", text
            if text.startswith("[XPASS(strict)]"):
                xpass = True
        elif tag == "skipped":
            if outcome == "passed":
                outcome, message = "skipped", text
            if child.attrs.get("type") == "pytest.xfail":
                xfail = True
        elif tag in ("flakyFailure", "flakyError"):
            flaky = True
            message = message or text
    if outcome in ("failed", "error"):
        flaky = False
    return outcome, message.splitlines()[0][:MAX_MESSAGE] if message else "", flaky, xfail, xpass


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
        except expat.ExpatError as exc:
            reason = expat.errors.messages.get(exc.code, "invalid XML")
            raise EvidenceError(f"malformed XML: {reason}", path=shown, line=exc.lineno) from None
        except OSError as exc:
            raise EvidenceError(f"cannot read ({exc.strerror})", path=shown) from None

    def _declared(self, attrs: dict[str, str], shown: str, tally: _Tally) -> dict[str, int]:
        out: dict[str, int] = {}
        for attr in ("tests", "failures", "errors", "skipped"):
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

    def _record(
        self,
        attrs: dict[str, str],
        outcome: Outcome,
        message: str,
        flaky: bool,
        xfail: bool,
        xpass: bool,
        shown: str,
        tally: _Tally,
    ) -> None:
        name = attrs.get("name")
        classname = attrs.get("classname") or ""
        digest = hash((attrs.get("file") or "", classname, name))
        name = name or "<unnamed>"
        tally.elements += 1
        rank = _RANK[outcome]
        previous = tally.outcomes.get(digest)
        if previous is not None and previous >= rank:
            return
        tally.outcomes[digest] = rank
        if xfail:
            tally.xfailed.add(digest)
        if xpass:
            tally.xpassed.add(digest)
        if flaky and outcome == "passed":
            tally.flaky.add(digest)
        else:
            tally.flaky.discard(digest)
        if outcome in ("failed", "error") or (flaky and outcome == "passed"):
            case_id = f"{classname}::{name}" if classname else name
            tally.problems[digest] = TestCase(
                id=case_id,
                outcome=outcome,
                message=message,
                flaky=flaky,
                file=shown,
            )
        else:
            tally.problems.pop(digest, None)


def _refuse(what: str) -> Callable[..., Any]:
    def handler(*_args: object) -> None:
        raise EvidenceError(
            f"refused: the file contains {what} (DTDs, entity declarations and external "
            "references are not allowed in evidence)"
        )

    return handler


class _FileParser:
    """Streams one file through expat: nothing but the current case is kept in memory.

    Hardened the way defusedxml hardens expat, and stricter: any DOCTYPE is refused outright (no
    JUnit producer writes one), so no entity can be declared, expanded or fetched. expat is
    driven directly rather than through defusedxml's iterparse, whose pure-Python tree builder
    doubled the parse time (benchmarks/junit_inspect.py).
    """

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
        self.children: list[_Child] = []
        self.child: _Child | None = None
        self._suite_time: str | None = None

    def parse(self, fh: BinaryIO) -> None:
        p = expat.ParserCreate()
        p.buffer_text = True
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = _refuse("a DOCTYPE")
        p.EntityDeclHandler = _refuse("an entity declaration")
        p.UnparsedEntityDeclHandler = _refuse("an unparsed entity")
        p.ExternalEntityRefHandler = _refuse("an external entity reference")
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        self.parser = p  # text is only wanted inside a result element: the handler is set there
        try:
            p.ParseFile(fh)
        except EvidenceError as exc:
            raise EvidenceError(exc.reason, path=self.shown, line=p.CurrentLineNumber) from None
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

    def _time(self, raw: str | None, what: str) -> float:
        try:
            return parse_time(raw) or 0.0
        except ValueError:
            self.tally.warnings.append(f"{self.shown}: invalid time {raw!r} on {what}")
            return 0.0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        depth = self.depth
        self.depth += 1
        if depth == 0:
            if tag not in ("testsuites", "testsuite"):
                raise EvidenceError(f"root element <{tag}> is not <testsuites> or <testsuite>")
            self.root_tag = tag
            self.root_declared = self.adapter._declared(attrs, self.shown, self.tally)
            self.root_has_counts = bool(self.root_declared)
            if attrs.get("time") is not None:
                self.root_time = self._time(attrs.get("time"), "the root")
            return
        if self.case is not None:
            if depth == self.case_depth + 1 and tag in _RESULT_TAGS:
                self.child = _Child(tag, attrs)
                self.children.append(self.child)
                if "message" not in attrs:
                    self.parser.CharacterDataHandler = self.text
            return
        if tag == "testcase":
            self.case = attrs
            self.case_depth = depth
            if self.children:
                self.children = []
            return
        if tag == "testsuite" and depth == 1:
            self._suite_time = attrs.get("time")
        if (
            tag == "testsuite"
            and depth == 1
            and self.root_tag == "testsuites"
            and not self.root_has_counts
        ):
            for attr, value in self.adapter._declared(attrs, self.shown, self.tally).items():
                self.root_declared[attr] = self.root_declared.get(attr, 0) + value

    def text(self, data: str) -> None:
        child = self.child
        if child is not None and child.size < MAX_MESSAGE:
            child.text.append(data)
            child.size += len(data)

    def end(self, name: str) -> None:
        self.depth -= 1
        depth = self.depth
        case = self.case
        if case is None:
            if depth == 1 and self.root_tag == "testsuites" and _local(name) == "testsuite":
                self.top_suites_time += self._time(self._suite_time, "a suite")
            return
        if depth != self.case_depth:
            if depth == self.case_depth + 1:
                self.child = None
                self.parser.CharacterDataHandler = None
            return
        self.case = None
        raw_time = case.get("time")
        if raw_time:
            try:  # fast path for the common "0.001"; dialects and nonsense go the long way
                seconds = float(raw_time)
                if not 0 <= seconds < math.inf:
                    raise ValueError(raw_time)
                self.case_time += seconds
            except ValueError:
                self.case_time += self._time(raw_time, repr(case.get("name")))
        tally = self.tally
        if not self.children:  # a plain pass: the overwhelmingly common case
            key = hash((case.get("file") or "", case.get("classname") or "", case.get("name")))
            if key not in tally.outcomes:
                tally.elements += 1
                tally.outcomes[key] = _PASSED
                return
        outcome, message, flaky, xfail, xpass = _case_outcome(self.children)
        self.children = []
        self.counted["failures"] += outcome == "failed"
        self.counted["errors"] += outcome == "error"
        self.adapter._record(case, outcome, message, flaky, xfail, xpass, self.shown, tally)
