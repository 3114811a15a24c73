"""Hostile inputs across every reader: huge tokens, deep nesting, values that do not fit.

Each reader must answer in time linear in its input and with a located one-line error, never a
traceback, a hang or a leak. Cost tests run under `deadline`, a SIGALRM guard far above what
linear code needs and far below what the quadratic behaviour it guards against takes, so a
regression fails instead of hanging; no wall-clock duration is asserted.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from readiness.errors import EvidenceError
from readiness.evidence.junit import JUnitAdapter, JUnitParams
from readiness.evidence.records import TestRun

MB = 1024 * 1024


class Overtime(Exception):
    """Raised by the SIGALRM handler of `deadline`."""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail with Overtime if the body runs longer than `seconds` (a hang guard, not a timer)."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise Overtime(f"still running after {seconds} s: cost is not linear")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def read_junit(path: Path) -> TestRun:
    return JUnitAdapter().read([path], {path: path.name}, JUnitParams())


# --- JUnit XML ------------------------------------------------------------------------------


def test_junit_8mb_attribute_is_read_in_linear_time(tmp_path: Path) -> None:
    """An 8 MB attribute (expat reparsed it quadratically: ~30 s) is read well within 10 s."""
    f = tmp_path / "big-attr.xml"
    f.write_bytes(
        b'<testsuite><testcase classname="c" name="a"><failure message="'
        + b"x" * (8 * MB)
        + b'"/></testcase></testsuite>'
    )
    with deadline(10):
        run = read_junit(f)
    assert run.failed == 1
    assert len(run.problems[0].message) <= 500


def test_junit_20mb_attribute_is_refused_quickly(tmp_path: Path) -> None:
    """A 20 MB attribute (over 4 minutes with expat) is refused with a clear error in seconds."""
    f = tmp_path / "huge-attr.xml"
    f.write_bytes(b'<testsuite><testcase name="' + b"x" * (20 * MB) + b'"/></testsuite>')
    with deadline(10), pytest.raises(EvidenceError, match="larger than") as info:
        read_junit(f)
    assert "huge-attr.xml:1" in str(info.value)


def test_junit_20mb_text_node_is_read_in_linear_time(tmp_path: Path) -> None:
    """A 20 MB failure text is read (only its first line is kept) within the guard."""
    f = tmp_path / "big-text.xml"
    f.write_bytes(
        b'<testsuite><testcase name="a"><failure>boom\n'
        + b"y" * (20 * MB)
        + b"</failure></testcase></testsuite>"
    )
    with deadline(10):
        run = read_junit(f)
    assert run.problems[0].message == "boom"


def test_junit_deep_nesting_is_refused(tmp_path: Path) -> None:
    """100,000 nested elements: a clear error naming the depth limit, no recursion crash."""
    f = tmp_path / "deep.xml"
    f.write_bytes(b"<testsuite>" + b"<x>" * 100_000 + b"</x>" * 100_000 + b"</testsuite>")
    with deadline(10), pytest.raises(EvidenceError, match="nested deeper than"):
        read_junit(f)
