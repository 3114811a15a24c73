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


def case_outcome(
    case: dict[str, str], children: list[Child]
) -> tuple[Outcome, str, bool, bool, bool, bool]:
    """(outcome, message, flaky, xfail, strict-xpass, teardown-only error) of one `<testcase>`."""
    outcome: Outcome = "passed"
    message = ""
    flaky = xfail = xpass = False
    teardown = True
    if "status" in case or "result" in case:
        outcome, message = _status_outcome(case)
        teardown = False
    for child in children:
        tag = child.tag
        text = (child.attrs.get("message") or "".join(child.text)).strip()
        if tag in ("error", "rerunError"):
            teardown = teardown and text.startswith(_TEARDOWN)
            if RANK["error"] > RANK[outcome]:
                outcome, message = "error", text
        elif tag in ("failure", "rerunFailure"):
            teardown = False
            if RANK["failed"] > RANK[outcome]:
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
    first = message.splitlines()[0][:MAX_MESSAGE] if message else ""
    return outcome, first, flaky, xfail, xpass, teardown and outcome == "error"
