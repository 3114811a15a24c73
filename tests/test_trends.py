"""Marks against the baseline: new, fixed, regressed or unchanged, as a pure function of the
status then and now."""

from __future__ import annotations

import pytest

from readiness.report import STATUSES, Baseline, CriterionResult, Status, mark, marks

FAILING = ("FAIL", "INCONCLUSIVE", "MISSING", "ERROR")


@pytest.mark.parametrize(
    ("then", "now", "expected"),
    [
        (None, "PASS", "new"),
        (None, "FAIL", "new"),
        (None, "N/A", "new"),
        ("N/A", "FAIL", "new"),
        ("N/A", "N/A", "unchanged"),
        ("PASS", "N/A", "unchanged"),
        ("FAIL", "PASS", "fixed"),
        ("MISSING", "WARN", "fixed"),
        ("ERROR", "PASS", "fixed"),
        ("INCONCLUSIVE", "PASS", "fixed"),
        ("FAIL", "WAIVED", "unchanged"),  # excused, not fixed
        ("FAIL", "MISSING", "unchanged"),  # failing in another way
        ("PASS", "WARN", "regressed"),
        ("PASS", "WAIVED", "regressed"),
        ("PASS", "FAIL", "regressed"),
        ("WARN", "FAIL", "regressed"),
        ("WAIVED", "ERROR", "regressed"),
        ("WARN", "INCONCLUSIVE", "regressed"),
        ("WARN", "PASS", "unchanged"),  # better, within met
        ("WARN", "WAIVED", "unchanged"),
        ("PASS", "PASS", "unchanged"),
    ],
)
def test_mark(then: str | None, now: str, expected: str) -> None:
    """Each pair of statuses gets the mark its definition says."""
    assert mark(now, then) == expected


def test_every_pair_of_statuses_has_exactly_one_consistent_mark() -> None:
    """Over every pair: regressed only from a met status, fixed only from a failing one to
    PASS or WARN, and the same status is always unchanged."""
    for then in STATUSES:
        for now in STATUSES:
            m = mark(now, then)
            if m == "regressed":
                assert then in ("PASS", "WARN", "WAIVED") and now != "N/A"
            if m == "fixed":
                assert then in FAILING and now in ("PASS", "WARN")
            if then == now:
                assert m == "unchanged"


def _result(key: str, status: Status) -> CriterionResult:
    gate, _, id_ = key.partition(".")
    return CriterionResult(key, gate, id_, id_, "t.x", "blocking", "internal", status)


def test_marks_need_a_baseline_that_was_found() -> None:
    """No baseline, or none found: no marks; a found one marks every result by key."""
    results = [_result("g.a", "FAIL"), _result("g.b", "PASS"), _result("g.c", "PASS")]
    assert marks(results, None) == {}
    assert marks(results, Baseline(None, sought="x")) == {}
    found = Baseline(3, version="1.0.0", statuses={"g.a": "PASS", "g.b": "FAIL"})
    assert marks(results, found) == {"g.a": "regressed", "g.b": "fixed", "g.c": "new"}
