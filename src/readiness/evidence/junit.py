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

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from pydantic import BaseModel, ConfigDict, Field

from readiness.errors import EvidenceError
from readiness.evidence.records import Outcome, TestCase, TestRun

_RANK = {"skipped": 0, "passed": 1, "failed": 2, "error": 3}
MAX_MESSAGE = 500
MAX_PROBLEMS = 1000


class JUnitParams(BaseModel):
    """Options of a `junit` check."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=lambda s: s.replace("_", "-"),
        validate_by_name=True,
        validate_by_alias=True,
    )
    min_tests: int = Field(default=1, ge=1)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


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

    outcomes: dict[bytes, int] = field(default_factory=dict)  # key digest -> rank
    problems: dict[bytes, TestCase] = field(default_factory=dict)
    flaky: set[bytes] = field(default_factory=set)
    xfailed: set[bytes] = field(default_factory=set)
    xpassed: set[bytes] = field(default_factory=set)
    elements: int = 0
    duration: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _case_outcome(case: Element) -> tuple[Outcome, str, bool, bool, bool]:
    """(outcome, message, flaky, xfail, strict-xpass) of one `<testcase>` element."""
    outcome: Outcome = "passed"
    message = ""
    flaky = xfail = xpass = False
    for child in case:
        tag = _local(child.tag)
        text = (child.get("message") or (child.text or "")).strip()
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
            if child.get("type") == "pytest.xfail":
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
                self._stream(fh, shown, tally)
        except DefusedXmlException as exc:
            raise EvidenceError(
                f"refused: {type(exc).__name__} (DTD entities and external references are not "
                "allowed in evidence)",
                path=shown,
            ) from None
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            reason = str(exc).split(":", 1)[0]
            raise EvidenceError(f"malformed XML: {reason}", path=shown, line=line) from None
        except OSError as exc:
            raise EvidenceError(f"cannot read ({exc.strerror})", path=shown) from None

    def _stream(self, fh: Any, shown: str, tally: _Tally) -> None:
        stack: list[Element] = []
        start_elements = tally.elements
        root_declared: dict[str, int] = {}
        root_has_counts = False
        root_time: float | None = None
        case_time = 0.0
        counted = {"failures": 0, "errors": 0}
        top_suites_time = 0.0
        for event, elem in iterparse(
            fh,
            events=("start", "end"),
            forbid_dtd=False,
            forbid_entities=True,
            forbid_external=True,
        ):
            tag = _local(elem.tag)
            if event == "start":
                if not stack:
                    if tag not in ("testsuites", "testsuite"):
                        raise EvidenceError(
                            f"root element <{tag}> is not <testsuites> or <testsuite>", path=shown
                        )
                    root_declared = self._declared(elem, shown, tally)
                    root_has_counts = bool(root_declared)
                    try:
                        root_time = parse_time(elem.get("time"))
                    except ValueError:
                        tally.warnings.append(f"{shown}: invalid root time {elem.get('time')!r}")
                elif (
                    tag == "testsuite"
                    and len(stack) == 1
                    and not root_has_counts
                    and _local(stack[0].tag) == "testsuites"
                ):
                    for attr, value in self._declared(elem, shown, tally).items():
                        root_declared[attr] = root_declared.get(attr, 0) + value
                stack.append(elem)
                continue
            stack.pop()
            if tag == "testcase":
                outcome, message, flaky, xfail, xpass = _case_outcome(elem)
                try:
                    case_time += parse_time(elem.get("time")) or 0.0
                except ValueError:
                    tally.warnings.append(
                        f"{shown}: invalid time {elem.get('time')!r} on {elem.get('name')!r}"
                    )
                counted["failures"] += outcome == "failed"
                counted["errors"] += outcome == "error"
                self._record(elem, outcome, message, flaky, xfail, xpass, shown, tally)
                elem.clear()
                if stack:
                    stack[-1].remove(elem)
            elif tag == "testsuite" and len(stack) == 1 and _local(stack[0].tag) == "testsuites":
                try:
                    top_suites_time += parse_time(elem.get("time")) or 0.0
                except ValueError:
                    tally.warnings.append(f"{shown}: invalid suite time {elem.get('time')!r}")
                elem.clear()
                stack[-1].remove(elem)
        if stack:  # pragma: no cover - the parser raises on unclosed elements
            raise EvidenceError("truncated XML", path=shown)
        tally.duration += root_time if root_time is not None else (top_suites_time or case_time)
        self._cross_check(root_declared, counted, tally.elements - start_elements, shown, tally)

    def _declared(self, elem: Element, shown: str, tally: _Tally) -> dict[str, int]:
        out: dict[str, int] = {}
        for attr in ("tests", "failures", "errors", "skipped"):
            try:
                value = parse_count(elem.get(attr))
            except ValueError:
                tally.warnings.append(f"{shown}: declared {attr}={elem.get(attr)!r} is not a count")
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
                key = hashlib.blake2b(f"{shown}\0<declared {attr}>".encode(), digest_size=16)
                digest = key.digest()
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
        elem: Element,
        outcome: Outcome,
        message: str,
        flaky: bool,
        xfail: bool,
        xpass: bool,
        shown: str,
        tally: _Tally,
    ) -> None:
        name = elem.get("name") or "<unnamed>"
        classname = elem.get("classname") or ""
        file = elem.get("file") or ""
        digest = hashlib.blake2b(
            f"{file}\0{classname}\0{name}".encode(errors="replace"), digest_size=16
        ).digest()
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
