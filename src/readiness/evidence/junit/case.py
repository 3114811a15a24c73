"""What one JUnit `<testcase>` says: its outcome from its result children and its `status`,
and the time and count attributes in every dialect seen in the wild."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from readiness.evidence.records import Outcome

RANK = {"skipped": 0, "passed": 1, "failed": 2, "error": 3}
MAX_MESSAGE = 500
MAX_QUOTE = 80


def quote(text: str) -> str:
    """An evidence value shortened for an error message."""
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def local_name(tag: str) -> str:
    """`{uri}testcase` or an undeclared `ns:testcase` -> `testcase`."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


# A case's `status` (GoogleTest, CTest, go-junit-report, the Jenkins xsd) and GoogleTest's
# `result`; any other status is an error (fail closed).
_STATUS_PASS = frozenset({"", "run", "pass", "passed", "success", "successful", "ok", "completed"})
_STATUS_SKIP = frozenset(
    {"disabled", "notrun", "not run", "skip", "skipped", "ignored", "pending", "todo", "suppressed"}
)
_STATUS_FAIL = frozenset({"fail", "failed", "failure"})
_STATUS_ERROR = frozenset({"error", "errored", "broken"})
_TEARDOWN = "failed on teardown with "  # pytest's message for an error in teardown


RESULT_TAGS = frozenset(
    {"failure", "error", "skipped", "rerunFailure", "rerunError", "flakyFailure", "flakyError"}
)


@dataclass
class Child:
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


def _status_outcome(case: dict[str, str]) -> tuple[Outcome, str]:
    """The outcome a case's `status` (and GoogleTest's `result`) attribute states by itself."""
    status = (case.get("status") or "").strip().lower()
    result = (case.get("result") or "").strip().lower()
    if status in _STATUS_SKIP or result in ("suppressed", "skipped"):
        return "skipped", f"status {status or result}"
    if status in _STATUS_PASS:
        return "passed", ""
    if status in _STATUS_FAIL:
        return "failed", f"status {status}"
    if status in _STATUS_ERROR:
        return "error", f"status {status}"
    return "error", f"unknown test status {quote(status)!r}: not counted as a pass"


@dataclass
class _Case:
    """What a case's status and result children have said so far."""

    outcome: Outcome = "passed"
    message: str = ""
    flaky: bool = False
    xfail: bool = False
    xpass: bool = False
    teardown: bool = True  # every error so far is pytest's teardown error


def case_outcome(
    case: dict[str, str], children: list[Child]
) -> tuple[Outcome, str, bool, bool, bool, bool]:
    """(outcome, message, flaky, xfail, strict-xpass, teardown-only error) of one `<testcase>`."""
    seen = _Case()
    if "status" in case or "result" in case:
        seen.outcome, seen.message = _status_outcome(case)
        seen.teardown = False
    for child in children:
        _add_child(seen, child)
    outcome, message = seen.outcome, seen.message
    flaky = seen.flaky and outcome not in ("failed", "error")
    first = message.splitlines()[0][:MAX_MESSAGE] if message else ""
    return outcome, first, flaky, seen.xfail, seen.xpass, seen.teardown and outcome == "error"


def _add_child(seen: _Case, child: Child) -> None:
    """One result child (error, failure, skipped, flaky... and their reruns): the worst
    outcome wins, and its message with it."""
    tag = child.tag
    text = (child.attrs.get("message") or "".join(child.text)).strip()
    if tag in ("error", "rerunError"):
        seen.teardown = seen.teardown and text.startswith(_TEARDOWN)
        if RANK["error"] > RANK[seen.outcome]:
            seen.outcome, seen.message = "error", text
    elif tag in ("failure", "rerunFailure"):
        seen.teardown = False
        if RANK["failed"] > RANK[seen.outcome]:
            seen.outcome, seen.message = "failed", text
        seen.xpass = seen.xpass or text.startswith("[XPASS(strict)]")
    elif tag == "skipped":
        if seen.outcome == "passed":
            seen.outcome, seen.message = "skipped", text
        seen.xfail = seen.xfail or child.attrs.get("type") == "pytest.xfail"
    elif tag in ("flakyFailure", "flakyError"):
        seen.flaky = True
        seen.message = seen.message or text
