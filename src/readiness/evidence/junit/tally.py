"""The running tally of one check's JUnit files: test results merged by (file, classname,
name) keeping the worst outcome, flaky and xfail flags, the problems kept for the report, and
the cross-check of what each file declares against what its cases hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from readiness.evidence.junit.case import RANK, parse_count
from readiness.evidence.records import Outcome, TestCase


@dataclass
class Tally:
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

    def declared(self, attrs: dict[str, str], shown: str) -> dict[str, int]:
        """The counts a suite declares; one that is not a count is a warning."""
        out: dict[str, int] = {}
        for attr in ("tests", "failures", "errors", "skipped", "disabled"):
            try:
                value = parse_count(attrs.get(attr))
            except ValueError:
                self.warnings.append(f"{shown}: declared {attr}={attrs.get(attr)!r} is not a count")
                continue
            if value is not None:
                out[attr] = value
        return out

    def cross_check(
        self, declared: dict[str, int], counted: dict[str, int], elements: int, shown: str
    ) -> None:
        """A file's declared failures and errors that no case holds become a synthetic error
        case (fail closed); a declared test count that differs is a warning."""
        for attr in ("failures", "errors"):
            extra = declared.get(attr, 0) - counted[attr]
            if extra > 0:
                digest = hash((shown, "<declared>", attr))
                self.outcomes[digest] = RANK["error"]
                self.elements += 1
                self.problems[digest] = TestCase(
                    id=f"{shown} <root>",
                    outcome="error",
                    message=(
                        f"the file declares {declared[attr]} {attr} but only {counted[attr]} "
                        "test case(s) hold one (e.g. a build failure): counted as an error"
                    ),
                    file=shown,
                )
        if "tests" in declared and declared["tests"] != elements:
            self.warnings.append(
                f"{shown}: declares tests={declared['tests']} but holds {elements} test case "
                "element(s); the cases were counted"
            )

    def key(self, attrs: dict[str, str], shown: str) -> tuple[int, str]:
        """(merge key, shown id) of a case; a case without a name is never merged."""
        name = attrs.get("name")
        classname = attrs.get("classname") or ""
        if not name:
            self.unnamed += 1
            name = f"<unnamed #{self.unnamed}>"
            return hash((shown, "<unnamed>", self.unnamed)), f"{classname}::{name}"
        digest = hash((attrs.get("file") or "", classname, name))
        return digest, f"{classname}::{name}" if classname else name

    def passed_again(self, digest: int) -> None:
        """A plain pass (no result, no flag) of a test seen before: what `record` makes of it,
        the worst by rank kept, without counting it (the parser counts plain passes)."""
        if self.outcomes[digest] < RANK["passed"]:
            self.outcomes[digest] = RANK["passed"]
            self.teardown.discard(digest)
            self.flaky.discard(digest)
            self.problems.pop(digest, None)

    def record(
        self,
        digest: int,
        case_id: str,
        outcome: Outcome,
        message: str,
        flags: tuple[bool, bool, bool, bool],
        shown: str,
    ) -> bool:
        """Merge one result into the tally, worst outcome first; True if the test is new."""
        flaky, xfail, xpass, teardown = flags
        self.elements += 1
        rank = RANK[outcome]
        previous = self.outcomes.get(digest)
        if previous is not None:
            if teardown and previous == RANK["failed"]:
                return False  # pytest: a failed call, then a teardown error: failed
            after_teardown = outcome == "failed" and digest in self.teardown
            if previous >= rank and not after_teardown:
                return False
        self.outcomes[digest] = rank
        if teardown:
            self.teardown.add(digest)
        else:
            self.teardown.discard(digest)
        if xfail:
            self.xfailed.add(digest)
        if xpass:
            self.xpassed.add(digest)
        if flaky and outcome == "passed":
            self.flaky.add(digest)
        else:
            self.flaky.discard(digest)
        if outcome in ("failed", "error") or (flaky and outcome == "passed"):
            self.problems[digest] = TestCase(
                id=case_id,
                outcome=outcome,
                message=message,
                flaky=flaky,
                file=shown,
            )
        else:
            self.problems.pop(digest, None)
        return previous is None
